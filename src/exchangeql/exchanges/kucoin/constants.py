"""KuCoin spot declarations: origin, paths and weights, rate limit, timeframes, aliases, capabilities.

Public endpoints draw on the "Public" resource pool: 2000 weight per 30 s, per IP, whatever the VIP level
(https://www.kucoin.com/docs-new/rate-limit); past it the venue answers HTTP 429 {"code": "429000"}.
Weights are the ones each endpoint's page states. Perpetuals live on another API (api-futures.kucoin.com,
other paths): this adapter serves spot, the pairs the spot endpoints carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "kucoin"
EXCHANGE_NAME: Final = "KuCoin"

BASE_URL: Final = "https://api.kucoin.com"

# Paths, as on the real origin (the replay recordings use the same ones).
SYMBOLS: Final = "/api/v2/symbols"
STATS: Final = "/api/v1/market/stats"
ALL_TICKERS: Final = "/api/v1/market/allTickers"
ORDERBOOK_20: Final = "/api/v1/market/orderbook/level2_20"
ORDERBOOK_100: Final = "/api/v1/market/orderbook/level2_100"
HISTORIES: Final = "/api/v1/market/histories"
CANDLES: Final = "/api/v1/market/candles"

SYMBOLS_WEIGHT: Final = 4
STATS_WEIGHT: Final = 15
ALL_TICKERS_WEIGHT: Final = 15
ORDERBOOK_20_WEIGHT: Final = 2
ORDERBOOK_100_WEIGHT: Final = 4
HISTORIES_WEIGHT: Final = 3
CANDLES_WEIGHT: Final = 3

RATE_LIMIT: Final = RateLimit(weight=2000, per_seconds=30)

# The public books are the best 20 or 100 levels (the whole book needs an API key).
BOOK_DEPTHS: Final = (20, 100)
# /market/candles answers at most 1500 candles per call.
MAX_CANDLES: Final = 1500

SUCCESS: Final = "200000"  # the envelope's code of every successful answer

# Unified timeframe -> KuCoin candle type, and its length in seconds (for the since..end window).
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "1min",
    "3m": "3min",
    "5m": "5min",
    "15m": "15min",
    "30m": "30min",
    "1h": "1hour",
    "2h": "2hour",
    "4h": "4hour",
    "6h": "6hour",
    "8h": "8hour",
    "12h": "12hour",
    "1d": "1day",
    "1w": "1week",
    "1M": "1month",
}
TIMEFRAME_SECONDS: Final[Mapping[str, int]] = {
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "8h": 28800,
    "12h": 43200,
    "1d": 86400,
    "1w": 604800,
    "1M": 2592000,  # 30 days, as ccxt counts a month
}

# Venue currency id -> unified code, as ccxt 4.5.90 maps them (its defaults XBT and BCHSV, and its KuCoin
# table: KuCoin's ALT is Aptos Launch Token and its KALT is AltLayer's ALT). Left out: FUD -> "FTX Users'
# Debt", a name with spaces that is no valid unified symbol here.
CURRENCY_ALIASES: Final[Mapping[str, str]] = {
    "XBT": "BTC",
    "BCHSV": "BSV",
    "BIFI": "BIFIF",
    "VAI": "VAIOT",
    "WAX": "WAXP",
    "ALT": "APTOSLAUNCHTOKEN",
    "KALT": "ALT",
}

CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)
