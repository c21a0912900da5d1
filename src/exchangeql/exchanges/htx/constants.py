"""HTX spot declarations: origin, endpoint paths, rate limit, timeframes, currency aliases, capabilities.

HTX limits each public market-data endpoint per IP over 5 minutes: 4,500 calls for klines, the merged
ticker and all tickers, 4,000 for depth, 3,000 for recent trades
(https://www.htx.com/en-us/opend/newApiPages/, "Market Data"). One bucket of 3,000 calls per 300 s, one unit
a call, keeps every endpoint under its own limit. Derivatives live on another host (api.hbdm.com) with
other endpoints: this adapter serves spot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "htx"
EXCHANGE_NAME: Final = "HTX"

BASE_URL: Final = "https://api.huobi.pro"

# Paths, as on the real origin (the replay recordings use the same ones).
SYMBOLS: Final = "/v1/common/symbols"
DETAIL_MERGED: Final = "/market/detail/merged"
TICKERS: Final = "/market/tickers"
DEPTH: Final = "/market/depth"
HISTORY_TRADE: Final = "/market/history/trade"
HISTORY_KLINE: Final = "/market/history/kline"

WEIGHT: Final = 1  # every endpoint: one call in the shared bucket
RATE_LIMIT: Final = RateLimit(weight=3000, per_seconds=300)

# Depth sizes the venue accepts with type=step0; without `depth` it answers 150 levels a side.
DEPTH_SIZES: Final = (5, 10, 20)
FULL_DEPTH: Final = 150
# /market/history/trade answers `size` aggregates (all fills of one taker order), at most 2000; without a
# limit we ask for 1000 of them (the venue's own default is a single one).
MAX_TRADE_GROUPS: Final = 2000
DEFAULT_TRADE_GROUPS: Final = 1000
# /market/history/kline answers the latest `size` candles, at most 2000 (default 150); it takes no start
# time, so a `since` request asks for all 2000 and keeps those from `since` on.
MAX_KLINES: Final = 2000

# Unified timeframe -> HTX period.
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "1min",
    "5m": "5min",
    "15m": "15min",
    "30m": "30min",
    "1h": "60min",
    "4h": "4hour",
    "1d": "1day",
    "1w": "1week",
    "1M": "1mon",
    "1y": "1year",
}

# Venue currency (upper-cased) -> unified code, as ccxt maps them on htx: XBT and BCHSV are ccxt-wide
# legacy names; the others are HTX listings whose tickers other venues use for other coins. ccxt also maps
# FUD to "FTX Users Debt", a code with spaces that no unified symbol can carry: FUD stays FUD here.
CURRENCY_ALIASES: Final[Mapping[str, str]] = {
    "XBT": "BTC",
    "BCHSV": "BSV",
    "NGL": "GFNGL",
    "GET": "THEMIS",
    "GTC": "GAMECOM",
    "HIT": "HITCHAIN",
    "PNT": "PENTA",
    "SBTC": "SUPERBITCOIN",
    "SOUL": "SOULSAVER",
    "BIFI": "BITCOINFILE",
}
LEGACY_ALIASES: Final = frozenset({"XBT", "BCHSV"})  # names HTX itself never sends

CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)
