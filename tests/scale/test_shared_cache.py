"""Distributed single-flight and the Redis link, in process: each "instance" is its own SharedResponseCache
with its own Redis connection pool, on the real Redis (database SCALE_DB, a fresh namespace per test)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from exchangeql.cache import build_backend, cache_key
from exchangeql.cache_redis import SharedResponseCache
from exchangeql.clock import set_deadline
from exchangeql.errors import ExchangeUnavailable, Timeout
from exchangeql.models import Ticker
from exchangeql.transport.ratelimit_redis import RedisLink

from ..conftest import free_port
from . import redis_server, scale_redis_url


def _instance(url: str, namespace: str, lock_ttl_s: float = 2.0, probe_s: float = 1.0) -> SharedResponseCache:
    backend = build_backend(url, namespace=namespace)
    assert isinstance(backend.client, Redis)
    link = RedisLink(backend.client, probe_interval_s=probe_s)
    return SharedResponseCache(backend, link, lock_ttl_s=lock_ttl_s, deadline_s=2.0)


@pytest.fixture
async def instances(redis_url: str) -> AsyncIterator[Callable[..., SharedResponseCache]]:
    namespace = f"scale-test-{uuid.uuid4().hex}"
    made: list[SharedResponseCache] = []

    def make(**options: float) -> SharedResponseCache:
        made.append(_instance(scale_redis_url(), namespace, **options))
        return made[-1]

    yield make
    if made:
        await made[0].clear()
    for cache in made:
        await cache.close()


def _ticker(last: str) -> Ticker:
    return Ticker(exchange_id="binance", symbol="BTC/USDT", timestamp=1, last=Decimal(last))


async def test_two_instances_make_one_fetch_for_a_cold_key(
    instances: Callable[..., SharedResponseCache],
) -> None:
    first, second = instances(), instances()
    calls = 0

    async def fetch() -> Ticker:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return _ticker("73369.84")

    key = cache_key("binance", "ticker", "BTC/USDT")
    entries = await asyncio.gather(
        *(cache.get_or_fetch(key, 5, fetch) for _ in range(100) for cache in (first, second))
    )
    assert calls == 1
    assert {e.value.last for e in entries} == {Decimal("73369.84")}
    assert len({e.fetched_at for e in entries}) == 1  # one upstream answer, shared
    assert first.fetches + second.fetches == 1
    assert first.waits + second.waits == 1  # the other instance's one task waited for the value
    assert not first.degraded and not second.degraded


async def test_a_failed_fetch_is_not_shared_and_the_next_instance_fetches(
    instances: Callable[..., SharedResponseCache],
) -> None:
    first, second = instances(), instances()
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        if calls == 1:
            raise ExchangeUnavailable("down", exchange="binance")
        return "ok"

    results = await asyncio.gather(
        first.get_or_fetch("binance:f", 5, flaky),
        second.get_or_fetch("binance:f", 5, flaky),
        return_exceptions=True,
    )
    # The holder's caller sees its failure; the waiter, finding the lock gone without a value, fetches.
    assert calls == 2
    assert sorted(type(r).__name__ if isinstance(r, Exception) else r.value for r in results) == [
        "ExchangeUnavailable",
        "ok",
    ]


async def test_a_dead_holder_releases_by_expiry(instances: Callable[..., SharedResponseCache]) -> None:
    cache = instances()
    # A holder that took the lock and died: nobody will release it.
    lock = f"{cache.backend.build_key('binance:k')}#lock"
    await cache.link.client.set(lock, "dead-holder", px=400)

    async def fetch() -> str:
        return "mine"

    started = time.monotonic()
    entry = await cache.get_or_fetch("binance:k", 5, fetch)
    waited = time.monotonic() - started
    assert entry.value == "mine"
    assert 0.3 <= waited < 1.0, waited
    assert cache.fetches == 1


async def test_a_waiter_gives_up_at_the_request_deadline(
    instances: Callable[..., SharedResponseCache],
) -> None:
    cache = instances()
    lock = f"{cache.backend.build_key('binance:slow')}#lock"
    await cache.link.client.set(lock, "busy-holder", px=5000)

    async def fetch() -> str:
        raise AssertionError("a waiter must not fetch while the lock is held")

    set_deadline(0.3)
    started = time.monotonic()
    with pytest.raises(Timeout) as caught:
        await cache.get_or_fetch("binance:slow", 5, fetch)
    assert 0.2 <= time.monotonic() - started < 0.6
    assert caught.value.exchange == "binance"


async def test_without_redis_each_instance_caches_alone_cheaply() -> None:
    cache = _instance(f"redis://127.0.0.1:{free_port()}/0", "scale-test-dead")
    calls = 0

    async def fetch() -> str:
        nonlocal calls
        calls += 1
        return f"v{calls}"

    started = time.monotonic()
    first = await cache.get_or_fetch("binance:k", 5, fetch)
    assert cache.degraded is True
    # Degraded: Redis is not asked again (no connection attempt per request); memory serves the value.
    again = [await cache.get_or_fetch("binance:k", 5, fetch) for _ in range(50)]
    assert time.monotonic() - started < 0.5
    assert {e.value for e in again} == {first.value} == {"v1"}
    assert calls == 1
    assert cache.link.outages == 1
    await cache.close()


async def test_the_link_recovers_by_itself_when_redis_returns() -> None:
    port = free_port()
    with contextlib.ExitStack() as stack:
        stack.enter_context(redis_server(port))
        cache = _instance(f"redis://127.0.0.1:{port}/0", "scale-test-outage", probe_s=0.1)

        async def fetch() -> str:
            return "v"

        await cache.get_or_fetch("binance:a", 5, fetch)
        assert cache.degraded is False
        stack.close()  # stop Redis by PID

        await cache.get_or_fetch("binance:b", 5, fetch)
        assert cache.degraded is True
        stack.enter_context(redis_server(port))
        started = time.monotonic()
        for _ in range(100):  # the probe, not this loop, brings the link back
            if not cache.degraded:
                break
            await asyncio.sleep(0.02)
        assert cache.degraded is False
        assert time.monotonic() - started < 0.5  # the probe runs every 0.1 s here
        # Back on Redis: a restarted, empty Redis gets the value again.
        await cache.get_or_fetch("binance:c", 5, fetch)
        assert await cache.backend.get("binance:c") is not None
        await cache.close()


async def test_a_namespace_in_the_url_keeps_deployments_apart(redis_url: str) -> None:
    names = [f"scale-test-{uuid.uuid4().hex}" for _ in range(2)]
    caches = []
    for name in (names[0], names[0], names[1]):
        backend = build_backend(f"{scale_redis_url()}?namespace={name}")
        assert isinstance(backend.client, Redis)
        caches.append(SharedResponseCache(backend, RedisLink(backend.client), lock_ttl_s=2, deadline_s=2))
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        return calls

    values = [(await cache.get_or_fetch("binance:k", 5, fetch)).value for cache in caches]
    assert values == [1, 1, 2]  # the same deployment shares the entry; the other has its own
    assert await caches[2].link.client.exists(f"{names[1]}:binance:k") == 1
    for cache in caches:
        await cache.clear()
        await cache.close()
