"""The built-in paper exchange: a seeded market simulator and an in-memory matching engine, no network."""
