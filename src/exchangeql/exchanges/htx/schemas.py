"""HTX spot wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

HTX's keys use hyphens ("base-currency", "trade-id"): those fields carry readable names and the venue's
key in `msgspec.field(name=...)`. Prices and sizes are JSON numbers (recordings carry some as strings):
`Decimal` fields take either, built from the JSON text exactly. Integers that come as numeric strings are
read by the endpoint decoders with `strict=False`. A market without trades may send null prices, hence
`| None` on ticker fields. Structs are frozen (they end up in `info`) and untracked by the GC.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

# --- GET /v1/common/symbols -------------------------------------------------------------------------------


class SymbolInfo(msgspec.Struct, frozen=True, gc=False):
    """One spot pair."""

    base_currency: str = msgspec.field(name="base-currency")
    quote_currency: str = msgspec.field(name="quote-currency")
    price_precision: int = msgspec.field(name="price-precision")  # decimals of a price
    amount_precision: int = msgspec.field(name="amount-precision")  # decimals of an amount
    symbol: str = ""
    state: str = ""  # online, offline, suspend, pre-online
    symbol_partition: str = msgspec.field(name="symbol-partition", default="")
    value_precision: int | None = msgspec.field(name="value-precision", default=None)
    min_order_amt: Decimal | None = msgspec.field(name="min-order-amt", default=None)
    max_order_amt: Decimal | None = msgspec.field(name="max-order-amt", default=None)
    min_order_value: Decimal | None = msgspec.field(name="min-order-value", default=None)
    limit_order_min_order_amt: Decimal | None = msgspec.field(name="limit-order-min-order-amt", default=None)
    limit_order_max_order_amt: Decimal | None = msgspec.field(name="limit-order-max-order-amt", default=None)
    sell_market_min_order_amt: Decimal | None = msgspec.field(name="sell-market-min-order-amt", default=None)
    sell_market_max_order_amt: Decimal | None = msgspec.field(name="sell-market-max-order-amt", default=None)
    buy_market_max_order_value: Decimal | None = msgspec.field(
        name="buy-market-max-order-value", default=None
    )
    leverage_ratio: Decimal | None = msgspec.field(name="leverage-ratio", default=None)
    super_margin_leverage_ratio: Decimal | None = msgspec.field(
        name="super-margin-leverage-ratio", default=None
    )
    api_trading: str = msgspec.field(name="api-trading", default="")


class Symbols(msgspec.Struct, frozen=True, gc=False):
    status: str
    data: list[SymbolInfo]


# --- GET /market/detail/merged ----------------------------------------------------------------------------


class MergedTick(msgspec.Struct, frozen=True, gc=False):
    """Rolling 24 h statistics and the best bid/ask as [price, size]."""

    id: int
    open: Decimal | None = None
    close: Decimal | None = None  # the last price
    low: Decimal | None = None
    high: Decimal | None = None
    amount: Decimal | None = None  # base currency volume
    vol: Decimal | None = None  # quote currency volume
    count: int | None = None
    bid: tuple[Decimal, Decimal] | None = None
    ask: tuple[Decimal, Decimal] | None = None
    version: int | None = None


class Merged(msgspec.Struct, frozen=True, gc=False):
    status: str
    ts: int  # when HTX generated the answer: the ticker's timestamp
    tick: MergedTick
    ch: str = ""


# --- GET /market/tickers ----------------------------------------------------------------------------------


class TickerItem(msgspec.Struct, frozen=True, gc=False):
    symbol: str
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None
    amount: Decimal | None = None  # base currency volume
    vol: Decimal | None = None  # quote currency volume
    count: int | None = None
    bid: Decimal | None = None
    bidSize: Decimal | None = None
    ask: Decimal | None = None
    askSize: Decimal | None = None


class Tickers(msgspec.Struct, frozen=True, gc=False):
    status: str
    ts: int
    data: list[TickerItem]


# --- GET /market/depth ------------------------------------------------------------------------------------


class DepthTick(msgspec.Struct, frozen=True, gc=False):
    bids: list[tuple[Decimal, Decimal]]  # [price, size], best (highest) first
    asks: list[tuple[Decimal, Decimal]]  # best (lowest) first
    ts: int | None = None
    version: int | None = None


class Depth(msgspec.Struct, frozen=True, gc=False):
    status: str
    ts: int
    tick: DepthTick
    ch: str = ""


# --- GET /market/history/trade ----------------------------------------------------------------------------


class TradeItem(msgspec.Struct, frozen=True, gc=False):
    """One fill. Its `id` (a 27-digit number, past what a double holds) is left out: trade-id names it."""

    trade_id: int = msgspec.field(name="trade-id")
    ts: int
    amount: Decimal
    price: Decimal
    direction: str  # the taker's side: buy, sell


class TradeGroup(msgspec.Struct, frozen=True, gc=False):
    """The fills of one taker order, newest group first."""

    id: int
    ts: int
    data: list[TradeItem]


class HistoryTrades(msgspec.Struct, frozen=True, gc=False):
    status: str
    ts: int
    data: list[TradeGroup]
    ch: str = ""


# --- GET /market/history/kline ----------------------------------------------------------------------------


class Kline(msgspec.Struct, frozen=True, gc=False):
    id: int  # open time, in seconds
    open: Decimal
    close: Decimal
    low: Decimal
    high: Decimal
    amount: Decimal  # base currency volume
    vol: Decimal  # quote currency volume
    count: int | None = None


class Klines(msgspec.Struct, frozen=True, gc=False):
    status: str
    ts: int
    data: list[Kline]  # newest first
    ch: str = ""


# --- errors (HTTP 200 with status "error") ----------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    status: str = ""
    err_code: str | None = msgspec.field(name="err-code", default=None)
    err_msg: str = msgspec.field(name="err-msg", default="")
