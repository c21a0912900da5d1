"""Root query resolvers: the exchange list and lookups, and the cross-exchange fan-outs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from .. import aggregate
from ..aggregate import BestPrice, ConsolidatedBook
from ..cache import Entry
from ..errors import BadRequest
from ..gateway import check_limit
from ..models import Ticker
from ..symbols import parse_symbol
from .fanout import fan_out, guarded

if TYPE_CHECKING:
    from ..gateway import ExchangeRef, ExchangeService
    from .context import Info

T = TypeVar("T")

MAX_EXCHANGES_PER_QUERY = 50
DEFAULT_BOOK_DEPTH = 20


def exchanges(info: Info, status: str | None) -> list[ExchangeRef]:
    refs = info.context.gateway.refs.values()
    return [ref for ref in refs if status is None or ref.status == status]


def exchange(info: Info, exchange_id: str) -> ExchangeRef:
    return info.context.gateway.get(exchange_id)


def check_exchange_list(exchange_ids: list[str]) -> None:
    if not exchange_ids:
        raise BadRequest("exchanges must name at least one exchange")
    if len(exchange_ids) > MAX_EXCHANGES_PER_QUERY:
        raise BadRequest(f"at most {MAX_EXCHANGES_PER_QUERY} exchanges per query, got {len(exchange_ids)}")


async def tickers(info: Info, symbol: str, exchange_ids: list[str]) -> list[Entry[Ticker] | Awaitable[None]]:
    """One symbol across exchanges, in the order asked; a failing exchange gives null and an error."""
    check_exchange_list(exchange_ids)
    parse_symbol(symbol)
    gateway = info.context.gateway
    loaders = info.context.loaders

    async def one(exchange_id: str) -> Entry[Ticker]:
        return await loaders.ticker(gateway.service(exchange_id)).load(symbol)

    return await fan_out(exchange_ids, one)


async def _gather_reporting(
    info: Info, exchange_ids: list[str], call: Callable[[ExchangeService], Awaitable[Entry[T]]]
) -> list[Entry[T]]:
    """Every exchange's answer, in order; failures are reported as errors naming the exchange and left out."""
    check_exchange_list(exchange_ids)
    gateway = info.context.gateway

    async def one(exchange_id: str) -> Entry[T]:
        return await guarded(exchange_id, call(gateway.service(exchange_id)))

    results = await asyncio.gather(*(one(e) for e in exchange_ids), return_exceptions=True)
    answers: list[Entry[T]] = []
    for result in results:
        if isinstance(result, Exception):
            info.context.report(info, result)
        elif isinstance(result, BaseException):
            raise result
        else:
            answers.append(result)
    return answers


async def best_price(info: Info, symbol: str, exchange_ids: list[str]) -> BestPrice:
    """Best bid and ask across exchanges, read through the same ticker cache as Query.tickers."""
    parse_symbol(symbol)
    loaders = info.context.loaders
    entries = await _gather_reporting(info, exchange_ids, lambda s: loaders.ticker(s).load(symbol))
    return aggregate.best_price(symbol, [e.value for e in entries])


async def consolidated_book(
    info: Info, symbol: str, exchange_ids: list[str], limit: int | None
) -> ConsolidatedBook:
    """Price levels merged across exchanges, read through the same book cache as Exchange.orderBook."""
    parse_symbol(symbol)
    depth = check_limit(limit) or DEFAULT_BOOK_DEPTH
    loaders = info.context.loaders
    entries = await _gather_reporting(
        info, exchange_ids, lambda s: loaders.order_book(s).load((symbol, depth))
    )
    return aggregate.consolidate(symbol, [e.value for e in entries], depth)
