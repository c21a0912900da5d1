"""Gemini wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Prices and amounts are decimal strings (v2 candles: JSON numbers), decoded straight into `Decimal`,
exactly, from the text. Times are milliseconds as JSON numbers; some recorded answers carry them as
strings, so the endpoint decoders run with `strict=False`, which turns them into the declared `int`.
Structs are frozen (they end up in `info`) and untracked by the GC (they hold no reference cycles).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

# --- GET /v1/symbols: a JSON array of lower-case symbol ids (decoded as list[str]) ----------------------


# --- GET /v1/pubticker/{symbol} -------------------------------------------------------------------------


class PubTicker(msgspec.Struct, frozen=True, gc=False):
    """`volume` holds the 24 h volume under each currency's code ("BTC", "USD") and a `timestamp` (ms)."""

    volume: dict[str, Decimal]
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None


# --- GET /v1/pricefeed ----------------------------------------------------------------------------------


class Price(msgspec.Struct, frozen=True, gc=False):
    pair: str  # upper-case id, "BTCUSD"
    price: Decimal
    percentChange24h: Decimal


# --- GET /v1/book/{symbol} ------------------------------------------------------------------------------


class BookLevel(msgspec.Struct, frozen=True, gc=False):
    price: Decimal
    amount: Decimal
    timestamp: int | None = None  # seconds; documented as deprecated


class Book(msgspec.Struct, frozen=True, gc=False):
    bids: list[BookLevel]  # best (highest) first
    asks: list[BookLevel]  # best (lowest) first


# --- GET /v1/trades/{symbol} ----------------------------------------------------------------------------


class Trade(msgspec.Struct, frozen=True, gc=False):
    """One public trade, newest first in the answer. `type` is the taker's side ("buy", "sell"), or
    "auction" / "block" for trades outside the continuous book."""

    timestampms: int
    tid: int
    price: Decimal
    amount: Decimal
    type: str
    timestamp: int | None = None  # seconds
    exchange: str | None = None
    broken: bool | None = None


# --- GET /v2/candles/{symbol}/{time_frame} --------------------------------------------------------------


class Candle(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[time ms, open, high, low, close, volume], newest first in the answer."""

    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


# --- errors (any endpoint, non-2xx) ---------------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    """{"result": "error", "reason": "InvalidSymbol", "message": "..."}: https://docs.gemini.com/error-codes"""

    result: str
    reason: str
    message: str | None = None
