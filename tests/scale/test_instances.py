"""Several gateway processes on one Redis, against the replay server as binance (see tests/scale/__init__.py).

- one cold key, 200 concurrent callers over two instances: one upstream call;
- three instances at ten times binance's budget: the venue never sees it exceeded (no 429 at all), callers
  get data or RATE_LIMITED within their deadline;
- Redis stopped and restarted under load: nothing fails, /readyz and /metrics say degraded, then healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import statistics
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal

import httpx
import pytest
import redis

from ..conftest import free_port
from ..support import server_process
from . import (
    BUDGET,
    Outcome,
    ask,
    clients,
    gateway_env,
    metric,
    open_loop,
    redis_server,
    replay_control,
    scale_redis_url,
    write_recordings,
)

TICKER = '{ exchange(id: "binance") { ticker(symbol: "BTC/USDT") { last } } }'
MARKETS = '{ exchange(id: "binance") { market(symbol: "BTC/USDT") { symbol } } }'
KLINES_WEIGHT = 2  # binance GET /api/v3/klines (exchanges/binance/constants.py, and the recording)
CALLS = 'exchangeql_upstream_calls_total{exchange="binance"}'


def candles(limit: int) -> str:
    """A distinct cache key per limit: every one is its own upstream call."""
    fields = f'candles(symbol: "BTC/USDT", timeframe: "1h", limit: {limit}) {{ close }}'
    return f'{{ exchange(id: "binance") {{ {fields} }} }}'


@pytest.fixture(scope="module")
def replay_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    recordings = write_recordings(tmp_path_factory.mktemp("recordings"))
    args = ["replay", "--latency-ms", "200", "--recordings", str(recordings)]
    with server_process(args, ready_path="/_replay/health") as url:
        yield url


@pytest.fixture
def cold_redis(redis_url: str) -> Iterator[str]:
    """The shared Redis, cold: a key namespace of this test's own (its keys deleted afterwards)."""
    namespace = f"scale-{secrets.token_hex(6)}"
    yield scale_redis_url(namespace)
    with redis.Redis.from_url(scale_redis_url()) as client:
        for key in client.scan_iter(f"{namespace}:*"):
            client.delete(key)


@contextlib.contextmanager
def gateways(count: int, env: dict[str, str]) -> Iterator[list[str]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(server_process(["serve"], env=env)) for _ in range(count)]


async def test_two_instances_fetch_a_cold_key_once(replay_url: str, cold_redis: str) -> None:
    await replay_control(replay_url, "reset")
    with gateways(2, gateway_env(replay_url, cold_redis, EXCHANGEQL_INSTANCES="2")) as bases:
        async with clients(bases) as pool:
            started = time.monotonic()
            outcomes = await asyncio.gather(*(ask(pool, i % 2, TICKER) for i in range(200)))
            took = time.monotonic() - started
        calls = [await metric(base, CALLS) for base in bases]
    assert all(o.status == 200 and not o.codes for o in outcomes), outcomes[0]
    assert {o.instance for o in outcomes} == {0, 1}
    # The recorded binance ticker (ccxt-static response/binance.json, "public spot ticker").
    assert {Decimal(o.data["exchange"]["ticker"]["last"]) for o in outcomes} == {Decimal("73369.84")}
    binance = (await replay_control(replay_url))["binance"]
    assert binance["GET /api/v3/ticker/24hr"]["count"] == 1
    assert binance["GET /api/v3/exchangeInfo"]["count"] == 1
    assert sorted(calls) == [0, 2]  # one instance made both calls; the other waited for them
    print(f"\n200 cold requests, 2 instances, {took:.2f}s: ticker 1, exchangeInfo 1; per instance {calls}")


async def test_three_instances_stay_within_one_budget(replay_url: str, cold_redis: str) -> None:
    deadline_s = 2.0
    env = gateway_env(
        replay_url,
        cold_redis,
        EXCHANGEQL_INSTANCES="3",
        EXCHANGEQL_TTL_OHLCV="0",
        EXCHANGEQL_TTL_TICKER="0",
        EXCHANGEQL_REQUEST_DEADLINE_MS=str(int(deadline_s * 1000)),
    )
    with gateways(3, env) as bases:
        async with clients(bases) as pool:
            # Warm up outside the measured load: markets (exchangeInfo weighs 20), then each instance's
            # connections to the venue; then let the tokens come back.
            for i in range(3):
                assert not (await ask(pool, i, MARKETS)).codes
            for i in range(3):
                assert not (await ask(pool, i, candles(900 + i))).codes
            await asyncio.sleep(1.35)
            await replay_control(replay_url, "reset")
            # A slot granted near the deadline leaves the call 0.25 s (VenueClient): faster than that here.
            await replay_control(replay_url, "config", latency_ms=50)
            # Ten times the budget: BUDGET weight/s is BUDGET / 2 klines calls/s; ask for 10x that.
            rate = 10 * BUDGET / KLINES_WEIGHT
            load_s = 2.5
            started = time.monotonic()
            try:
                outcomes = await open_loop(pool, [candles(n) for n in range(1, int(rate * load_s) + 1)], rate)
            finally:
                await replay_control(replay_url, "config", latency_ms=200)
            took = time.monotonic() - started
        calls = [await metric(base, CALLS) for base in bases]
    stats = await replay_control(replay_url)
    klines = stats["binance"]["GET /api/v3/klines"]
    answered = [o for o in outcomes if not o.codes]
    limited = [o for o in outcomes if o.codes == ("RATE_LIMITED",)]
    # The venue's own sliding-window counter: nothing over budget, so it never answered 429.
    assert stats["rate_limited"] == 0
    assert "429" not in klines
    assert klines["count"] == klines["200"] == len(answered), {o.codes for o in outcomes}
    # Callers: data or RATE_LIMITED, never anything else, and within their deadline.
    assert all(o.status == 200 for o in outcomes)
    assert len(answered) + len(limited) == len(outcomes), {o.codes for o in outcomes}
    assert all(len(o.data["exchange"]["candles"]) > 0 for o in answered)
    slowest = max(o.elapsed for o in outcomes)
    assert slowest < deadline_s + 0.5
    # The load was over budget, and the budget was used: at least 70% of it while the load lasted.
    span = max(o.started + o.elapsed for o in answered) - min(o.started for o in answered)
    used = len(answered) * KLINES_WEIGHT
    assert limited
    assert used <= BUDGET * (span + 1)
    assert used >= 0.7 * BUDGET * load_s
    assert sum(calls) == len(answered) + 4  # and the warm-up: one exchangeInfo, three klines
    print(
        f"\n3 instances, {len(outcomes)} requests in {took:.2f}s ({rate:.0f}/s = 10x budget {BUDGET}/s): "
        f"{len(answered)} answered ({used} weight in {span:.2f}s = {used / span:.1f}/s, calls {calls}), "
        f"{len(limited)} RATE_LIMITED, upstream 429s {stats['rate_limited']}, "
        f"slowest {slowest:.2f}s (deadline {deadline_s:.1f}s)"
    )


async def test_redis_stopped_and_restarted_under_load(replay_url: str) -> None:
    port = free_port()
    cache_url = f"redis://127.0.0.1:{port}/0"
    await replay_control(replay_url, "reset")
    # Few keys: refetching them alone (memory caches start empty) fits each instance's share of the budget.
    queries = [TICKER, *(candles(n) for n in range(1, 4))]
    outcomes: list[Outcome] = []
    stop = asyncio.Event()

    async def load(pool: Sequence[httpx.AsyncClient]) -> None:
        i = 0
        running: list[asyncio.Task[Outcome]] = []
        while not stop.is_set():
            running.append(asyncio.ensure_future(ask(pool, i % 2, queries[i % len(queries)])))
            i += 1
            await asyncio.sleep(1 / 40)
        outcomes.extend(await asyncio.gather(*running))

    async def readiness(pool: Sequence[httpx.AsyncClient]) -> list[str]:
        answers = [await client.get("/readyz") for client in pool]
        assert all(a.status_code == 200 for a in answers)
        return [a.json()["status"] for a in answers]

    async def until(pool: Sequence[httpx.AsyncClient], status: str, limit_s: float) -> float:
        started = time.monotonic()
        while await readiness(pool) != [status] * len(pool):
            assert time.monotonic() - started < limit_s, f"not {status} after {limit_s}s"
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    with contextlib.ExitStack() as redis_stack:
        redis_stack.enter_context(redis_server(port))
        with gateways(2, gateway_env(replay_url, cache_url, EXCHANGEQL_INSTANCES="2")) as bases:
            async with clients(bases) as pool:
                assert await readiness(pool) == ["ready", "ready"]
                driver = asyncio.ensure_future(load(pool))
                await asyncio.sleep(1.5)
                stopped_at = time.monotonic()
                await asyncio.to_thread(redis_stack.close)  # stop Redis by PID
                to_degraded = await until(pool, "degraded", 3)
                flags = [
                    await metric(b, "exchangeql_cache_degraded")
                    + await metric(b, "exchangeql_ratelimit_degraded")
                    for b in bases
                ]
                await asyncio.sleep(1.5)
                restarted_at = time.monotonic()
                await asyncio.to_thread(redis_stack.enter_context, redis_server(port))
                to_ready = await until(pool, "ready", 3)
                await asyncio.sleep(1.0)
                stop.set()
                await driver
            outages = [await metric(b, "exchangeql_redis_outages_total") for b in bases]
            healthy_flags = [await metric(b, "exchangeql_cache_degraded") for b in bases]
    assert flags == [2, 2]  # both flags on each instance while Redis was down
    assert healthy_flags == [0, 0]
    assert outages == [1, 1]
    codes = {code for o in outcomes for code in o.codes}
    assert "INTERNAL" not in codes
    assert all(o.status == 200 for o in outcomes)
    during = [o for o in outcomes if stopped_at <= o.started < restarted_at]
    assert len(during) >= 40
    answered = sum(1 for o in outcomes if not o.codes)
    # Served alone while Redis was down, without waiting on it.
    assert all(not o.codes for o in during), {o.codes for o in during}
    worst = max(o.elapsed for o in during)
    assert worst < 1.0
    median = statistics.median(o.elapsed for o in during)
    print(
        f"\nRedis restarted in load: {len(outcomes)} requests, {answered} with data, codes {codes or '-'}; "
        f"degraded {to_degraded:.2f}s after stop, ready {to_ready:.2f}s after restart; "
        f"{len(during)} requests in the outage: median {median:.3f}s, slowest {worst:.3f}s"
    )
