"""Neo4j: settings, driver lifecycle, schema, Cypher, repository and analytics."""
