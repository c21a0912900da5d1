"""Every fault kind of the replay server, for every native exchange, through the whole gateway.

The gateway answers HTTP 200 with a typed error for the faulty exchange, the paper exchange in the same
query still answers, nothing hangs past the deadline, and the next request after the fault succeeds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchangeql.exchanges.base import Engine
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.settings import DataKind, RateLimit, Settings
from exchangeql.transport.replay import build_replay_app, default_recordings_dir, replay_transport

from ..support import gateway_client

NATIVE = sorted(spec.id for spec in NATIVE_SPECS.values() if spec.engine is Engine.NATIVE)
DEADLINE_MS = 800
# What the caller sees for each fault: the typed code (a venue error body with HTTP 200 is the venue's own
# error, whose meaning depends on the venue's table: any typed venue-side code is right, INTERNAL never is).
EXPECTED = {
    "429": {"RATE_LIMITED"},
    "418": {"RATE_LIMITED"},
    "500": {"EXCHANGE_UNAVAILABLE"},
    "502": {"EXCHANGE_UNAVAILABLE"},
    "503": {"EXCHANGE_UNAVAILABLE"},
    "504": {"EXCHANGE_UNAVAILABLE"},
    "hang": {"TIMEOUT"},
    "reset": {"EXCHANGE_UNAVAILABLE"},
    "malformed": {"EXCHANGE_UNAVAILABLE"},
    "truncated": {"EXCHANGE_UNAVAILABLE"},
    "html": {"EXCHANGE_UNAVAILABLE"},
    "venue_error": {"EXCHANGE_UNAVAILABLE", "RATE_LIMITED", "BAD_REQUEST", "BAD_SYMBOL"},
}
CANDIDATE_SYMBOLS = ("BTC/USDT", "BTC/USD", "ETH/USDT", "ETH/BTC", "BTC/EUR")


@dataclass
class Rig:
    gateway: httpx.AsyncClient
    replay: httpx.AsyncClient

    async def tickers(self, symbol: str, exchange: str) -> dict[str, Any]:
        query = f'{{ tickers(symbol: "{symbol}", exchanges: ["{exchange}", "paper"]) {{ exchangeId last }} }}'
        response = await self.gateway.post("/graphql", json={"query": query})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    app = build_replay_app(enforce_rate_limit=False)
    transport = replay_transport(app)
    # TTL 0: every query reaches the (faulty) upstream instead of the cache.
    settings = Settings(
        request_deadline_ms=DEADLINE_MS, ttl={kind: 0.0 for kind in DataKind} | {DataKind.MARKETS: 3600.0}
    )
    async with (
        gateway_client(settings, transport_for=lambda _: transport, replay=True) as gateway,
        httpx.AsyncClient(transport=transport, base_url="http://replay.invalid") as replay,
    ):
        yield Rig(gateway, replay)


async def _working_symbol(rig: Rig, exchange: str) -> str:
    for symbol in CANDIDATE_SYMBOLS:
        body = await rig.tickers(symbol, exchange)
        if body["data"]["tickers"][0] is not None:
            return symbol
    raise AssertionError(f"no recorded ticker for {exchange} among {CANDIDATE_SYMBOLS}")


@pytest.mark.parametrize("fault", sorted(EXPECTED))
@pytest.mark.parametrize("exchange", NATIVE)
async def test_fault_gives_a_typed_error_and_the_gateway_recovers(
    rig: Rig, exchange: str, fault: str
) -> None:
    symbol = await _working_symbol(rig, exchange)  # also warms the markets, so the fault hits the ticker
    rule = {"exchange": exchange, "route": "*", "kind": fault, "retry_after": 0.2}
    (await rig.replay.post("/_replay/faults", json=rule)).raise_for_status()

    started = time.monotonic()
    body = await rig.tickers(symbol, exchange)
    elapsed = time.monotonic() - started

    assert elapsed < DEADLINE_MS / 1000 + 0.5, f"{fault} held the request {elapsed:.2f}s"
    tickers = body["data"]["tickers"]
    assert tickers[0] is None
    assert tickers[1]["exchangeId"] == "paper" and tickers[1]["last"]
    [error] = body["errors"]
    assert error["extensions"]["exchange"] == exchange
    assert error["extensions"]["code"] in EXPECTED[fault], (fault, error)
    assert "Traceback" not in json.dumps(body)

    (await rig.replay.delete("/_replay/faults")).raise_for_status()
    await asyncio.sleep(0.25)  # honour the venue's Retry-After, as the gateway does
    healthy = await rig.tickers(symbol, exchange)
    assert healthy["data"]["tickers"][0] is not None, healthy.get("errors")


async def test_ten_times_the_budget_never_earns_a_429(tmp_path: Path) -> None:
    """The replay server enforces binance's limit at 20 weight/s; the gateway is given the same budget
    and offered about ten times that. Its limiter holds: the upstream answers no 429, and callers get
    data or RATE_LIMITED within the deadline."""
    recording = json.loads((default_recordings_dir() / "binance.json").read_text())
    recording["rate_limit"] = {"weight": 20, "per_seconds": 1}
    (tmp_path / "binance.json").write_text(json.dumps(recording))
    transport = replay_transport(build_replay_app(tmp_path, enforce_rate_limit=True))
    budget = RateLimit(20, 1)
    ttl = {kind: 0.0 for kind in DataKind} | {DataKind.MARKETS: 3600.0}  # every ticker query goes upstream
    settings = Settings(request_deadline_ms=1000, ttl=ttl)
    settings = settings.with_exchange("binance", rate_limit=budget)
    query = {"query": '{ exchange(id: "binance") { ticker(symbol: "BTC/USDT") { last } } }'}
    codes: list[str] = []
    async with (
        gateway_client(settings, transport_for=lambda _: transport, replay=True) as gateway,
        httpx.AsyncClient(transport=transport, base_url="http://replay.invalid") as replay,
    ):

        async def one() -> None:
            started = time.monotonic()
            body = (await gateway.post("/graphql", json=query)).json()
            assert time.monotonic() - started < 1.5
            codes.append(body["errors"][0]["extensions"]["code"] if "errors" in body else "OK")

        tasks = []
        offered_from = time.monotonic()
        for _ in range(200):  # ~100 requests/s for 2 s; a ticker weighs 2, so ~10x the 20 weight/s budget
            tasks.append(asyncio.ensure_future(one()))
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        stats = (await replay.get("/_replay/stats")).json()
    elapsed = time.monotonic() - offered_from
    assert stats["rate_limited"] == 0
    assert set(codes) <= {"OK", "RATE_LIMITED"}
    assert len(codes) == 200 and codes.count("OK") >= 10
    # Concurrent identical queries share one upstream call; what reaches the venue stays in budget
    # (10 tickers of weight 2 per second).
    upstream = stats["binance"]["GET /api/v3/ticker/24hr"]["count"]
    assert upstream <= 10 * (elapsed + 1)
