"""Calling exchanges within the request deadline, with failures attributed to their exchange."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from ..clock import remaining
from ..errors import GatewayError, InternalError, Timeout

log = logging.getLogger(__name__)

T = TypeVar("T")


async def guarded(exchange_id: str, call: Awaitable[T]) -> T:
    """Await `call` within what is left of the request deadline; every failure becomes a GatewayError."""
    budget = remaining(default=30.0)
    try:
        return await asyncio.wait_for(call, timeout=budget)
    except GatewayError as error:
        if error.exchange is None:
            error.exchange = exchange_id
        raise
    except TimeoutError:
        raise Timeout("no answer within the request deadline", exchange=exchange_id) from None
    except Exception as exc:
        raise InternalError("unexpected failure", exchange=exchange_id) from exc


async def _reraise(error: BaseException) -> None:
    raise error


async def fan_out(
    exchange_ids: Sequence[str], call: Callable[[str], Awaitable[T]]
) -> list[T | Awaitable[None]]:
    """Call every exchange concurrently. Results come back in input order; a failure stays in place as
    an awaitable that raises, so GraphQL puts null at that position and the error beside it."""
    results = await asyncio.gather(*(guarded(eid, call(eid)) for eid in exchange_ids), return_exceptions=True)
    out: list[T | Awaitable[None]] = []
    for result in results:
        if isinstance(result, BaseException):
            out.append(_reraise(result))
        else:
            out.append(result)
    return out
