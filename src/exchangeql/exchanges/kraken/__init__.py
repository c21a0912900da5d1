"""Kraken spot (https://www.kraken.com): the native adapter, public market data."""
