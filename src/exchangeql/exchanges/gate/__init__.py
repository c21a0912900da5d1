"""Gate (https://www.gate.com): the native adapter, public spot market data (API v4)."""
