"""KuCoin (https://www.kucoin.com), spot: the native adapter, public market data."""
