"""The fallback load generator, an async httpx client in its own process (used when wrk is missing).

    python -m bench.loadgen CONFIG.json   ->  one JSON object on stdout

Config: {"url", "method": "POST"|"GET", "bodies": [str, ...], "headers": {...}, "connections": C,
         "duration_s": S, "count": N | null, "burst": N | null, "max_s": hard cap}.
- load mode: C connections, each sends its next request when the previous answer is read (closed loop),
  until `duration_s` passed or `count` answers arrived.
- burst mode: N requests started at the same moment, each on its own connection; reports every status
  and how many distinct bodies came back (identical queries must get identical answers).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx


UNIQUE = b"__N__"


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


async def load(config: dict[str, Any]) -> dict[str, Any]:
    url: str = config["url"]
    method: str = config.get("method", "POST")
    bodies = [b.encode() for b in config.get("bodies") or [""]]
    headers = {"content-type": "application/json", **config.get("headers", {})}
    connections = int(config["connections"])
    duration_s = float(config["duration_s"])
    count = config.get("count")
    hard_stop = time.perf_counter() + float(config.get("max_s", duration_s + 60))
    latencies: list[float] = []
    errors = 0
    non2xx = 0
    sent = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30.0, trust_env=False) as client:
        began = time.perf_counter()
        end = began + duration_s

        async def worker() -> None:
            nonlocal errors, non2xx, sent
            while True:
                now = time.perf_counter()
                if now >= end or now >= hard_stop or (count is not None and sent >= count):
                    return
                body = bodies[sent % len(bodies)]
                sent += 1
                if UNIQUE in body:  # a distinct body per request (defeats response caching)
                    body = body.replace(UNIQUE, str(sent).encode())
                started = time.perf_counter()
                try:
                    response = await client.request(method, url, content=body or None, headers=headers)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if not 200 <= response.status_code < 400:
                    non2xx += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        seconds = time.perf_counter() - began
    latencies.sort()
    return {
        "tool": "httpx",
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p90_ms": percentile(latencies, 90) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": errors,
        "non2xx": non2xx,
    }


async def burst(config: dict[str, Any]) -> dict[str, Any]:
    """N identical requests at once, each on its own connection (no pool queueing on our side)."""
    url: str = config["url"]
    body = (config.get("bodies") or [""])[0].encode()
    headers = {"content-type": "application/json", **config.get("headers", {})}
    n = int(config["burst"])
    max_s = float(config.get("max_s", 60))
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    gate = asyncio.Event()
    async with httpx.AsyncClient(limits=limits, timeout=max_s, trust_env=False) as client:

        async def one() -> tuple[int, bytes, float]:
            await gate.wait()
            started = time.perf_counter()
            response = await client.post(url, content=body, headers=headers)
            return response.status_code, response.content, time.perf_counter() - started

        tasks = [asyncio.ensure_future(one()) for _ in range(n)]
        await asyncio.sleep(0)  # every task is now waiting at the gate
        began = time.perf_counter()
        gate.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), max_s)
        seconds = time.perf_counter() - began
    statuses: dict[str, int] = {}
    bodies: dict[bytes, int] = {}
    latencies: list[float] = []
    for result in results:
        if isinstance(result, BaseException):
            key = type(result).__name__
            statuses[key] = statuses.get(key, 0) + 1
            continue
        status, content, latency = result
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        bodies[content] = bodies.get(content, 0) + 1
        latencies.append(latency)
    latencies.sort()
    with_errors = sum(c for b, c in bodies.items() if b'"errors"' in b)
    return {
        "tool": "httpx",
        "requests": n,
        "seconds": seconds,
        "statuses": statuses,
        "distinct_bodies": len(bodies),
        "answers_with_errors": with_errors,
        "sample_body": next(iter(bodies), b"").decode(errors="replace")[:2000],
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
    }


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        config = json.load(handle)
    job = burst(config) if config.get("burst") else load(config)
    try:
        import uvloop  # the faster loop when installed (it comes with ccxt)
    except ImportError:
        result = asyncio.run(job)
    else:
        result = uvloop.run(job)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
