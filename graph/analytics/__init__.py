"""igraph analytics over subgraphs exported from Neo4j."""
