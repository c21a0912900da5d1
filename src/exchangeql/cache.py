"""The response cache: TTL per data kind, key builders, and single-flight.

Values are stored as `Entry(value, fetched_at)` so every cached answer knows its age. N concurrent
callers of one cold key share one upstream fetch: the fetch runs as its own task, so a caller that gives
up (deadline, disconnect) does not cancel it for the others. A cache backend that fails (Redis down)
degrades to fetching, never to an error.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

from aiocache import RedisCache, SimpleMemoryCache
from aiocache.base import BaseCache
from aiocache.serializers import PickleSerializer
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import RedisError

from .clock import now_ms

log = logging.getLogger(__name__)

T = TypeVar("T")

# Backend failures that mean it is unreachable, as opposed to one value that cannot be read.
BACKEND_DOWN: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    value: T
    fetched_at: int  # epoch ms when the upstream answered

    def age_ms(self, now: int | None = None) -> int:
        return max(0, (now_ms() if now is None else now) - self.fetched_at)


class Freshness:
    """Until when everything one GraphQL request read stays fresh (epoch ms); feeds the operation cache."""

    __slots__ = ("until_ms",)

    def __init__(self) -> None:
        self.until_ms = math.inf

    def saw(self, fetched_at: int, ttl_s: float) -> None:
        self.until_ms = min(self.until_ms, fetched_at + ttl_s * 1000)


_freshness: ContextVar[Freshness | None] = ContextVar("exchangeql_freshness", default=None)


def track_freshness() -> Freshness:
    """Start tracking for the current request (tasks it spawns share the tracker)."""
    tracker = Freshness()
    _freshness.set(tracker)
    return tracker


def note_fresh(fetched_at: int, ttl_s: float) -> None:
    tracker = _freshness.get()
    if tracker is not None:
        tracker.saw(fetched_at, ttl_s)


class OperationCache:
    """Whole responses of identical anonymous queries, kept while all the data they read is fresh.

    Bounded (LRU); per process. Callers decide what is cacheable (no errors, no mutation, no token).
    """

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, tuple[float, bytes]] = OrderedDict()

    def get(self, key: bytes, now: int) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, body = found
        if now >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return body

    def put(self, key: bytes, body: bytes, expires: float) -> None:
        self._entries[key] = (expires, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def cache_key(exchange_id: str, kind: str, *parts: object) -> str:
    return ":".join((exchange_id, kind, *(str(p) for p in parts)))


def build_backend(url: str, namespace: str = "exchangeql") -> BaseCache:
    """memory:// (default) or redis://host:port/db through aiocache's Redis backend.

    redis://...?namespace=NAME prefixes every key with NAME instead (deployments sharing one Redis).
    """
    parts = urlsplit(url)
    if parts.scheme == "redis":
        db = int(parts.path.lstrip("/") or 0)
        namespace = parse_qs(parts.query).get("namespace", [namespace])[0]
        return RedisCache(
            serializer=PickleSerializer(),
            endpoint=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=db,
            password=parts.password,
            namespace=namespace,
            # Short: a dead or hung Redis must cost a request little (cache_redis falls back to memory).
            timeout=0.5,
            create_connection_timeout=0.3,
            pool_max_size=64,
            # Wait for a free connection instead of failing when many keys are looked up at once.
            connection_pool_class=BlockingConnectionPool,
            connection_pool_kwargs={"socket_timeout": 0.3, "timeout": 0.5},
        )
    return SimpleMemoryCache(namespace=namespace, timeout=None)


class ResponseCache:
    def __init__(self, backend: BaseCache) -> None:
        self.backend = backend
        self._inflight: dict[str, asyncio.Task[Entry[Any]]] = {}
        self.fetches = 0  # upstream fetches started (metrics, tests)
        self._degraded = False  # the backend was unreachable on its last use

    async def get_or_fetch(self, key: str, ttl: float, fetch: Callable[[], Awaitable[T]]) -> Entry[T]:
        task = self._inflight.get(key)
        if task is None:
            # One task per cold key does the backend lookup and, on a miss, the fetch; everyone awaits it.
            task = asyncio.ensure_future(self._lookup_or_fetch(key, ttl, fetch))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    async def _lookup_or_fetch(self, key: str, ttl: float, fetch: Callable[[], Awaitable[T]]) -> Entry[T]:
        hit = await self._get(key)
        if hit is not None:
            return hit
        self.fetches += 1
        value = await fetch()
        entry = Entry(value, now_ms())
        if ttl > 0:
            await self._set(key, entry, ttl)
        return entry

    def _finished(self, key: str, task: asyncio.Task[Entry[Any]]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # mark retrieved: every waiter may have given up already

    async def _get(self, key: str) -> Entry[Any] | None:
        try:
            value = await self.backend.get(key)
        except BACKEND_DOWN as exc:
            self._degrade(exc)
            return None
        except Exception as exc:  # one unreadable value (another version's pickle) is a miss, not an outage
            log.warning("unreadable cache entry %s: %s", key, type(exc).__name__)
            return None
        self._degraded = False
        return value if isinstance(value, Entry) else None

    async def _set(self, key: str, entry: Entry[Any], ttl: float) -> None:
        try:
            await self.backend.set(key, entry, ttl=ttl)
        except BACKEND_DOWN as exc:
            self._degrade(exc)
        except Exception as exc:  # a value that cannot be stored is fetched again next time
            log.warning("cannot store cache entry %s: %s", key, type(exc).__name__)

    @property
    def degraded(self) -> bool:
        """The backend is unreachable: answers are fetched without it (SharedResponseCache: Redis is down)."""
        return self._degraded

    def _degrade(self, exc: BaseException) -> None:
        if not self._degraded:
            log.warning("cache backend unavailable, serving without it: %s", type(exc).__name__)
        self._degraded = True

    async def clear(self) -> None:
        # Only this cache's keys: without a namespace, aiocache's Redis backend flushes the whole database.
        await self.backend.clear(namespace=self.backend.namespace)

    async def close(self) -> None:
        client = getattr(self.backend, "client", None)
        if client is not None:  # Redis: release the pool's sockets, not only the client
            await client.aclose(close_connection_pool=True)
        else:
            await self.backend.close()
