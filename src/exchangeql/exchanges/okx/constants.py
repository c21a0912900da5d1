"""OKX declarations: origin, endpoint paths and weights, rate limit, timeframes, aliases, capabilities.

OKX limits each public endpoint separately, per IP: 20 requests per 2 s for instruments, ticker, tickers
and history-candles, 40 per 2 s for books and candles, 100 per 2 s for trades
(https://www.okx.com/docs-v5/en/#order-book-trading-market-data). One bucket of 40 units per 2 s with a
weight of 2 for the 20-per-2-s endpoints and 1 for the others keeps every endpoint under its own limit
(the sum is conservative: calls to different endpoints share the bucket).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "okx"
EXCHANGE_NAME: Final = "OKX"

BASE_URL: Final = "https://www.okx.com"

# Paths, as on the real origin (the replay recordings use the same ones).
INSTRUMENTS: Final = "/api/v5/public/instruments"
TICKER: Final = "/api/v5/market/ticker"
TICKERS: Final = "/api/v5/market/tickers"
BOOKS: Final = "/api/v5/market/books"
TRADES: Final = "/api/v5/market/trades"
CANDLES: Final = "/api/v5/market/candles"
HISTORY_CANDLES: Final = "/api/v5/market/history-candles"
# Private (signed) endpoints.
ACCOUNT_BALANCE: Final = "/api/v5/account/balance"
BATCH_ORDERS: Final = "/api/v5/trade/batch-orders"
CANCEL_ORDER: Final = "/api/v5/trade/cancel-order"
ORDER: Final = "/api/v5/trade/order"
ORDERS_PENDING: Final = "/api/v5/trade/orders-pending"

# Weights in the shared bucket (see the module docstring).
INSTRUMENTS_WEIGHT: Final = 2
TICKER_WEIGHT: Final = 2
TICKERS_WEIGHT: Final = 2
BOOKS_WEIGHT: Final = 1
TRADES_WEIGHT: Final = 1
CANDLES_WEIGHT: Final = 1
HISTORY_CANDLES_WEIGHT: Final = 2
# Private endpoints are limited per account (batch orders 300 orders, cancel, order details and pending
# orders 60 requests, balance 10 requests per 2 s): the same bucket keeps each under its limit.
ACCOUNT_BALANCE_WEIGHT: Final = 4
BATCH_ORDERS_WEIGHT: Final = 1
CANCEL_ORDER_WEIGHT: Final = 1
ORDER_WEIGHT: Final = 1
ORDERS_PENDING_WEIGHT: Final = 1

RATE_LIMIT: Final = RateLimit(weight=40, per_seconds=2)

# Demo trading ("sandbox"): the same origin, demo-account keys, and this header on every signed request.
SIMULATED_TRADING_HEADER: Final = "x-simulated-trading"
# The request header expTime (epoch ms) on order placement: OKX does not process the request once its own
# clock has passed it. It bounds the life of an order request in flight: past it, an order the venue does
# not know is one it will never take, which is what lets reconciliation call an order of unknown fate absent.
EXP_TIME_HEADER: Final = "expTime"
ORDER_EXPIRY_MS: Final = 10_000
# OKX checks expTime against its own clock: allow ours to run this far ahead of it.
CLOCK_SKEW_MS: Final = 2_000
# clOrdId: "a combination of case-sensitive alphanumerics, all numbers, or all letters of up to 32
# characters".
CLIENT_ORDER_ID_PATTERN: Final = r"^[A-Za-z0-9]{1,32}$"
# Spot orders are placed in cash mode (no margin), amounts in the base currency.
SPOT_TRADE_MODE: Final = "cash"
BASE_CURRENCY_SIZE: Final = "base_ccy"

# The instrument types served: spot and perpetual swaps share every endpoint used here. FUTURES would too,
# but neither the recordings nor OKX's documentation examples hold an expiring-future instrument to test
# against; OPTION needs an underlying per request.
SPOT: Final = "SPOT"
SWAP: Final = "SWAP"
INST_TYPES: Final = (SPOT, SWAP)

# Largest page each endpoint serves, and what is asked when the caller gives no limit.
MAX_BOOK: Final = 400  # books: sz
DEFAULT_BOOK: Final = 100  # the venue's own default is a single level
DEFAULT_CANDLES: Final = 100  # the venue's default page
MAX_TRADES: Final = 500  # trades: limit
MAX_CANDLES: Final = 300  # candles: limit
MAX_HISTORY_CANDLES: Final = 100  # history-candles: limit

# Unified timeframe -> OKX bar. From 6h up, the "utc" bars open at 00:00 UTC (plain ones open at 00:00
# Hong Kong time): unified candles are UTC, as ccxt's are.
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "1m",
    "3m": "3m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1H",
    "2h": "2H",
    "4h": "4H",
    "6h": "6Hutc",
    "12h": "12Hutc",
    "1d": "1Dutc",
    "1w": "1Wutc",
    "1M": "1Mutc",
    "3M": "3Mutc",
}

_MINUTE, _HOUR, _DAY = 60, 3600, 86400
# Length of each unified timeframe in seconds (a month is 30 days, as ccxt counts it): the history window of
# a `since` request is `limit` of these.
TIMEFRAME_SECONDS: Final[Mapping[str, int]] = {
    "1m": _MINUTE,
    "3m": 3 * _MINUTE,
    "5m": 5 * _MINUTE,
    "15m": 15 * _MINUTE,
    "30m": 30 * _MINUTE,
    "1h": _HOUR,
    "2h": 2 * _HOUR,
    "4h": 4 * _HOUR,
    "6h": 6 * _HOUR,
    "12h": 12 * _HOUR,
    "1d": _DAY,
    "1w": 7 * _DAY,
    "1M": 30 * _DAY,
    "3M": 90 * _DAY,
}

# Venue currency code -> unified code, as ccxt maps them on okx (XBT and BCHSV are ccxt-wide; OKX's AE is
# the ERC-20 AEToken, known elsewhere as AET).
CURRENCY_ALIASES: Final[Mapping[str, str]] = {"XBT": "BTC", "BCHSV": "BSV", "AE": "AET"}

# Without credentials: public market data only.
CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)

# With an account's credentials: the trading account's balances, and orders. Orders are placed on spot
# markets only (a swap order needs a position side and margin mode that OrderRequest does not carry); open
# orders, lookups and cancels work on every instrument served.
TRADING_CAPABILITIES: Final = capabilities(
    **{method.value: support for method, support in CAPABILITIES.items() if support is not Support.NONE},
    fetch_balance=Support.NATIVE,
    create_order=Support.NATIVE,
    cancel_order=Support.NATIVE,
    fetch_order=Support.NATIVE,
    fetch_open_orders=Support.NATIVE,
)
