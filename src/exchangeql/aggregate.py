"""Cross-exchange answers, computed exactly (Decimal) from per-exchange domain data. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from .models import OrderBook, OrderBookLevel, Ticker

PERCENT_PLACES = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Quote:
    exchange_id: str
    price: Decimal
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class BestPrice:
    symbol: str
    bid: Quote | None  # the highest bid across the exchanges
    ask: Quote | None  # the lowest ask across the exchanges
    spread: Decimal | None  # ask - bid; negative when crossed
    spread_percentage: Decimal | None  # spread / mid * 100, 8 decimal places
    crossed: bool  # bid > ask: buy on one exchange, sell on another (an arbitrage signal)


def best_price(symbol: str, tickers: Sequence[Ticker]) -> BestPrice:
    """Best bid and ask among `tickers`; on equal prices the exchange listed first wins."""
    bid: Quote | None = None
    ask: Quote | None = None
    for t in tickers:
        if t.bid is not None and (bid is None or t.bid > bid.price):
            bid = Quote(t.exchange_id, t.bid, t.bid_volume)
        if t.ask is not None and (ask is None or t.ask < ask.price):
            ask = Quote(t.exchange_id, t.ask, t.ask_volume)
    if bid is None or ask is None:
        return BestPrice(symbol, bid, ask, None, None, False)
    spread = ask.price - bid.price
    mid = (ask.price + bid.price) / 2
    percentage = (spread / mid * 100).quantize(PERCENT_PLACES, ROUND_HALF_EVEN) if mid else None
    return BestPrice(symbol, bid, ask, spread, percentage, bid.price > ask.price)


@dataclass(frozen=True, slots=True)
class LevelSource:
    exchange_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ConsolidatedLevel:
    price: Decimal
    amount: Decimal
    sources: tuple[LevelSource, ...]


@dataclass(frozen=True, slots=True)
class ConsolidatedBook:
    symbol: str
    timestamp: int | None  # the newest of the books merged
    bids: tuple[ConsolidatedLevel, ...]  # highest first
    asks: tuple[ConsolidatedLevel, ...]  # lowest first
    exchanges: tuple[str, ...]  # the exchanges whose books were merged


def consolidate(symbol: str, books: Sequence[OrderBook], limit: int) -> ConsolidatedBook:
    """Merge price levels across books; each level keeps the amount each exchange offers at that price."""
    timestamps = [b.timestamp for b in books if b.timestamp is not None]
    return ConsolidatedBook(
        symbol=symbol,
        timestamp=max(timestamps) if timestamps else None,
        bids=_merge([(b.exchange_id, b.bids) for b in books], limit, highest_first=True),
        asks=_merge([(b.exchange_id, b.asks) for b in books], limit, highest_first=False),
        exchanges=tuple(b.exchange_id for b in books),
    )


def _merge(
    sides: Sequence[tuple[str, Sequence[OrderBookLevel]]], limit: int, *, highest_first: bool
) -> tuple[ConsolidatedLevel, ...]:
    by_price: dict[Decimal, list[LevelSource]] = {}
    for exchange_id, levels in sides:
        for level in levels:
            by_price.setdefault(level.price, []).append(LevelSource(exchange_id, level.amount))
    prices = sorted(by_price, reverse=highest_first)[:limit]
    return tuple(
        ConsolidatedLevel(price, sum((s.amount for s in by_price[price]), Decimal(0)), tuple(by_price[price]))
        for price in prices
    )
