"""Kraken spot wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Every answer is the envelope {"error": [...], "result": ...}: errors come inside a 200 answer, `result`
is absent then. Prices and volumes are decimal strings, decoded straight into `Decimal`; times are JSON
numbers (seconds, some with a fraction), decoded into `Decimal` when fractional so nothing is lost.
Some recorded answers carry integers as strings, so the endpoint decoders run with `strict=False`.
Structs are frozen (they end up in `info`) and untracked by the GC (they hold no reference cycles).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class Envelope(msgspec.Struct, Generic[T], frozen=True, gc=False):
    """Every Kraken answer. `error` holds "E<Category>:<message>" strings (and "W..." warnings)."""

    error: list[str] = []
    result: T | None = None


# --- GET /0/public/AssetPairs ----------------------------------------------------------------------------


class AssetPair(msgspec.Struct, frozen=True, gc=False):
    """One value of `result`, keyed by the pair id (e.g. XXBTZUSD)."""

    altname: str
    base: str  # asset id, e.g. XXBT
    quote: str  # asset id, e.g. ZUSD
    pair_decimals: int  # price decimals
    lot_decimals: int  # volume decimals
    wsname: str | None = None
    aclass_base: str | None = None
    aclass_quote: str | None = None
    lot: str | None = None
    cost_decimals: int | None = None
    lot_multiplier: int | None = None
    leverage_buy: list[int] = []
    leverage_sell: list[int] = []
    fees: list[tuple[Decimal, Decimal]] = []  # [volume, percent fee]
    fees_maker: list[tuple[Decimal, Decimal]] = []
    fee_volume_currency: str | None = None
    margin_call: int | None = None
    margin_stop: int | None = None
    ordermin: Decimal | None = None
    costmin: Decimal | None = None
    tick_size: Decimal | None = None
    status: str | None = None  # online, cancel_only, post_only, limit_only, reduce_only
    long_position_limit: int | None = None
    short_position_limit: int | None = None


# --- GET /0/public/Ticker --------------------------------------------------------------------------------


class TickerInfo(msgspec.Struct, frozen=True, gc=False):
    """One value of `result`, keyed by the pair id. Single letters are Kraken's own keys."""

    a: tuple[Decimal, Decimal, Decimal]  # ask [price, whole lot volume, lot volume]
    b: tuple[Decimal, Decimal, Decimal]  # bid [price, whole lot volume, lot volume]
    c: tuple[Decimal, Decimal]  # last trade closed [price, lot volume]
    v: tuple[Decimal, Decimal]  # volume [today, last 24 hours]
    p: tuple[Decimal, Decimal]  # volume weighted average price [today, last 24 hours]
    t: tuple[int, int]  # number of trades [today, last 24 hours]
    l: tuple[Decimal, Decimal]  # noqa: E741 - Kraken's key: low [today, last 24 hours]
    h: tuple[Decimal, Decimal]  # high [today, last 24 hours]
    o: Decimal  # today's opening price (UTC midnight)


# --- GET /0/public/Depth ---------------------------------------------------------------------------------


class DepthBook(msgspec.Struct, frozen=True, gc=False):
    asks: list[tuple[Decimal, Decimal, int]]  # [price, volume, timestamp s], best (lowest) first
    bids: list[tuple[Decimal, Decimal, int]]  # best (highest) first


# --- GET /0/public/Trades --------------------------------------------------------------------------------


class TradeRow(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[price, volume, time, buy/sell, market/limit, miscellaneous, trade_id], positional."""

    price: Decimal
    volume: Decimal
    time: Decimal  # seconds, with a fraction
    side: str  # "b" buy, "s" sell
    order_type: str  # "m" market, "l" limit
    misc: str
    trade_id: int | None = None  # absent in answers older than the trade_id field


# `result` of Trades: the pair id -> rows, and "last" -> the pagination cursor.
TradesResult = dict[str, list[TradeRow] | str]


# --- GET /0/public/OHLC ----------------------------------------------------------------------------------


class OhlcRow(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[time, open, high, low, close, vwap, volume, count], positional; time in seconds."""

    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal
    volume: Decimal
    count: int


# `result` of OHLC: the pair id -> rows, and "last" -> the newest committed candle time.
OhlcResult = dict[str, list[OhlcRow] | int]


# --- errors (any endpoint) -------------------------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    error: list[str]
