"""Binance spot (https://www.binance.com): the native adapter, public market data."""
