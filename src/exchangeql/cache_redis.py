"""Many gateway instances on one Redis: the Redis link, distributed single-flight, and what instances share.

With EXCHANGEQL_CACHE_URL=redis://..., every instance reads the response cache from Redis and a cold key is
fetched by one instance only: the first to take the key's lock (SET NX PX, released by compare-and-delete)
fetches and stores the value; the others poll for it, bounded by the request deadline. The lock lives
longer than any fetch may take, so a holder that dies frees it by expiry. aiocache's RedLock is not used:
its waiters wait on an asyncio.Event of their own process, so a waiter in another instance finds no event
and fetches at once.

Losing Redis must not take the gateway down: while the link (transport/ratelimit_redis.RedisLink) is down,
values live in this process's memory and each instance fetches for itself, and it returns to Redis by
itself once the link's probe hears from Redis again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiocache import SimpleMemoryCache
from aiocache.base import BaseCache
from redis.asyncio import Redis

from .cache import Entry, ResponseCache, build_backend
from .clock import now_ms, remaining
from .errors import Timeout
from .settings import ExchangeSettings, RateLimit, Settings
from .transport.ratelimit import RateLimiter, TokenBucket
from .transport.ratelimit_redis import RedisDown, RedisLink, SharedRateLimiter

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_FIRST_S = 0.005  # a waiter's first look for the holder's value; the interval then grows...
POLL_MAX_S = 0.05  # ...up to this


class SharedResponseCache(ResponseCache):
    """The response cache on Redis for many instances: one fetch per cold key across all of them.

    In-process single-flight (ResponseCache.get_or_fetch) still comes first, so each instance has at most one
    task per key talking to Redis. While the link is down, values live in this process's memory.
    """

    def __init__(self, backend: BaseCache, link: RedisLink, *, lock_ttl_s: float, deadline_s: float) -> None:
        super().__init__(backend)
        self.link = link
        self.lock_ttl_ms = int(lock_ttl_s * 1000)
        self.deadline_s = deadline_s  # bounds a waiter outside a request (no request deadline set)
        self.local = SimpleMemoryCache(timeout=None)
        self.waits = 0  # answers this instance got from another instance's fetch (metrics, tests)
        self._release = link.client.register_script(_RELEASE)

    @property
    def degraded(self) -> bool:
        return not self.link.up

    async def _lookup_or_fetch(self, key: str, ttl: float, fetch: Callable[[], Awaitable[T]]) -> Entry[T]:
        if ttl > 0 and self.link.up:
            try:
                return await self._shared(key, ttl, fetch)
            except RedisDown:
                pass  # nothing was fetched yet: answer alone
        return await self._alone(key, ttl, fetch)

    async def _shared(self, key: str, ttl: float, fetch: Callable[[], Awaitable[T]]) -> Entry[T]:
        hit = await self._read(key)
        if hit is not None:
            return hit
        lock = f"{self.backend.build_key(key)}#lock"
        token = uuid.uuid4().hex
        deadline = time.monotonic() + remaining(self.deadline_s)
        while True:
            if await self.link.call(self.link.client.set(lock, token, nx=True, px=self.lock_ttl_ms)):
                return await self._fetch_holding(key, ttl, fetch, lock, token)
            hit = await self._wait_for_holder(key, lock, deadline)
            if hit is not None:
                self.waits += 1
                return hit
            # The lock went away without a value: its holder failed (failures are not cached) or died.

    async def _wait_for_holder(self, key: str, lock: str, deadline: float) -> Entry[Any] | None:
        """The holder's value once stored; None when the lock is gone without one."""
        delay = POLL_FIRST_S
        while True:
            if time.monotonic() + delay > deadline:
                raise Timeout(
                    "another gateway instance is fetching this and did not answer before the deadline",
                    exchange=key.partition(":")[0],
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, POLL_MAX_S)
            hit = await self._read(key)
            if hit is not None:
                return hit
            if not await self.link.call(self.link.client.exists(lock)):
                return None

    async def _fetch_holding(
        self, key: str, ttl: float, fetch: Callable[[], Awaitable[T]], lock: str, token: str
    ) -> Entry[T]:
        try:
            # The holder before us may have stored the value between our miss and our lock.
            hit = await self._read(key)
            if hit is not None:
                return hit
            self.fetches += 1
            entry = Entry(await fetch(), now_ms())
            try:
                await self.link.call(self.backend.set(key, entry, ttl=ttl))
            except RedisDown:
                await self.local.set(key, entry, ttl=ttl)
            except Exception as exc:  # a value that cannot be stored: waiters fetch for themselves
                log.warning("cannot store cache entry %s: %s", key, type(exc).__name__)
            return entry
        finally:
            # Waiters see the value before the lock goes; if this fails the lock expires by itself.
            with contextlib.suppress(RedisDown):
                await self.link.call(self._release(keys=[lock], args=[token]))

    async def _read(self, key: str) -> Entry[Any] | None:
        try:
            value = await self.link.call(self.backend.get(key))
        except RedisDown:
            raise
        except Exception as exc:  # one unreadable value (another version's pickle) is a miss, not an outage
            log.warning("unreadable cache entry %s: %s", key, type(exc).__name__)
            return None
        return value if isinstance(value, Entry) else None

    async def _alone(self, key: str, ttl: float, fetch: Callable[[], Awaitable[T]]) -> Entry[T]:
        if ttl > 0:
            value = await self.local.get(key)
            if isinstance(value, Entry):
                return value
        self.fetches += 1
        entry = Entry(await fetch(), now_ms())
        if ttl > 0:
            await self.local.set(key, entry, ttl=ttl)
        return entry

    async def close(self) -> None:
        await self.link.close()
        await super().close()


# Deletes the lock only when it is still ours (it may have expired and been taken by another instance).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass
class SharedState:
    """What the instances of one deployment share: nothing with memory://, the cache and the rate
    limits with redis://."""

    cache: ResponseCache
    link: RedisLink | None = None
    instances: int = 1  # expected instances: each one's share of a budget while Redis is down
    limiters: dict[str, SharedRateLimiter] = field(default_factory=dict)
    local_limiters: dict[str, TokenBucket] = field(default_factory=dict)

    def limiter_for(self, exchange: str, limit: RateLimit) -> RateLimiter:
        """One budget per exchange, whoever asks: market data and every trading account on that venue
        spend from the same bucket, as the venue counts them (per IP)."""
        if self.link is None:
            if exchange not in self.local_limiters:
                self.local_limiters[exchange] = TokenBucket(exchange, limit)
            return self.local_limiters[exchange]
        if exchange not in self.limiters:
            prefix = f"{self.cache.backend.namespace}:ratelimit"  # the cache's namespace: one deployment
            self.limiters[exchange] = SharedRateLimiter(
                exchange, limit, self.link, instances=self.instances, key_prefix=prefix
            )
        return self.limiters[exchange]

    @property
    def cache_degraded(self) -> bool:
        return self.cache.degraded

    @property
    def ratelimit_degraded(self) -> bool:
        return any(limiter.degraded for limiter in self.limiters.values())

    async def check(self) -> bool:
        """True when everything meant to be shared is (Redis answers), or nothing is (memory://)."""
        if self.link is not None:
            await self.link.check()
        return not (self.cache_degraded or self.ratelimit_degraded)

    async def close(self) -> None:
        await self.cache.close()


def lock_ttl_s(settings: Settings) -> float:
    """Longer than any fetch: the request deadline bounds it, and so does every exchange's timeout."""
    timeouts = [ex.timeout_s for ex in settings.exchanges.values()]
    return max(settings.request_deadline_ms / 1000, ExchangeSettings().timeout_s, *timeouts) + 1.0


def build_shared_state(settings: Settings) -> SharedState:
    """The cache and rate limiters for `settings.cache_url`; `settings.instances` sizes fallback shares."""
    instances = settings.instances
    backend = build_backend(settings.cache_url)
    client = getattr(backend, "client", None)
    if not isinstance(client, Redis):
        return SharedState(ResponseCache(backend), instances=instances)
    link = RedisLink(client)
    cache = SharedResponseCache(
        backend, link, lock_ttl_s=lock_ttl_s(settings), deadline_s=settings.request_deadline_ms / 1000
    )
    return SharedState(cache, link, instances)
