"""The only layer that owns httpx clients, rate limits, retries and HTTP error mapping."""
