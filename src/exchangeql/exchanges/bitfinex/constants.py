"""Bitfinex declarations: origin, paths, request weights, rate limit, timeframes, aliases, capabilities.

API v2 only (https://docs.bitfinex.com/docs/rest-public); the seed ids bitfinex and bitfinex2 both resolve
here through the catalogue. Bitfinex limits each public endpoint separately, per IP, per minute (book 240,
ticker/tickers/conf 90, candles 30 to 90 depending on the page, trades 15), and blocks the IP for 60 s
past a limit. One shared bucket of 240 per minute, with each endpoint weighing 240 / its own limit,
keeps every endpoint under its limit whatever the mix (it overcounts a mix, never undercounts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "bitfinex"
EXCHANGE_NAME: Final = "Bitfinex"

BASE_URL: Final = "https://api-pub.bitfinex.com"

# Spot pairs and perpetual futures with their order-size limits, in one call (two config keys).
CONF_PAIRS: Final = "/v2/conf/pub:info:pair,pub:info:pair:futures"
TICKERS: Final = "/v2/tickers"
BOOK_PRECISION: Final = "P0"  # aggregated by price at the pair's full precision (5 significant digits)


def ticker_path(symbol: str) -> str:
    return f"/v2/ticker/{symbol}"


def book_path(symbol: str) -> str:
    return f"/v2/book/{symbol}/{BOOK_PRECISION}"


def trades_path(symbol: str) -> str:
    return f"/v2/trades/{symbol}/hist"


def candles_path(timeframe: str, symbol: str) -> str:
    return f"/v2/candles/trade:{timeframe}:{symbol}/hist"


RATE_LIMIT: Final = RateLimit(weight=240, per_seconds=60)
BOOK_WEIGHT: Final = 1.0  # 240 per minute
CONF_WEIGHT: Final = 2.7  # 90 per minute (240 / 90, rounded up as ccxt does)
TICKER_WEIGHT: Final = 2.7
TICKERS_WEIGHT: Final = 2.7
CANDLES_WEIGHT: Final = 8.0  # 30 per minute, the lower of the two limits the docs state
TRADES_WEIGHT: Final = 16.0  # 15 per minute

# The book lengths the venue serves ("len"); a request for another size is rounded up and cut back.
BOOK_LENGTHS: Final = (1, 25, 100)
MAX_TRADES: Final = 10000
MAX_CANDLES: Final = 10000
# Past this many ids, a `symbols` list is longer than asking for ALL and filtering.
TICKERS_BY_LIST_MAX: Final = 100

# Amounts take up to 8 decimals (https://docs.bitfinex.com/docs/introduction#amount-precision). Prices are
# limited to 5 significant digits, which no single tick size expresses: the price tick stays None.
AMOUNT_TICK: Final = "0.00000001"
MIN_PRICE: Final = "0.00000001"

# Unified timeframe -> the candles key's time frame, as the candles page lists them.
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "1m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "3h": "3h",
    "6h": "6h",
    "12h": "12h",
    "1d": "1D",
    "1w": "1W",
    "2w": "14D",
    "1M": "1M",
}

# Venue currency id -> unified code, as ccxt 4.5.90 maps them (its defaults XBT and BCHSV, and its Bitfinex
# table). Left out: ORS -> "ORS Group", a name with a space that is no valid unified symbol here.
CURRENCY_ALIASES: Final[Mapping[str, str]] = {
    "XBT": "BTC",
    "BCHSV": "BSV",
    "UST": "USDT",
    "EUTF0": "EURT",
    "USTF0": "USDT",
    "ALG": "ALGO",
    "AMP": "AMPL",
    "ATO": "ATOM",
    "BCHABC": "XEC",
    "BCHN": "BCH",
    "DAT": "DATA",
    "DOG": "MDOGE",
    "DSH": "DASH",
    "EDO": "PNT",
    "EUS": "EURS",
    "EUT": "EURT",
    "HTX": "HT",
    "IDX": "ID",
    "IOT": "IOTA",
    "IQX": "IQ",
    "LUNA": "LUNC",
    "LUNA2": "LUNA",
    "MNA": "MANA",
    "PAS": "PASS",
    "QSH": "QASH",
    "QTM": "QTUM",
    "RBT": "RBTC",
    "SNG": "SNGLS",
    "STJ": "STORJ",
    "TERRAUST": "USTC",
    "TSD": "TUSD",
    "YGG": "YEED",
    "YYW": "YOYOW",
    "UDC": "USDC",
    "VSY": "VSYS",
    "WAX": "WAXP",
    "XCH": "XCHF",
    "ZBT": "ZB",
}

CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)
