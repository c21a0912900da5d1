"""The load generator's own process, on plain asyncio streams: the fallback when wrk is missing, and the
burst of scenario 3 in every case.

    python -m bench.loadgen CONFIG.json   ->  one JSON object on stdout

Config: {"url", "method": "POST"|"GET", "bodies": [str, ...], "headers": {...}, "connections": C,
         "duration_s": S, "count": N | null, "burst": N | null, "max_s": hard cap}.
- load mode: C connections, each sends its next request when the previous answer is read (closed loop),
  until `duration_s` passed or `count` answers arrived.
- burst mode: N requests started at the same moment, each on its own already open connection; reports
  every status and how many distinct bodies came back (identical queries must get identical answers).
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


def _request(method: str, url: httpx.URL, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {url.raw_path.decode()} HTTP/1.1", f"Host: {url.host}:{url.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def load(config: dict[str, Any]) -> dict[str, Any]:
    """Closed loop on C keep-alive connections, HTTP/1.1 written and read by hand: a full client library
    in one Python process tops out near 1,000 requests/s and would measure itself, not the server."""
    url = httpx.URL(config["url"])
    method: str = config.get("method", "POST")
    bodies = [b.encode() for b in config.get("bodies") or [""]]
    headers = {"Content-Type": "application/json", **config.get("headers", {})}
    prebuilt = [_request(method, url, headers, b) if UNIQUE not in b else b"" for b in bodies]
    connections = int(config["connections"])
    duration_s = float(config["duration_s"])
    count = config.get("count")
    hard_stop = time.perf_counter() + float(config.get("max_s", duration_s + 60))
    latencies: list[float] = []
    errors = 0
    non2xx = 0
    sent = 0
    began = time.perf_counter()
    end = began + duration_s

    async def worker() -> None:
        nonlocal errors, non2xx, sent
        stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                now = time.perf_counter()
                if now >= end or now >= hard_stop or (count is not None and sent >= count):
                    return
                index = sent % len(bodies)
                sent += 1
                request = prebuilt[index]
                if not request:  # a distinct body per request (defeats response caching)
                    body = bodies[index].replace(UNIQUE, str(sent).encode())
                    request = _request(method, url, headers, body)
                if stream is None:
                    stream = await asyncio.open_connection(url.host, url.port)
                try:
                    status, _, latency, keep = await asyncio.wait_for(_exchange(*stream, request), 30)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    stream[1].close()
                    stream = None
                    continue
                latencies.append(latency)
                if not 200 <= status < 400:
                    non2xx += 1
                if not keep:
                    stream[1].close()
                    stream = None
        finally:
            if stream is not None:
                stream[1].close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    seconds = time.perf_counter() - began
    latencies.sort()
    return {
        "tool": "python",
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p90_ms": percentile(latencies, 90) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": errors,
        "non2xx": non2xx,
    }


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes, float, bool]:
    """One HTTP/1.1 request on an open connection; the answer read by its Content-Length.
    Returns status, body, latency and whether the server keeps the connection open."""
    started = time.perf_counter()
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length: int | None = None
    keep = True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    if length is None:
        raise ValueError("answer without Content-Length")
    content = await reader.readexactly(length)
    return status, content, time.perf_counter() - started, keep


async def burst(config: dict[str, Any]) -> dict[str, Any]:
    """N identical requests at once, each on its own connection, all connections opened first.

    Plain asyncio streams: a client library's pool of 1,000 connections would spend seconds on its own
    bookkeeping and the figure would measure the client, not the server."""
    url = httpx.URL(config["url"])
    body = (config.get("bodies") or [""])[0].encode()
    n = int(config["burst"])
    max_s = float(config.get("max_s", 60))
    request = _request("POST", url, {"Content-Type": "application/json"}, body)
    connections = [await asyncio.open_connection(url.host, url.port) for _ in range(n)]
    began = time.perf_counter()
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(_exchange(r, w, request) for r, w in connections), return_exceptions=True), max_s
        )
    finally:
        for _, writer in connections:
            writer.close()
    seconds = time.perf_counter() - began
    statuses: dict[str, int] = {}
    bodies: dict[bytes, int] = {}
    latencies: list[float] = []
    for result in results:
        if isinstance(result, BaseException):
            key = type(result).__name__
            statuses[key] = statuses.get(key, 0) + 1
            continue
        status, content, latency, _ = result
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        bodies[content] = bodies.get(content, 0) + 1
        latencies.append(latency)
    latencies.sort()
    with_errors = sum(c for b, c in bodies.items() if b'"errors"' in b)
    return {
        "tool": "python",
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
