"""Exchange adapters: one package per native venue, the paper exchange, the registry and the catalogue."""
