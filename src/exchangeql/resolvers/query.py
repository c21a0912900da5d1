"""Root query resolvers: the exchange list and lookups, and the cross-exchange fan-outs."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from ..cache import Entry
from ..errors import BadRequest
from ..models import Ticker
from ..symbols import parse_symbol
from .fanout import fan_out

if TYPE_CHECKING:
    from ..gateway import ExchangeRef
    from .context import Info

MAX_EXCHANGES_PER_QUERY = 50


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
