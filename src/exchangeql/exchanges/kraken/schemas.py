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


# --- POST /0/private/BalanceEx -------------------------------------------------------------------------


class ExtendedBalance(msgspec.Struct, frozen=True, gc=False):
    """One value of `result`, keyed by asset id (XXBT, ZUSD, USDT.F). Strings live, numbers in the docs."""

    balance: Decimal
    hold_trade: Decimal = Decimal(0)
    credit: Decimal | None = None
    credit_used: Decimal | None = None


# --- POST /0/private/AddOrder, CancelOrder ---------------------------------------------------------------


class OrderDescription(msgspec.Struct, frozen=True, gc=False):
    """`descr`: AddOrder answers only `order` (and `close`); order queries add the rest."""

    order: str = ""
    pair: str | None = None  # the pair's altname (XBTUSDT, XRPUSD), not always its id
    type: str | None = None  # buy, sell
    ordertype: str | None = None  # market, limit, stop-loss, take-profit, stop-loss-limit, ...
    price: str | None = None  # limit or trigger price; "+50.0000%" for percentage trailing stops
    price2: str | None = None  # secondary (limit) price of stop-limit and take-profit-limit orders
    leverage: str | None = None
    close: str | None = None


class AddOrderResult(msgspec.Struct, frozen=True, gc=False):
    descr: OrderDescription
    txid: list[str] = []


class CancelResult(msgspec.Struct, frozen=True, gc=False):
    count: int
    pending: bool | None = None


# --- POST /0/private/QueryOrders, OpenOrders, ClosedOrders -------------------------------------------------


class OrderInfo(msgspec.Struct, frozen=True, gc=False):
    """One order, keyed by its Kraken id (txid) in every answer. `cl_ord_id` when placed with one; `userref`
    is 0 or null when placed without one. Times are seconds with a fraction (strings in some answers)."""

    status: str  # pending, open, closed, canceled, expired
    opentm: Decimal
    descr: OrderDescription
    vol: Decimal
    vol_exec: Decimal
    cost: Decimal
    fee: Decimal
    price: Decimal  # average fill price
    refid: str | None = None
    userref: int | str | None = None
    cl_ord_id: str | None = None
    closetm: Decimal | None = None
    starttm: Decimal | None = None
    expiretm: Decimal | None = None
    stopprice: Decimal | None = None
    limitprice: Decimal | None = None
    misc: str = ""
    oflags: str = ""  # comma-separated: post, fcib (fee in base), fciq (fee in quote), nompp, viqc
    trigger: str | None = None
    reason: str | None = None
    trades: list[str] = []


class OpenOrdersResult(msgspec.Struct, frozen=True, gc=False):
    open: dict[str, OrderInfo]


class ClosedOrdersResult(msgspec.Struct, frozen=True, gc=False):
    closed: dict[str, OrderInfo]
    count: int | None = None


# --- errors (any endpoint) -------------------------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    error: list[str]
