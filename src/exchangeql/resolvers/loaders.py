"""Per-request DataLoaders: identical calls within one request are made once, results in key order.

There is one loader per exchange and kind, so exchanges are batched separately: a slow exchange never
holds back the answers of a fast one in the same request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from ..cache import Entry
from ..gateway import ExchangeService
from ..models import OrderBook, Ticker
from .fanout import guarded

K = TypeVar("K")
V = TypeVar("V")

BookKey = tuple[str, int | None]  # (symbol, limit)


def _batch(
    service: ExchangeService, call: Callable[[K], Awaitable[V]]
) -> Callable[[Sequence[K]], Awaitable[list[V | BaseException]]]:
    async def load(keys: Sequence[K]) -> list[V | BaseException]:
        calls = (guarded(service.id, call(key)) for key in keys)
        return list(await asyncio.gather(*calls, return_exceptions=True))

    return load


class TickerBySymbolLoader(DataLoader[str, Entry[Ticker]]):
    def __init__(self, service: ExchangeService) -> None:
        super().__init__(load_fn=_batch(service, service.ticker))


class OrderBookBySymbolLoader(DataLoader[BookKey, Entry[OrderBook]]):
    def __init__(self, service: ExchangeService) -> None:
        async def one(key: BookKey) -> Entry[OrderBook]:
            return await service.order_book(*key)

        super().__init__(load_fn=_batch(service, one))


class Loaders:
    """The request's loaders, created on first use per (kind, exchange)."""

    def __init__(self) -> None:
        self._loaders: dict[tuple[str, str], DataLoader[Any, Any]] = {}

    def ticker(self, service: ExchangeService) -> TickerBySymbolLoader:
        return self._get("ticker", service, TickerBySymbolLoader)

    def order_book(self, service: ExchangeService) -> OrderBookBySymbolLoader:
        return self._get("book", service, OrderBookBySymbolLoader)

    def _get(self, kind: str, service: ExchangeService, make: Callable[[ExchangeService], V]) -> V:
        key = (kind, service.id)
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = make(service)  # type: ignore[assignment]
        return loader  # type: ignore[return-value]
