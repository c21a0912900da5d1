"""Bitstamp API v2 wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Prices and amounts are decimal strings, decoded straight into `Decimal`. Times are unix seconds sent as
numeric strings; the endpoint decoders run with `strict=False`, which turns them into the declared `int`.
One Struct per answer shape; keys the venue adds later are ignored, keys we rely on are required.
Structs are frozen (they end up in `info`) and untracked by the GC (they hold no reference cycles).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

# --- GET /api/v2/markets/ ------------------------------------------------------------------------------


class MarketInfo(msgspec.Struct, frozen=True, gc=False):
    """One market: spot, or (market_type PERPETUAL) a perpetual swap."""

    name: str  # "BTC/USD", "BTC/USD-PERP"
    market_symbol: str  # the id in paths: "btcusd", "btcusd-perp"
    base_currency: str
    counter_currency: str
    base_decimals: int
    counter_decimals: int
    trading: str  # "Enabled" / "Disabled"
    market_type: str  # "SPOT", "PERPETUAL"
    minimum_order_value: Decimal | None = None
    maximum_order_value: Decimal | None = None
    minimum_order_amount: Decimal | None = None
    maximum_order_amount: Decimal | None = None
    instant_order_counter_decimals: int | None = None
    instant_and_market_orders: str | None = None
    description: str | None = None
    underlying_asset: str | None = None
    payoff_type: str | None = None  # "Linear", "Inverse" (perpetuals)
    contract_size: Decimal | None = None
    isin: str | None = None


# --- GET /api/v2/ticker/{pair}/ and /api/v2/ticker/ -----------------------------------------------------


class Ticker(msgspec.Struct, frozen=True, gc=False):
    """A pair's ticker. `open` is the day's first price; high, low, vwap and volume cover 24 hours.

    The all-pairs answer adds `pair` ("BTC/USD") and `market_type`. A pair without trades may send null
    prices, hence the optional fields.
    """

    timestamp: int  # seconds
    last: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: Decimal | None = None
    vwap: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    side: str | None = None  # side of the last trade: "0" buy, "1" sell
    open_24: Decimal | None = None  # the price 24 hours ago
    percent_change_24: Decimal | None = None
    pair: str | None = None
    market_type: str | None = None


# --- GET /api/v2/order_book/{pair}/ ---------------------------------------------------------------------


class OrderBook(msgspec.Struct, frozen=True, gc=False):
    timestamp: int  # seconds
    microtimestamp: int  # microseconds
    bids: list[tuple[Decimal, Decimal]]  # [price, amount], best (highest) first
    asks: list[tuple[Decimal, Decimal]]  # best (lowest) first


# --- GET /api/v2/transactions/{pair}/ -------------------------------------------------------------------


class Transaction(msgspec.Struct, frozen=True, gc=False):
    """One public trade, newest first in the answer."""

    date: int  # seconds
    tid: str | int
    price: Decimal
    amount: Decimal
    type: str | int  # 0 buy, 1 sell (the taker's side)


# --- GET /api/v2/ohlc/{pair}/ ---------------------------------------------------------------------------


class Ohlc(msgspec.Struct, frozen=True, gc=False):
    timestamp: int  # seconds, the candle's open
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


class OhlcData(msgspec.Struct, frozen=True, gc=False):
    pair: str
    ohlc: list[Ohlc]


class OhlcAnswer(msgspec.Struct, frozen=True, gc=False):
    data: OhlcData


# --- errors (any endpoint) ------------------------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    """Bitstamp's error shapes: {"status": "error", "reason": ..., "code": ...} (reason a string or a
    {field: [messages]} object), {"error": ...}, and the documented `response_code` (e.g. "400.002")
    with its optional `response_explanation`."""

    status: str | None = None
    reason: str | dict[str, list[str] | str] | None = None
    code: str | None = None
    error: str | dict[str, list[str] | str] | None = None
    response_code: str | None = None
    response_explanation: str | None = None
