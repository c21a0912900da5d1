"""One exchange's rate budget shared by every gateway instance, in Redis; and the link to Redis.

The same sliding-window bucket as `TokenBucket` (ratelimit.py): tokens spent come back one window later, and
callers reserve their weight and wait for their slot or fail fast with RATE_LIMITED. Here the reservations
live in a Redis sorted set scored by the time their tokens come back, read and updated by one Lua script per
call, so the check and the reservation are atomic across instances and all times are Redis's clock. A 429
or 418 pauses the bucket for every instance.

`RedisLink` is the one place that knows whether Redis answers (the cache uses it too, cache_redis.py):
the first connection error or timeout marks it down; from then on callers skip Redis for their in-process
fallbacks, so no request waits on a dead server, and one background probe PINGs Redis about once a second
and marks the link up again. While it is down, each instance falls back to a local bucket holding its share
of the budget (budget / expected instances), so together they stay within it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..errors import RateLimited
from ..settings import RateLimit
from .ratelimit import TokenBucket

log = logging.getLogger(__name__)

T = TypeVar("T")

# Failures that mean Redis is unusable (unreachable, hung, restarting, refusing commands).
REDIS_DOWN: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)

OP_TIMEOUT_S = 0.5  # one Redis operation; the sockets time out sooner (cache.build_backend)
PROBE_INTERVAL_S = 1.0  # while Redis is down, one PING per interval


class RedisDown(Exception):
    """A Redis operation failed because Redis is unusable; the link is marked down already."""


class RedisLink:
    """The Redis client shared by the response cache and the rate limiters, and whether Redis answers."""

    def __init__(
        self, client: Redis, *, op_timeout_s: float = OP_TIMEOUT_S, probe_interval_s: float = PROBE_INTERVAL_S
    ) -> None:
        self.client = client
        self.op_timeout_s = op_timeout_s
        self.probe_interval_s = probe_interval_s
        self.up = True
        self.outages = 0  # times the link went down (metrics)
        self._last_ok = 0.0  # monotonic time of the last answer from Redis
        self._probe: asyncio.Task[None] | None = None

    async def call(self, operation: Awaitable[T]) -> T:
        """Await one Redis operation within the short timeout; a failure marks the link down (RedisDown)."""
        try:
            async with asyncio.timeout(self.op_timeout_s):
                result = await operation
        except REDIS_DOWN as exc:
            self.failed(exc)
            raise RedisDown(f"{type(exc).__name__}: {exc}") from exc
        self._last_ok = time.monotonic()
        return result

    def failed(self, exc: BaseException) -> None:
        if self.up:
            self.up = False
            self.outages += 1
            log.warning(
                "redis unavailable (%s: %s): each instance serves alone until it answers",
                type(exc).__name__,
                exc,
            )
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._probe_until_up())

    async def _probe_until_up(self) -> None:
        down_since = time.monotonic()
        while True:
            await asyncio.sleep(self.probe_interval_s)
            try:
                async with asyncio.timeout(self.op_timeout_s):
                    await self.client.ping()
            except REDIS_DOWN:
                continue
            self._last_ok = time.monotonic()
            self.up = True
            log.warning(
                "redis answers again after %.1fs: shared cache and rate limits resumed",
                self._last_ok - down_since,
            )
            return

    async def check(self) -> bool:
        """Whether Redis answers, asking it (one PING) when it was last heard from over an interval ago."""
        if self.up and time.monotonic() - self._last_ok > self.probe_interval_s:
            with contextlib.suppress(RedisDown):
                await self.call(self.client.ping())
        return self.up

    async def close(self) -> None:
        """Stops the probe; the client belongs to the cache backend, which closes it."""
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe


KEY_PREFIX = "exchangeql:ratelimit"

# Requests reach the venue some time after their slot (event-loop lag, network, the venue's own queue), and
# not the same time for each: a token reused one window later must not land in the venue's window of its
# first use. Three instances on two busy CPUs showed up to ~0.15 s of such spread (0.3 s more while a
# process collected garbage, before app.py froze start-up objects out of the collector's reach).
WINDOW_FACTOR = 1.02
WINDOW_EXTRA_S = 0.25


def _us(seconds: float) -> int:
    return max(0, round(seconds * 1_000_000))


class SharedRateLimiter:
    """A RateLimiter (acquire, pause) on Redis, with a local share as fallback."""

    def __init__(
        self,
        exchange: str,
        limit: RateLimit,
        link: RedisLink,
        *,
        instances: int = 1,
        key_prefix: str = KEY_PREFIX,
    ) -> None:
        self.exchange = exchange
        self.capacity = limit.weight
        self.window = limit.per_seconds * WINDOW_FACTOR + WINDOW_EXTRA_S
        self.link = link
        self.instances = instances
        self.local = TokenBucket(exchange, RateLimit(limit.weight / instances, limit.per_seconds))
        # One hash tag: both keys live on the same Redis Cluster slot, as a script requires.
        self.keys = [f"{key_prefix}:{{{exchange}}}:returns", f"{key_prefix}:{{{exchange}}}:state"]
        self._acquire = link.client.register_script(_ACQUIRE)
        self._pause = link.client.register_script(_PAUSE)
        self._paused_until = 0.0  # this instance's own pause (monotonic), until Redis has it too
        self._sharing: set[asyncio.Task[None]] = set()

    @property
    def degraded(self) -> bool:
        return not self.link.up

    async def acquire(self, weight: float, max_wait: float) -> None:
        if self.link.up:
            own_pause = max(0.0, self._paused_until - time.monotonic())
            args = [weight, self.capacity, _us(self.window), _us(max_wait), _us(own_pause)]
            try:
                admitted, wait_us = await self.link.call(self._acquire(keys=self.keys, args=args))
            except RedisDown:
                pass  # the link is down now: this call and the next ones use the local share
            else:
                wait = int(wait_us) / 1_000_000
                if not admitted:
                    raise RateLimited(
                        f"gateway rate limit for this exchange (shared by all instances): next slot in "
                        f"{wait:.2f}s, past the request deadline",
                        exchange=self.exchange,
                        retry_after=wait,
                    )
                if wait > 0:
                    await asyncio.sleep(wait)
                return
        await self.local.acquire(weight, max_wait)

    def pause(self, seconds: float) -> None:
        """Pause every instance: at once here, and through Redis for the others."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        self.local.pause(seconds)
        if self.link.up:
            task = asyncio.get_running_loop().create_task(self._share_pause(seconds))
            self._sharing.add(task)
            task.add_done_callback(self._sharing.discard)

    async def _share_pause(self, seconds: float) -> None:
        with contextlib.suppress(RedisDown):
            await self.link.call(self._pause(keys=self.keys[1:], args=[_us(seconds)]))


# KEYS[1]: sorted set of reservations "<seq>:<weight>", scored by when their tokens come back (µs, Redis
# clock); KEYS[2]: hash {spent, paused_until, seq}. ARGV: weight, capacity, window_us, max_wait_us,
# min_wait_us (the caller's own pause). Returns {admitted 0/1, wait_us}: admitted calls have reserved
# their weight and go after wait_us; the others learn when the next slot would be.
_ACQUIRE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local capacity = tonumber(ARGV[2])
local weight = math.min(tonumber(ARGV[1]), capacity)
local window = tonumber(ARGV[3])
local function weight_of(member)
  return tonumber(string.match(member, ':(.+)$'))
end

local spent = tonumber(redis.call('HGET', KEYS[2], 'spent') or '0')
local back = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #back > 0 then
  for _, member in ipairs(back) do
    spent = spent - weight_of(member)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
end
if spent < 1e-9 or redis.call('ZCARD', KEYS[1]) == 0 then
  spent = 0
end

local paused = tonumber(redis.call('HGET', KEYS[2], 'paused_until') or '0')
local wait = math.max(0, paused - now, tonumber(ARGV[5]))
local excess = spent + weight - capacity
if excess > 0 then
  -- The earliest return after which enough tokens are back.
  local freed, found, offset = 0, false, 0
  while not found do
    local batch = redis.call('ZRANGE', KEYS[1], offset, offset + 99, 'WITHSCORES')
    if #batch == 0 then
      break
    end
    for i = 1, #batch, 2 do
      freed = freed + weight_of(batch[i])
      if freed >= excess - 1e-9 then
        wait = math.max(wait, tonumber(batch[i + 1]) - now)
        found = true
        break
      end
    end
    offset = offset + 100
  end
  if not found then
    wait = math.max(wait, window)
  end
end

if wait > tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[2], 'spent', tostring(spent))
  return {0, math.floor(wait)}
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('ZADD', KEYS[1], string.format('%.0f', now + wait + window), seq .. ':' .. tostring(weight))
redis.call('HSET', KEYS[2], 'spent', tostring(spent + weight))
-- Idle buckets disappear once every token is back.
local ttl = math.ceil((wait + window) / 1000) + 1000
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) < ttl then
    redis.call('PEXPIRE', key, ttl)
  end
end
return {1, math.floor(wait)}
"""

# KEYS[1]: the state hash; ARGV[1]: pause in µs. Extends paused_until, never shortens it.
_PAUSE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local target = now + tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
if target > current then
  redis.call('HSET', KEYS[1], 'paused_until', string.format('%.0f', target))
end
local ttl = math.ceil(tonumber(ARGV[1]) / 1000) + 1000
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
"""
