"""The GraphQL schema: strawberry types (thin: fields declare, resolvers delegate) and the root schema."""
