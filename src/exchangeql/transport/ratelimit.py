"""Per-exchange rate limiting with endpoint weights.

The bucket holds `weight` tokens; a token spent comes back `per_seconds` later (a sliding window). So any
interval of `per_seconds` sees at most `weight` spent, which keeps us inside a venue's fixed windows
whatever their alignment (a classic refilling bucket may spend twice its size across one window edge).
Callers reserve their weight and wait for their slot, or fail fast with RATE_LIMITED when the wait would
overrun their deadline. A venue's 429/418 with Retry-After pauses the whole bucket.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable
from typing import Protocol

from ..errors import RateLimited
from ..settings import RateLimit


class RateLimiter(Protocol):
    async def acquire(self, weight: float, max_wait: float) -> None: ...

    def pause(self, seconds: float) -> None: ...


# The limiter for one exchange and its budget (TokenBucket in one process; shared ones, ratelimit_redis.py).
LimiterFor = Callable[[str, RateLimit], RateLimiter]


class TokenBucket:
    def __init__(self, exchange: str, limit: RateLimit) -> None:
        self.exchange = exchange
        self.capacity = limit.weight
        # A little longer than the venue's window: timers wake early and requests travel, and a slot
        # landing on the venue's window edge must not count twice.
        self.window = limit.per_seconds * 1.02 + 0.005
        self._returns: list[tuple[float, float]] = []  # (monotonic time the tokens come back, weight), sorted
        self._spent = 0.0
        self._paused_until = 0.0

    def _expire(self, now: float) -> None:
        done = 0
        for when, weight in self._returns:
            if when > now:
                break
            self._spent -= weight
            done += 1
        if done:
            del self._returns[:done]

    def wait_time(self, weight: float, now: float) -> float:
        """Seconds until `weight` tokens are free (0 when they are free now)."""
        self._expire(now)
        pause = max(0.0, self._paused_until - now)
        excess = self._spent + min(weight, self.capacity) - self.capacity
        if excess <= 0:
            return pause
        freed = 0.0
        for when, spent in self._returns:
            freed += spent
            if freed >= excess:
                return max(pause, when - now)
        return max(pause, self.window)

    async def acquire(self, weight: float, max_wait: float) -> None:
        now = time.monotonic()
        wait = self.wait_time(weight, now)
        if wait > max_wait:
            raise RateLimited(
                f"gateway rate limit for this exchange: next slot in {wait:.2f}s, past the request deadline",
                exchange=self.exchange,
                retry_after=wait,
            )
        # Reserve now, so concurrent callers queue behind this one; the tokens return one window after use.
        weight = min(weight, self.capacity)
        bisect.insort(self._returns, (now + wait + self.window, weight))
        self._spent += weight
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
