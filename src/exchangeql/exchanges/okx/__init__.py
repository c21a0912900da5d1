"""OKX (https://www.okx.com): the native adapter, public market data of spot and perpetual swaps (API v5)."""
