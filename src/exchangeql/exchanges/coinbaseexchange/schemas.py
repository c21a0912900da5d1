"""Coinbase Exchange wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Prices and sizes are `Decimal`, built by msgspec straight from the JSON strings (or, in candles, from the
JSON numbers' text), exactly. Times are RFC 3339 strings with microseconds, decoded to aware datetimes.
Ids are JSON numbers live and strings in some recordings: `int | str`, rendered with str() when parsed.
Keys the venue adds later are ignored; keys we rely on are required.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import msgspec

# An RFC 3339 time that must carry its offset (Coinbase sends "Z"): a naive one would be ambiguous.
UtcTime = Annotated[datetime, msgspec.Meta(tz=True)]

# --- GET /products ----------------------------------------------------------------------------------------


class Product(msgspec.Struct, frozen=True, gc=False):
    """One trading pair. Only fields with a stable type are mirrored (high_bid_limit_percentage is "" or a
    number as a string, depending on the product)."""

    id: str  # BASE-QUOTE, e.g. BTC-USD
    base_currency: str
    quote_currency: str
    quote_increment: Decimal  # price tick
    base_increment: Decimal  # size step
    status: str  # online, offline, internal, delisted
    display_name: str | None = None
    min_market_funds: Decimal | None = None
    margin_enabled: bool | None = None
    post_only: bool | None = None
    limit_only: bool | None = None
    cancel_only: bool | None = None
    trading_disabled: bool | None = None
    fx_stablecoin: bool | None = None
    auction_mode: bool | None = None
    status_message: str | None = None


# --- GET /products/{id}/ticker ----------------------------------------------------------------------------


class ProductTicker(msgspec.Struct, frozen=True, gc=False):
    """Best bid and ask, the last trade and 24 h volume. No open, high or low: those are in /stats.
    `price` and `volume` are required: an error body ({"message": ...}) must not pass for a ticker."""

    price: Decimal  # last trade price
    volume: Decimal  # 24 h, base currency
    size: Decimal | None = None  # last trade size
    bid: Decimal | None = None
    ask: Decimal | None = None
    time: UtcTime | None = None  # of the last trade
    trade_id: int | str | None = None
    rfq_volume: Decimal | None = None


# --- GET /products/{id}/book ------------------------------------------------------------------------------


class BookLevel(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[price, size, num-orders] (levels 1 and 2, aggregated by price)."""

    price: Decimal
    size: Decimal
    num_orders: int


class ProductBook(msgspec.Struct, frozen=True, gc=False):
    sequence: int
    bids: list[BookLevel]  # best (highest) first
    asks: list[BookLevel]  # best (lowest) first
    time: UtcTime | None = None
    auction_mode: bool | None = None


# --- GET /products/{id}/trades ----------------------------------------------------------------------------


class ProductTrade(msgspec.Struct, frozen=True, gc=False):
    trade_id: int | str
    side: str  # the MAKER's side: "sell" means a buyer took a resting sell order
    size: Decimal
    price: Decimal
    time: UtcTime


# --- GET /products/{id}/candles ---------------------------------------------------------------------------


class Candle(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[time, low, high, open, close, volume]: seconds, then JSON numbers (low before high)."""

    time: int
    low: Decimal
    high: Decimal
    open: Decimal
    close: Decimal
    volume: Decimal


# --- GET /accounts (signed) -----------------------------------------------------------------------------


class Account(msgspec.Struct, frozen=True, gc=False):
    """One currency's trading account of the key's profile."""

    id: str
    currency: str
    balance: Decimal  # total
    hold: Decimal  # held by open orders (and pending withdrawals)
    available: Decimal
    profile_id: str | None = None
    trading_enabled: bool | None = None
    pending_deposit: Decimal | None = None
    display_name: str | None = None


# --- POST /orders, GET /orders, GET /orders/{id} (signed) ------------------------------------------------


class Order(msgspec.Struct, frozen=True, gc=False):
    """One order. Pending orders have fewer fields (no time_in_force or post_only; market orders no price or
    size), so only what every order has is required."""

    id: str
    product_id: str
    side: str  # buy, sell
    type: str  # limit, market, stop
    status: str  # pending, received, open, active, done, rejected
    created_at: UtcTime
    price: Decimal | None = None
    size: Decimal | None = None  # base amount
    funds: Decimal | None = None  # quote amount of a market order sized by funds
    specified_funds: Decimal | None = None
    client_oid: str | None = None
    profile_id: str | None = None
    time_in_force: str | None = None  # GTC, GTT, IOC, FOK
    post_only: bool | None = None
    stp: str | None = None
    stop: str | None = None
    stop_price: Decimal | None = None
    expire_time: UtcTime | None = None
    max_floor: str | None = None
    fill_fees: Decimal | None = None
    filled_size: Decimal | None = None
    executed_value: Decimal | None = None  # quote amount filled
    done_at: UtcTime | None = None
    done_reason: str | None = None  # filled, canceled, rejected
    reject_reason: str | None = None
    settled: bool | None = None


# --- errors (any endpoint, non-2xx) ---------------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    message: str
