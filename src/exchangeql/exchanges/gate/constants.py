"""Gate spot declarations: origin, endpoint paths, rate limit, timeframes, currency aliases, capabilities.

Gate limits public spot endpoints to 200 requests per 10 s per endpoint and IP
(https://www.gate.com/docs/developers/apiv4/en/#frequency-limit-rule): one bucket of 200 calls per 10 s,
one unit a call, keeps every endpoint under its own limit. Perpetual swaps and futures use other endpoints
(/futures/{settle}/..., /delivery/{settle}/...) with other shapes: this adapter serves spot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "gate"
EXCHANGE_NAME: Final = "Gate"

BASE_URL: Final = "https://api.gateio.ws"

# Paths, as on the real origin (the replay recordings use the same ones).
CURRENCY_PAIRS: Final = "/api/v4/spot/currency_pairs"
TICKERS: Final = "/api/v4/spot/tickers"
ORDER_BOOK: Final = "/api/v4/spot/order_book"
TRADES: Final = "/api/v4/spot/trades"
CANDLESTICKS: Final = "/api/v4/spot/candlesticks"

WEIGHT: Final = 1  # every endpoint: one call in the shared bucket
RATE_LIMIT: Final = RateLimit(weight=200, per_seconds=10)

# Largest page each endpoint serves (the defaults, when no limit is sent: 10 levels, 100 trades, 100 candles).
MAX_BOOK: Final = 1000
MAX_TRADES: Final = 1000
MAX_CANDLES: Final = 1000

_MINUTE, _HOUR, _DAY = 60, 3600, 86400
# Unified timeframe -> Gate interval, with its length in seconds (for the from/to window of a `since`
# request). Gate's spot intervals: 10s, 1m, 5m, 15m, 30m, 1h, 4h, 8h, 1d, 7d (and 30d, not a calendar month).
INTERVALS: Final[Mapping[str, tuple[str, int]]] = {
    "10s": ("10s", 10),
    "1m": ("1m", _MINUTE),
    "5m": ("5m", 5 * _MINUTE),
    "15m": ("15m", 15 * _MINUTE),
    "30m": ("30m", 30 * _MINUTE),
    "1h": ("1h", _HOUR),
    "4h": ("4h", 4 * _HOUR),
    "8h": ("8h", 8 * _HOUR),
    "1d": ("1d", _DAY),
    "7d": ("7d", 7 * _DAY),
    "1w": ("7d", 7 * _DAY),
}
TIMEFRAMES: Final[Mapping[str, str]] = {unified: interval for unified, (interval, _) in INTERVALS.items()}

# Venue currency -> unified code, as ccxt maps them on gate: XBT and BCHSV are ccxt-wide legacy names; the
# others are Gate listings whose tickers other venues use for other coins.
CURRENCY_ALIASES: Final[Mapping[str, str]] = {
    "XBT": "BTC",
    "BCHSV": "BSV",
    "ORT": "XREATORS",
    "ASS": "ASSF",
    "88MPH": "MPH",
    "AXIS": "AXISDEFI",
    "BIFI": "BITCOINFILE",
    "BOX": "DEFIBOX",
    "BYN": "BEYONDFI",
    "EGG": "GOOSEFINANCE",
    "GTC": "GAMECOM",
    "GTC_HT": "GAMECOM_HT",
    "GTC_BSC": "GAMECOM_BSC",
    "HIT": "HITCHAIN",
    "MM": "MILLION",
    "MPH": "MORPHER",
    "POINT": "GATEPOINT",
    "RAI": "RAIREFLEXINDEX",
    "SBTC": "SUPERBITCOIN",
    "TNC": "TRINITYNETWORKCREDIT",
    "VAI": "VAIOT",
    "TRAC": "TRACO",
}
LEGACY_ALIASES: Final = frozenset({"XBT", "BCHSV"})  # names Gate itself never sends

CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)
