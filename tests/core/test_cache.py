"""The response cache against both backends: memory and the real Redis at 127.0.0.1:6379."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from exchangeql.cache import Entry, ResponseCache, build_backend, cache_key
from exchangeql.errors import ExchangeUnavailable
from exchangeql.models import Ticker
from tests.conftest import free_port


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[ResponseCache]:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        backend = build_backend(url, namespace=f"test-{uuid.uuid4().hex}")
    else:
        backend = build_backend("memory://", namespace=f"test-{uuid.uuid4().hex}")
    cache = ResponseCache(backend)
    yield cache
    await cache.clear()
    await cache.close()


def _ticker(last: str) -> Ticker:
    return Ticker(exchange_id="binance", symbol="BTC/USDT", timestamp=1, last=Decimal(last))


async def test_single_flight_makes_one_call_for_many_concurrent_callers(cache: ResponseCache) -> None:
    calls = 0

    async def fetch() -> Ticker:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return _ticker("73369.84")

    key = cache_key("binance", "ticker", "BTC/USDT")
    entries = await asyncio.gather(*(cache.get_or_fetch(key, 5, fetch) for _ in range(200)))
    assert calls == 1
    assert {e.value.last for e in entries} == {Decimal("73369.84")}
    # Warm: served from the backend, still one call, and the value round-trips exactly.
    again = await cache.get_or_fetch(key, 5, fetch)
    assert calls == 1
    assert again.value == _ticker("73369.84")
    assert isinstance(again.value.last, Decimal)


async def test_entries_know_their_age_and_expire(cache: ResponseCache) -> None:
    calls = 0

    async def fetch() -> str:
        nonlocal calls
        calls += 1
        return f"v{calls}"

    first = await cache.get_or_fetch("k", 1, fetch)
    await asyncio.sleep(0.2)
    second = await cache.get_or_fetch("k", 1, fetch)
    assert second.value == "v1"
    assert second.fetched_at == first.fetched_at
    assert second.age_ms() >= 150
    await asyncio.sleep(1.0)
    third = await cache.get_or_fetch("k", 1, fetch)
    assert third.value == "v2"


async def test_failures_are_shared_but_not_cached(cache: ResponseCache) -> None:
    calls = 0

    async def failing() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        raise ExchangeUnavailable("down", exchange="binance")

    results = await asyncio.gather(
        *(cache.get_or_fetch("f", 5, failing) for _ in range(20)), return_exceptions=True
    )
    assert calls == 1
    assert all(isinstance(r, ExchangeUnavailable) for r in results)

    async def working() -> str:
        return "ok"

    assert (await cache.get_or_fetch("f", 5, working)).value == "ok"


async def test_a_caller_giving_up_does_not_cancel_the_shared_fetch(cache: ResponseCache) -> None:
    async def slow() -> str:
        await asyncio.sleep(0.1)
        return "done"

    impatient = asyncio.ensure_future(cache.get_or_fetch("s", 5, slow))
    patient = asyncio.ensure_future(cache.get_or_fetch("s", 5, slow))
    await asyncio.sleep(0.02)
    impatient.cancel()
    assert (await patient).value == "done"


async def test_an_unreachable_redis_degrades_to_fetching() -> None:
    cache = ResponseCache(build_backend(f"redis://127.0.0.1:{free_port()}/0"))

    async def fetch() -> str:
        return "fresh"

    entry = await cache.get_or_fetch("k", 5, fetch)
    assert entry == Entry("fresh", entry.fetched_at)
    assert cache.degraded is True
    await cache.close()
