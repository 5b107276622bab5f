"""The GraphQL API: strawberry schema, resolvers, dataloaders and the Starlette app."""
