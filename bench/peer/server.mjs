// The Neo4j GraphQL Library over the same database, for the side-by-side benchmark only.
//   NEO4J_URI (bolt://...), PORT, POOL_SIZE (driver pool, default 100),
//   BOLT_LOG (optional file: every RUN sent and every SUCCESS with the server's timings).
import { readFileSync, appendFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const uri = process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687";
const port = Number(process.env.PORT ?? 4000);
const poolSize = Number(process.env.POOL_SIZE ?? 100);
const boltLog = process.env.BOLT_LOG;

const config = { maxConnectionPoolSize: poolSize };
if (boltLog) {
  config.logging = {
    level: "debug",
    logger: (_level, message) => {
      if (message.includes("C: RUN") || message.includes("S: SUCCESS")) {
        appendFileSync(boltLog, message.replace(/\n/g, " ") + "\n");
      }
    },
  };
}
const driver = neo4j.driver(uri, undefined, config);
await driver.verifyConnectivity();

const typeDefs = readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8");
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const schema = await neoSchema.getSchema();
const server = new ApolloServer({ schema, introspection: true });
const { url } = await startStandaloneServer(server, {
  listen: { port, host: "127.0.0.1" },
  context: async () => ({ sessionConfig: { database: process.env.NEO4J_DATABASE ?? "neo4j" } }),
});
console.log(url);
