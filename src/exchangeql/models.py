"""Frozen domain models. Every price, amount, cost and fee is a Decimal; timestamps are epoch milliseconds.

`info` keeps the venue's raw payload (as decoded), for clients that ask for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class MarketType(StrEnum):
    SPOT = "spot"
    SWAP = "swap"
    FUTURE = "future"
    OPTION = "option"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class MinMax:
    min: Decimal | None = None
    max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Precision:
    """Tick sizes: the smallest step of a price and of an amount (e.g. Decimal("0.01"))."""

    price: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    amount: MinMax = field(default_factory=MinMax)
    price: MinMax = field(default_factory=MinMax)
    cost: MinMax = field(default_factory=MinMax)


@dataclass(frozen=True, slots=True)
class Market:
    symbol: str
    id: str
    base: str
    quote: str
    base_id: str
    quote_id: str
    type: MarketType
    active: bool
    precision: Precision
    limits: Limits
    settle: str | None = None
    settle_id: str | None = None
    contract_size: Decimal | None = None
    linear: bool | None = None
    expiry: int | None = None
    info: Any = None


@dataclass(frozen=True, slots=True)
class Ticker:
    exchange_id: str
    symbol: str
    timestamp: int | None
    bid: Decimal | None = None
    bid_volume: Decimal | None = None
    ask: Decimal | None = None
    ask_volume: Decimal | None = None
    last: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None
    previous_close: Decimal | None = None
    base_volume: Decimal | None = None
    quote_volume: Decimal | None = None
    change: Decimal | None = None
    percentage: Decimal | None = None
    vwap: Decimal | None = None
    average: Decimal | None = None
    info: Any = None


@dataclass(frozen=True, slots=True)
class OrderBookLevel:
    price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OrderBook:
    exchange_id: str
    symbol: str
    timestamp: int | None
    bids: tuple[OrderBookLevel, ...]  # best (highest) first
    asks: tuple[OrderBookLevel, ...]  # best (lowest) first
    nonce: int | None = None


@dataclass(frozen=True, slots=True)
class Trade:
    id: str | None
    timestamp: int | None
    symbol: str
    side: Side | None
    price: Decimal
    amount: Decimal
    cost: Decimal | None
    taker_or_maker: str | None = None
    order: str | None = None
    info: Any = None


@dataclass(frozen=True, slots=True)
class Candle:
    timestamp: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    currency: str
    free: Decimal
    used: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Fee:
    cost: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    client_order_id: str | None
    exchange_id: str
    symbol: str
    type: OrderType
    side: Side
    price: Decimal | None
    amount: Decimal
    filled: Decimal
    remaining: Decimal
    cost: Decimal
    status: OrderStatus
    timestamp: int | None
    fee: Fee | None = None
    info: Any = None


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order as validated by the trading layer, ready for an adapter to send."""

    market: Market
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None
    client_order_id: str
    time_in_force: str | None = None


@dataclass(frozen=True, slots=True)
class MarketIndex:
    """An exchange's markets, looked up by unified symbol and by venue id."""

    markets: tuple[Market, ...]
    by_symbol: Mapping[str, Market]
    by_id: Mapping[str, Market]

    @classmethod
    def of(cls, markets: Iterable[Market]) -> MarketIndex:
        ordered = tuple(markets)
        by_id: dict[str, Market] = {}
        for market in ordered:
            # The first market wins an id shared across market types (spot is listed first).
            by_id.setdefault(market.id, market)
        return cls(ordered, {m.symbol: m for m in ordered}, by_id)
