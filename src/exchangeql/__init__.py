"""exchangeql: a GraphQL gateway that puts many cryptocurrency exchanges behind one typed schema."""

__version__ = "0.1.0"
