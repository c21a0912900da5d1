"""Gemini declarations: origin, endpoint paths and weights, rate limit, timeframes, aliases, capabilities.

Gemini limits public entry points to 120 requests per minute per IP, with a burst of five queued
requests, and asks clients not to exceed one per second (https://docs.gemini.com/rate-limit). Every
public endpoint weighs one request.

Markets and their request cost. /v1/symbols lists the symbol ids in one request; precision, minimum
order size and status are only in /v1/symbols/details/{symbol}, one request per symbol (hundreds of
symbols: minutes at 120 a minute). ccxt 4.5.90's default (`fetch_markets_from_api`,
`fetchDetailsForAllSymbols: False`) also makes the one /v1/symbols request and takes the rest from
trading-pair data scraped from the exchange's web page (its fetchCurrencies). We do not scrape HTML,
so a market load costs exactly one request, and markets come without precision and limits (as ccxt's
own when that page is unavailable); ids are split into base and quote as ccxt does.

Tickers. v1 has no all-symbols 24 h ticker. /v1/pubticker/{symbol} (what fetch_ticker uses, ccxt's
default `fetchTickerV1`) gives bid, ask, last and 24 h volumes; /v2/ticker/{symbol} gives open, high, low,
close and hourly closes, but is per symbol too (and ccxt found it unreliable, ccxt issue 28077).
/v1/pricefeed answers every pair in one request but carries only the last price and the 24 h change:
fetch_tickers uses it, so those tickers have no bid, ask or volumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "gemini"
EXCHANGE_NAME: Final = "Gemini"

BASE_URL: Final = "https://api.gemini.com"

# Paths, as on the real origin (the replay recordings use the same ones).
SYMBOLS: Final = "/v1/symbols"
PRICEFEED: Final = "/v1/pricefeed"


def pubticker_path(symbol: str) -> str:
    return f"/v1/pubticker/{symbol}"


def book_path(symbol: str) -> str:
    return f"/v1/book/{symbol}"


def trades_path(symbol: str) -> str:
    return f"/v1/trades/{symbol}"


def candles_path(symbol: str, time_frame: str) -> str:
    return f"/v2/candles/{symbol}/{time_frame}"


CALL_WEIGHT: Final = 1
RATE_LIMIT: Final = RateLimit(weight=120, per_seconds=60)

# /v1/trades answers at most 500 trades (50 by default).
MAX_TRADES: Final = 500

# Unified timeframe -> Gemini candle time_frame (the API's own spelling).
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "1m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1hr",
    "6h": "6hr",
    "1d": "1day",
}

# Symbol ids carry no separator: the quote is the first of these suffixes that the id (without "PERP")
# ends with, in this order (ccxt 4.5.90's `quoteCurrencies`; GUSD before USD, USDT before USD).
QUOTE_CURRENCIES: Final = (
    "USDT",
    "GUSD",
    "USD",
    "DAI",
    "EUR",
    "GBP",
    "SGD",
    "BTC",
    "ETH",
    "LTC",
    "BCH",
    "SOL",
    "USDC",
)
# Ids the suffix rule splits wrongly: id -> (base, quote).
CONFLICTING_SYMBOLS: Final[Mapping[str, tuple[str, str]]] = {"paxgusd": ("PAXG", "USD")}
# Listed ids that are not tradable pairs (ccxt's `brokenPairs`): left out of the markets.
BROKEN_SYMBOLS: Final = frozenset(
    {"efilusd", "maticrlusd", "maticusdc", "eurusdc", "maticgusd", "maticusd", "efilfil", "eurusd"}
)
PERP_SUFFIX: Final = "PERP"

# Venue currency -> unified code: Gemini spells currencies the common way; these are the ccxt-wide
# legacy aliases.
CURRENCY_ALIASES: Final[Mapping[str, str]] = {"XBT": "BTC", "BCHSV": "BSV"}

CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,  # ids only: see the module docstring
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,  # /v1/pricefeed: last price and 24 h change only
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)
