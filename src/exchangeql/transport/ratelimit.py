"""Per-exchange token buckets with endpoint weights.

Callers reserve `weight` tokens; when the bucket is short they wait for the refill, or fail fast with
RATE_LIMITED when the wait would overrun their deadline. A venue's 429/418 with Retry-After pauses the
whole bucket, so the gateway backs off instead of earning a ban.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from ..errors import RateLimited
from ..settings import RateLimit


class RateLimiter(Protocol):
    async def acquire(self, weight: float, max_wait: float) -> None: ...

    def pause(self, seconds: float) -> None: ...


class TokenBucket:
    """A local token bucket. Reservations may drive the level negative: later callers queue behind."""

    def __init__(self, exchange: str, limit: RateLimit) -> None:
        self.exchange = exchange
        self.rate = limit.per_second
        self.capacity = max(limit.weight, 1.0)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._paused_until = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def wait_time(self, weight: float, now: float) -> float:
        self._refill(now)
        pause = max(0.0, self._paused_until - now)
        shortfall = weight - self._tokens
        return max(pause, shortfall / self.rate if shortfall > 0 else 0.0)

    async def acquire(self, weight: float, max_wait: float) -> None:
        now = time.monotonic()
        wait = self.wait_time(weight, now)
        if wait > max_wait:
            raise RateLimited(
                f"gateway rate limit for this exchange: next slot in {wait:.2f}s, past the request deadline",
                exchange=self.exchange,
                retry_after=wait,
            )
        self._tokens -= weight  # reserve now, so concurrent callers queue behind this one
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
