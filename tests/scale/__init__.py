"""Scale-out tests: several gateway instances on one Redis, against the replay server as binance.

Everything runs on 127.0.0.1 as real processes: gateways (`exchangeql serve`), the replay server
(`exchangeql replay`), the shared Redis at 6379 (database SCALE_DB; a test that needs it cold takes a fresh
key namespace there, so two runs of these tests at once cannot flush or share each other's state) and, for
outage tests, a Redis of the test's own on another port. Every process is stopped by its PID.

The replay server serves the bundled recording src/exchangeql/data/replay/binance.json, copied unchanged
except for its `rate_limit`: a small sliding budget (BUDGET per second) that the test gateways are given
too, so a test can drive load far over it in a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import redis

from ..conftest import REDIS_URL
from ..support import stop_process

SCALE_DB = 11  # the scale tests' own database on the shared Redis (tests/conftest.py uses 15)
BUDGET = (
    20  # binance request weight per second, for the replay server and the gateways alike (exchangeInfo: 20)
)


def scale_redis_url(namespace: str | None = None, db: int = SCALE_DB) -> str:
    parts = urlsplit(REDIS_URL)
    query = f"namespace={namespace}" if namespace else ""
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", query, ""))


def write_recordings(directory: Path, budget: float = BUDGET, per_seconds: float = 1) -> Path:
    """The bundled binance recording with a small sliding-window budget, as the replay server's only venue."""
    recording = json.loads((files("exchangeql") / "data" / "replay" / "binance.json").read_text("utf-8"))
    recording["rate_limit"] = {"weight": budget, "per_seconds": per_seconds, "window": "sliding"}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "binance.json").write_text(json.dumps(recording), encoding="utf-8")
    return directory


def gateway_env(replay_url: str, cache_url: str, **extra: str) -> dict[str, str]:
    return {
        "EXCHANGEQL_UPSTREAM_BINANCE": replay_url + "/binance",
        "EXCHANGEQL_CACHE_URL": cache_url,
        "EXCHANGEQL_EXCHANGE_BINANCE_RATE_LIMIT": f"{BUDGET}/1",
        **extra,
    }


@contextlib.contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of the test's own on `port`, without persistence; stopped by PID."""
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, socket_timeout=0.2, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 5
        while True:
            try:
                if client.ping():
                    break
            except redis.RedisError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {port} did not start")
            time.sleep(0.02)
        client.close()
        yield process
    finally:
        stop_process(process)


@dataclass(frozen=True, slots=True)
class Outcome:
    instance: int
    status: int
    data: Any  # the answer's "data" (None on errors)
    codes: tuple[str, ...]  # extensions.code of each error
    started: float  # monotonic, client side
    elapsed: float


@contextlib.asynccontextmanager
async def clients(bases: Sequence[str]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per instance: small connection pools keep the test's own CPU use low."""
    async with contextlib.AsyncExitStack() as stack:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        yield [
            await stack.enter_async_context(httpx.AsyncClient(base_url=base, limits=limits, timeout=30))
            for base in bases
        ]


async def ask(pool: Sequence[httpx.AsyncClient], instance: int, query: str) -> Outcome:
    started = time.monotonic()
    response = await pool[instance].post("/graphql", json={"query": query})
    elapsed = time.monotonic() - started
    body = response.json()
    codes = tuple(e["extensions"]["code"] for e in body.get("errors") or [])
    return Outcome(instance, response.status_code, body.get("data"), codes, started, elapsed)


async def open_loop(pool: Sequence[httpx.AsyncClient], queries: Sequence[str], rate: float) -> list[Outcome]:
    """Send `queries` at `rate` per second, round robin over the instances, without waiting for answers."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i, query in enumerate(queries):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(ask(pool, i % len(pool), query)))
    return list(await asyncio.gather(*tasks))


async def replay_control(replay_url: str, action: str = "stats", **body: Any) -> dict[str, Any]:
    """GET /_replay/stats, or POST /_replay/<action> (reset; config with latency_ms=...)."""
    async with httpx.AsyncClient(base_url=replay_url) as client:
        if action == "stats":
            response = await client.get("/_replay/stats")
        else:
            response = await client.post(f"/_replay/{action}", json=body or None)
    body: dict[str, Any] = response.raise_for_status().json()
    return body


async def metric(base: str, name: str) -> float:
    """One sample of /metrics: `name` is the metric with its labels, as written in the text format."""
    async with httpx.AsyncClient(base_url=base) as client:
        text = (await client.get("/metrics")).raise_for_status().text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rpartition(" ")[2])
    raise AssertionError(f"{name} not in {base}/metrics")
