"""Gemini (https://www.gemini.com): the native adapter, public market data (REST v1, v2 candles)."""
