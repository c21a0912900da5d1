"""Resolvers: validate arguments, fan out to exchanges, aggregate. No HTTP here."""
