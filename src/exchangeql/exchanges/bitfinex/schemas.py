"""Bitfinex API v2 wire schemas: the venue answers positional JSON arrays; each becomes an array_like Struct
whose field order is the documented index order (names from the docs' response tables).

Numbers are JSON numbers; msgspec builds Decimals from their text, exactly. Arrays longer than the
declared fields (the venue appends fields over time) decode fine: trailing entries are ignored.
Placeholders (documented as always null) are typed `Any` so that a value there never breaks decoding.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

# --- GET /v2/conf/pub:info:pair,pub:info:pair:futures -----------------------------------------------------


class PairInfo(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[PLACEHOLDER x3, MIN_ORDER_SIZE, MAX_ORDER_SIZE, PLACEHOLDER x3, INITIAL_MARGIN, MIN_MARGIN, ...]."""

    placeholder_0: Any
    placeholder_1: Any
    placeholder_2: Any
    min_order_size: Decimal | None  # a numeric string, in base currency
    max_order_size: Decimal | None
    placeholder_5: Any = None
    placeholder_6: Any = None
    placeholder_7: Any = None
    initial_margin: Decimal | None = None
    min_margin: Decimal | None = None


class PairEntry(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[PAIR, [INFO...]]: PAIR without the "t" prefix, e.g. BTCUSD, AVAX:USD, BTCF0:USTF0."""

    pair: str
    info: PairInfo


class PairsConfig(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One list per requested config key, in request order."""

    spot: list[PairEntry]  # pub:info:pair
    futures: list[PairEntry]  # pub:info:pair:futures (perpetuals, settled in USTF0 or BTCF0)


# --- GET /v2/ticker/{symbol} and /v2/tickers --------------------------------------------------------------


class TradingTicker(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """A trading pair's ticker: the singular endpoint's answer (no symbol)."""

    bid: Decimal | None
    bid_size: Decimal | None  # sum of the 25 best bids
    ask: Decimal | None
    ask_size: Decimal | None
    daily_change: Decimal | None  # last price minus the price 24 h ago
    daily_change_relative: Decimal | None  # as a fraction: 0.0138 is 1.38 %
    last_price: Decimal | None
    volume: Decimal | None  # 24 h, base currency
    high: Decimal | None
    low: Decimal | None


class TickerRow(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One row of /v2/tickers: the same fields after the SYMBOL. Funding rows (fUSD, ...) have another
    layout; they are decoded positionally all the same and skipped by symbol."""

    symbol: str
    bid: Decimal | None
    bid_size: Decimal | None
    ask: Decimal | None
    ask_size: Decimal | None
    daily_change: Decimal | None
    daily_change_relative: Decimal | None
    last_price: Decimal | None
    volume: Decimal | None
    high: Decimal | None
    low: Decimal | None


# --- GET /v2/book/{symbol}/P0 -----------------------------------------------------------------------------


class BookEntry(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[PRICE, COUNT, AMOUNT]: AMOUNT > 0 is a bid, < 0 an ask."""

    price: Decimal
    count: int
    amount: Decimal


# --- GET /v2/trades/{symbol}/hist -------------------------------------------------------------------------


class PublicTrade(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[ID, MTS, AMOUNT, PRICE]: AMOUNT > 0 was a buy, < 0 a sell (the taker's side)."""

    id: int
    mts: int
    amount: Decimal
    price: Decimal


# --- GET /v2/candles/trade:{tf}:{symbol}/hist -------------------------------------------------------------


class CandleRow(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[MTS, OPEN, CLOSE, HIGH, LOW, VOLUME]: close before high and low."""

    mts: int
    open: Decimal
    close: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal


# --- errors ---------------------------------------------------------------------------------------------


class ErrorArray(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """["error", CODE, MESSAGE], e.g. ["error", 10020, "symbol: invalid"]."""

    kind: str
    code: int
    message: str


class ErrorObject(msgspec.Struct, frozen=True, gc=False):
    """{"error": "ERR_RATE_LIMIT"}, or {"code": 503, "error": "temporarily_unavailable", ...}."""

    error: str
    error_description: str | None = None
