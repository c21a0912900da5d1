"""Bitstamp (https://www.bitstamp.net): the native adapter for HTTP API v2, public market data."""
