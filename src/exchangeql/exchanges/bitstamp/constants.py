"""Bitstamp declarations: origin, endpoint paths and weights, rate limit, timeframes, aliases, capabilities.

Bitstamp's budget is per IP: "do not make more than 8000 requests per 10 minutes or we will ban your IP
address" (https://www.bitstamp.net/api/, "What is API?"; ccxt 4.5.90 paces by the same figure). Later
revisions of the page give 10,000 per 10 minutes and 400 per second; the lower figure is declared, as
overcounting only slows us down. Every public endpoint weighs one request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "bitstamp"
EXCHANGE_NAME: Final = "Bitstamp"

BASE_URL: Final = "https://www.bitstamp.net"

# Paths, as on the real origin (the replay recordings use the same ones); note the trailing slashes.
MARKETS: Final = "/api/v2/markets/"
TICKERS: Final = "/api/v2/ticker/"


def ticker_path(pair: str) -> str:
    return f"/api/v2/ticker/{pair}/"


def order_book_path(pair: str) -> str:
    return f"/api/v2/order_book/{pair}/"


def transactions_path(pair: str) -> str:
    return f"/api/v2/transactions/{pair}/"


def ohlc_path(pair: str) -> str:
    return f"/api/v2/ohlc/{pair}/"


CALL_WEIGHT: Final = 1
RATE_LIMIT: Final = RateLimit(weight=8000, per_seconds=600)

# /transactions/ answers the trades of the last minute, hour or day; ccxt asks for the last hour.
TRADES_WINDOW: Final = "hour"
# /ohlc/ answers 1 to 1000 candles.
MAX_CANDLES: Final = 1000

# Unified timeframe -> Bitstamp `step` in seconds (the values the API accepts). ccxt 4.5.90 labels
# 259200 "1w"; it is three days, so here it is "3d" and there is no "1w".
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "60",
    "3m": "180",
    "5m": "300",
    "15m": "900",
    "30m": "1800",
    "1h": "3600",
    "2h": "7200",
    "4h": "14400",
    "6h": "21600",
    "12h": "43200",
    "1d": "86400",
    "3d": "259200",
}

# Venue currency -> unified code: ccxt's renames on bitstamp (UST is the classic TerraUSD, USTC now) and
# the ccxt-wide ones. Bitstamp otherwise spells currencies the common way.
CURRENCY_ALIASES: Final[Mapping[str, str]] = {"UST": "USTC", "XBT": "BTC", "BCHSV": "BSV"}
VENUE_CURRENCIES: Final[Mapping[str, str]] = {"USTC": "UST", "BSV": "BCHSV"}

# /markets/ `market_type` -> our market type; other types (none listed today) are left out.
SPOT: Final = "SPOT"
PERPETUAL: Final = "PERPETUAL"

# Public market data only for now; trading comes with the private endpoints.
CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,  # /ticker/ answers every pair in one call
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)
