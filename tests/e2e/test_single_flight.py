"""Single-flight through real processes: the gateway under uvicorn, the replay server as binance.

200 concurrent identical GraphQL requests with a cold cache make exactly one ticker call upstream,
counted by the upstream itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import redis

from ..support import server_process

QUERY = '{ exchange(id: "binance") { ticker(symbol: "BTC/USDT") { last bid ask } } }'


@pytest.fixture(scope="module")
def replay_url() -> Iterator[str]:
    with server_process(["replay", "--latency-ms", "100"], ready_path="/_replay/health") as url:
        yield url


@pytest.mark.parametrize("cache_url", ["memory://", "redis"])
async def test_200_concurrent_cold_requests_make_one_upstream_call(
    replay_url: str, cache_url: str, request: pytest.FixtureRequest
) -> None:
    if cache_url == "redis":
        cache_url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(cache_url).flushdb()  # a cold cache
    async with httpx.AsyncClient(base_url=replay_url) as replay:
        (await replay.post("/_replay/reset")).raise_for_status()
    env = {"EXCHANGEQL_UPSTREAM_BINANCE": replay_url + "/binance", "EXCHANGEQL_CACHE_URL": cache_url}
    with server_process(["serve"], env=env) as gateway:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=gateway, limits=limits, timeout=30) as client:
            responses = await asyncio.gather(
                *(client.post("/graphql", json={"query": QUERY}) for _ in range(200))
            )
    bodies = [r.json() for r in responses]
    assert all(r.status_code == 200 for r in responses)
    assert all("errors" not in b for b in bodies), bodies[0]
    # The recorded binance ticker (ccxt-static response/binance.json, "public spot ticker").
    assert {Decimal(b["data"]["exchange"]["ticker"]["last"]) for b in bodies} == {Decimal("73369.84")}
    async with httpx.AsyncClient(base_url=replay_url) as replay:
        stats = (await replay.get("/_replay/stats")).json()["binance"]
    assert stats["GET /api/v3/ticker/24hr"]["count"] == 1
    assert stats["GET /api/v3/exchangeInfo"]["count"] == 1
