"""Kraken spot declarations: origin, paths and weights, rate limit, timeframes, aliases, capabilities.

Kraken throttles its public REST endpoints per IP: one call per second or less stays within its limits
(https://support.kraken.com/hc/en-us/articles/206548367; ccxt 4.5.90 paces at the same rate). The budget
is declared as 15 calls per 15 s: the same pace, with the burst of Kraken's REST call counter (15), so
that a cold query (markets, then a ticker, and a retry or two) does not wait a second between calls.
Every public endpoint weighs one call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...settings import RateLimit
from ..base import Support, capabilities

EXCHANGE_ID: Final = "kraken"
EXCHANGE_NAME: Final = "Kraken"

BASE_URL: Final = "https://api.kraken.com"

# Paths, as on the real origin (the replay recordings use the same ones).
ASSET_PAIRS: Final = "/0/public/AssetPairs"
TICKER: Final = "/0/public/Ticker"
DEPTH: Final = "/0/public/Depth"
TRADES: Final = "/0/public/Trades"
OHLC: Final = "/0/public/OHLC"
# Private endpoints: every one is a signed POST (reads included).
BALANCE_EX: Final = "/0/private/BalanceEx"
ADD_ORDER: Final = "/0/private/AddOrder"
CANCEL_ORDER: Final = "/0/private/CancelOrder"
QUERY_ORDERS: Final = "/0/private/QueryOrders"
OPEN_ORDERS: Final = "/0/private/OpenOrders"
CLOSED_ORDERS: Final = "/0/private/ClosedOrders"

CALL_WEIGHT: Final = 1
# Kraken's call counter charges history queries (ledger, trades, closed orders) two; order placement and
# cancellation are counted by a separate per-pair trading limit, but charging them one costs little.
HISTORY_WEIGHT: Final = 2
RATE_LIMIT: Final = RateLimit(weight=15, per_seconds=15)

# AddOrder's `deadline`: the matching engine rejects the order once it has passed (Kraken accepts now + 2 s
# to now + 60 s). It bounds the life of an order request in flight: past it, an order Kraken does not know
# is one it will never take, which is what lets reconciliation call an order of unknown fate absent.
ORDER_DEADLINE_MS: Final = 10_000
# Kraken checks the deadline against its own clock: allow ours to run this far ahead of it.
CLOCK_SKEW_MS: Final = 2_000
# cl_ord_id formats (https://docs.kraken.com/api/docs/guides/spot-clordid): a long UUID (36 characters with
# hyphens), a short UUID (32 hex digits), or free text of at most 18 characters.
CLIENT_ORDER_ID_PATTERN: Final = (
    r"^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[0-9A-Fa-f]{32}|[\x21-\x7e]{1,18})$"
)
# AddOrder's time in force: GTC (the default), IOC and GTD; Kraken has no fill-or-kill.
TIME_IN_FORCE: Final[Mapping[str, str]] = {"GTC": "GTC", "IOC": "IOC"}

# Depth answers at most 500 levels a side; Trades at most 1000 trades (both default to 100 and 1000).
MAX_DEPTH: Final = 500
MAX_TRADES: Final = 1000
# Asking Ticker for more pairs than this spells a very long query string: ask for all and filter.
TICKERS_BY_LIST_MAX: Final = 50

# Unified timeframe -> Kraken OHLC interval in minutes. Kraken's 21600 (15 days) has no unified name
# (ccxt calls it "2w", which is 14 days), so it is not offered.
TIMEFRAMES: Final[Mapping[str, str]] = {
    "1m": "1",
    "5m": "5",
    "15m": "15",
    "30m": "30",
    "1h": "60",
    "4h": "240",
    "1d": "1440",
    "1w": "10080",
}

# Kraken asset id -> unified currency code. Kraken prefixes its oldest assets with X (crypto) or Z (fiat)
# and calls bitcoin XBT and dogecoin XDG; the renames below are the ones ccxt users see on kraken
# (LUNA is Terra Classic there, LUNA2 the new Terra, UST the classic TerraUSD, FEE Kraken's fee credit).
CURRENCY_ALIASES: Final[Mapping[str, str]] = {
    "XBT": "BTC",
    "XXBT": "BTC",
    "XDG": "DOGE",
    "XXDG": "DOGE",
    "XETH": "ETH",
    "XETC": "ETC",
    "XLTC": "LTC",
    "XMLN": "MLN",
    "XREP": "REP",
    "XXLM": "XLM",
    "XXMR": "XMR",
    "XXRP": "XRP",
    "XZEC": "ZEC",
    "ZAUD": "AUD",
    "ZCAD": "CAD",
    "ZEUR": "EUR",
    "ZGBP": "GBP",
    "ZJPY": "JPY",
    "ZUSD": "USD",
    "BCHSV": "BSV",
    "FEE": "KFEE",
    "LUNA": "LUNC",
    "LUNA2": "LUNA",
    "REP": "REPV1",
    "REPV2": "REP",
    "UST": "USTC",
}

# Unified code -> the asset id Kraken's AssetPairs uses for it (the inverse of the aliases above, choosing
# the X/Z-prefixed id where Kraken has both spellings; REP, which ccxt reads from both XREP and REPV2, goes
# to REPV2, the token traded today). Codes not listed are spelled the same.
VENUE_ASSETS: Final[Mapping[str, str]] = {
    "BTC": "XXBT",
    "DOGE": "XXDG",
    "ETH": "XETH",
    "ETC": "XETC",
    "LTC": "XLTC",
    "MLN": "XMLN",
    "XLM": "XXLM",
    "XMR": "XXMR",
    "XRP": "XXRP",
    "ZEC": "XZEC",
    "AUD": "ZAUD",
    "CAD": "ZCAD",
    "EUR": "ZEUR",
    "GBP": "ZGBP",
    "JPY": "ZJPY",
    "USD": "ZUSD",
    "BSV": "BCHSV",
    "KFEE": "FEE",
    "LUNC": "LUNA",
    "LUNA": "LUNA2",
    "REPV1": "REP",
    "REP": "REPV2",
    "USTC": "UST",
}

# Without credentials: public market data only.
CAPABILITIES: Final = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,  # Ticker without `pair` answers every pair in one call
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
)

# With an account's credentials: spot trading too. An order is looked up by Kraken id in one QueryOrders
# call; by client order id (which QueryOrders does not take) among the open orders, then the closed ones.
TRADING_CAPABILITIES: Final = capabilities(
    **{method.value: support for method, support in CAPABILITIES.items() if support is not Support.NONE},
    fetch_balance=Support.NATIVE,
    create_order=Support.NATIVE,
    cancel_order=Support.NATIVE,
    fetch_order=Support.NATIVE,
    fetch_open_orders=Support.NATIVE,
)
