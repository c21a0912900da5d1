"""Coinbase Exchange (https://exchange.coinbase.com, once Coinbase Pro): the native adapter, public data."""
