"""Bitfinex (https://www.bitfinex.com), API v2: the native adapter, public market data."""
