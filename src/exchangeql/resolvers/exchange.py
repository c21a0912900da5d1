"""Resolvers of Exchange fields. They return domain values and cache entries; schema/ converts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cache import Entry
from ..models import Candle, Market, MarketType, OrderBook, Ticker, Trade
from .fanout import guarded

if TYPE_CHECKING:
    from ..gateway import ExchangeRef
    from .context import Info


async def markets(
    info: Info, ref: ExchangeRef, base: str | None, quote: str | None, kind: MarketType | None
) -> list[Market]:
    service = ref.require_service()
    index = (await guarded(ref.id, service.markets())).value
    return [
        m
        for m in index.markets
        if (base is None or m.base == base)
        and (quote is None or m.quote == quote)
        and (kind is None or m.type is kind)
    ]


async def market(info: Info, ref: ExchangeRef, symbol: str) -> Market:
    return await guarded(ref.id, ref.require_service().market(symbol))


async def ticker(info: Info, ref: ExchangeRef, symbol: str) -> Entry[Ticker]:
    return await info.context.loaders.ticker(ref.require_service()).load(symbol)


async def tickers(info: Info, ref: ExchangeRef, symbols: list[str] | None) -> list[Entry[Ticker]]:
    service = ref.require_service()
    if symbols is None:
        return await guarded(ref.id, service.tickers(None))
    return list(await info.context.loaders.ticker(service).load_many(symbols))


async def order_book(info: Info, ref: ExchangeRef, symbol: str, limit: int | None) -> Entry[OrderBook]:
    return await info.context.loaders.order_book(ref.require_service()).load((symbol, limit))


async def trades(info: Info, ref: ExchangeRef, symbol: str, limit: int | None) -> list[Trade]:
    return (await guarded(ref.id, ref.require_service().trades(symbol, limit))).value


async def candles(
    info: Info, ref: ExchangeRef, symbol: str, timeframe: str, limit: int | None
) -> list[Candle]:
    return (await guarded(ref.id, ref.require_service().candles(symbol, timeframe, limit))).value


def successor(info: Info, ref: ExchangeRef) -> ExchangeRef | None:
    return info.context.gateway.lookup(ref.successor) if ref.successor else None
