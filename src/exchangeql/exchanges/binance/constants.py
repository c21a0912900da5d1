"""Binance spot declarations: origin, endpoint paths and weights, rate limit, timeframes, capabilities.

Weights are Binance's REQUEST_WEIGHT units (the budget is per IP, 6000 per minute). Where the venue's
documentation and ccxt disagree, the higher weight is declared: overcounting only slows us down,
undercounting earns 429s and then an IP ban (418).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "binance"
EXCHANGE_NAME: Final = "Binance"

BASE_URL: Final = "https://api.binance.com"
# The spot test network (https://testnet.binance.vision): separate keys, separate balances, same API.
TESTNET_URL: Final = "https://testnet.binance.vision"

# Paths, as on the real origin (the replay recordings use the same ones).
EXCHANGE_INFO: Final = "/api/v3/exchangeInfo"
TICKER_24HR: Final = "/api/v3/ticker/24hr"
DEPTH: Final = "/api/v3/depth"
AGG_TRADES: Final = "/api/v3/aggTrades"
KLINES: Final = "/api/v3/klines"
# Signed (USER_DATA / TRADE) endpoints.
ACCOUNT: Final = "/api/v3/account"
ORDER: Final = "/api/v3/order"
OPEN_ORDERS: Final = "/api/v3/openOrders"

# Fixed weights.
EXCHANGE_INFO_WEIGHT: Final = 20
AGG_TRADES_WEIGHT: Final = 4
KLINES_WEIGHT: Final = 2
ACCOUNT_WEIGHT: Final = 20
NEW_ORDER_WEIGHT: Final = 1
QUERY_ORDER_WEIGHT: Final = 4
CANCEL_ORDER_WEIGHT: Final = 1
OPEN_ORDERS_WEIGHT: Final = 6  # one symbol
OPEN_ORDERS_ALL_WEIGHT: Final = 80  # every symbol

# How long after its `timestamp` a signed request may still be accepted (Binance's default is 5000 ms, the
# largest 60000). It bounds the life of an order request in flight: once it has passed, an order the venue
# does not know can no longer appear, which is what lets reconciliation call an order of unknown fate absent.
RECV_WINDOW_MS: Final = 5000
# Binance rejects a timestamp more than 1000 ms ahead of its clock; our clock may trail by as much.
CLOCK_SKEW_MS: Final = 1000
# Binance's pattern for newClientOrderId.
CLIENT_ORDER_ID_PATTERN: Final = r"^[.A-Z:/a-z0-9_-]{1,36}$"

RATE_LIMIT: Final = RateLimit(weight=6000, per_seconds=60)

# The depth sizes Binance documents (older API versions rejected any other): a request for another size
# is rounded up to the next one and the answer cut back.
DEPTH_LIMITS: Final = (5, 10, 20, 50, 100, 500, 1000, 5000)
# aggTrades and klines answer at most 1000 rows (500 when no limit is sent).
MAX_TRADES: Final = 1000
MAX_KLINES: Final = 1000


def depth_weight(limit: int | None) -> int:
    """GET /api/v3/depth weight by `limit` (the venue's default limit is 100)."""
    size = 100 if limit is None else limit
    if size <= 100:
        return 5
    if size <= 500:
        return 25
    if size <= 1000:
        return 50
    return 250


# Above this many symbols, a `symbols` list weighs as much as asking for every symbol.
TICKERS_BY_LIST_MAX: Final = 100


def ticker_24hr_weight(symbols: int | None) -> int:
    """GET /api/v3/ticker/24hr weight: by the number of symbols asked; every symbol when None."""
    if symbols is None or symbols > TICKERS_BY_LIST_MAX:
        return 80
    if symbols > 20:
        return 40
    return 2


# Unified timeframe -> Binance kline interval (the venue's own spelling, one to one).
_INTERVALS = (
    "1s",
    "1m",
    "3m",
    "5m",
    "15m",
    "30m",
    "1h",
    "2h",
    "4h",
    "6h",
    "8h",
    "12h",
    "1d",
    "3d",
    "1w",
    "1M",
)
TIMEFRAMES: Final[Mapping[str, str]] = {interval: interval for interval in _INTERVALS}

# Venue asset code -> unified currency code. Binance spells almost everything the common way; these are
# the legacy aliases ccxt users see on binance (XBT and BCHSV are ccxt-wide, YOYO is binance's ticker for
# YOYOW; binance's BCC is the old Bitcoin Cash listing and stays BCC).
CURRENCY_ALIASES: Final[Mapping[str, str]] = {"XBT": "BTC", "BCHSV": "BSV", "YOYO": "YOYOW"}

# Without credentials: public market data only.
CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)

# With an account's credentials: the signed spot endpoints too.
TRADING_CAPABILITIES: Final = capabilities(
    **{method.value: support for method, support in CAPABILITIES.items() if support is not Support.NONE},
    fetch_balance=Support.NATIVE,
    create_order=Support.NATIVE,
    cancel_order=Support.NATIVE,
    fetch_order=Support.NATIVE,
    fetch_open_orders=Support.NATIVE,
)
