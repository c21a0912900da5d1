"""The shared rate limiter, in process: each "instance" is its own SharedRateLimiter with its own Redis
client, on the real Redis (database SCALE_DB, a fresh exchange id per test so buckets never meet)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from exchangeql.errors import RateLimited
from exchangeql.settings import RateLimit
from exchangeql.transport.ratelimit_redis import RedisLink, SharedRateLimiter

from ..conftest import free_port
from . import scale_redis_url

Factory = Callable[..., SharedRateLimiter]


@pytest.fixture
async def limiters(redis_url: str) -> AsyncIterator[Factory]:
    exchange = f"test-{uuid.uuid4().hex[:12]}"
    clients: list[Redis] = []

    def make(limit: RateLimit, url: str = scale_redis_url(), instances: int = 1) -> SharedRateLimiter:
        client = Redis.from_url(url, socket_timeout=0.3, socket_connect_timeout=0.3)
        clients.append(client)
        return SharedRateLimiter(exchange, limit, RedisLink(client), instances=instances)

    yield make
    for client in clients:
        await client.aclose()


async def _admitted(limiter: SharedRateLimiter, weight: float, attempts: int) -> int:
    admitted = 0
    for _ in range(attempts):
        try:
            await limiter.acquire(weight, max_wait=0)
        except RateLimited:
            continue
        admitted += 1
    return admitted


async def test_instances_share_one_budget(limiters: Factory) -> None:
    limit = RateLimit(10, 1)
    first, second, third = limiters(limit), limiters(limit), limiters(limit)
    # Interleaved, as three processes would ask: 10 weight in all, whoever asks.
    admitted = 0
    for _ in range(8):
        for limiter in (first, second, third):
            admitted += await _admitted(limiter, 1, 1)
    assert admitted == 10
    with pytest.raises(RateLimited) as caught:
        await second.acquire(1, max_wait=0.1)
    assert caught.value.retry_after is not None
    # The oldest tokens come back one (slightly widened) window after they were spent.
    assert 0.8 < caught.value.retry_after <= second.window


async def test_a_reservation_waits_for_its_slot(limiters: Factory) -> None:
    limit = RateLimit(4, 0.2)
    first, second = limiters(limit), limiters(limit)
    await first.acquire(4, max_wait=0)
    started = time.monotonic()
    await second.acquire(2, max_wait=1)  # queued behind the first: the slot is one window later
    waited = time.monotonic() - started
    assert second.window - 0.05 <= waited <= second.window + 0.1, waited


async def test_a_429_pauses_every_instance(limiters: Factory) -> None:
    limit = RateLimit(100, 1)
    first, second = limiters(limit), limiters(limit)
    first.pause(0.5)  # what VenueClient does on a 429 with Retry-After: 0.5
    await asyncio.sleep(0.05)  # the pause reaches Redis in the background
    with pytest.raises(RateLimited) as caught:
        await second.acquire(1, max_wait=0.1)
    assert caught.value.retry_after is not None and 0.3 < caught.value.retry_after <= 0.5
    started = time.monotonic()
    await second.acquire(1, max_wait=1)
    assert 0.3 < time.monotonic() - started <= 0.5


async def test_without_redis_each_instance_keeps_its_share(limiters: Factory) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    limiter = limiters(RateLimit(10, 1), url=dead, instances=2)
    started = time.monotonic()
    assert await _admitted(limiter, 1, 20) == 5  # budget / expected instances
    assert limiter.degraded is True
    assert time.monotonic() - started < 0.5  # Redis is not waited for on every call
    await limiter.link.close()


def test_one_budget_per_exchange_whoever_asks() -> None:
    """Market data and trading accounts on one venue spend from the same bucket (the venue counts per IP)."""
    from exchangeql.cache import ResponseCache, build_backend
    from exchangeql.cache_redis import SharedState

    state = SharedState(ResponseCache(build_backend("memory://")))
    limit = RateLimit(10, 1)
    assert state.limiter_for("binance", limit) is state.limiter_for("binance", limit)
    assert state.limiter_for("binance", limit) is not state.limiter_for("kraken", limit)
