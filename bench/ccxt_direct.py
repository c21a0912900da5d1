"""The ccxt baseline: the same market-data calls made with ccxt 4.5.90's async API, from Python, concurrently.

    python -m bench.ccxt_direct CONFIG.json  ->  one JSON object on stdout

Each venue is a ccxt async exchange whose `urls["api"]` origins point at the replay server (the path is
kept under /<exchange id>, as the gateway's EXCHANGEQL_UPSTREAM_<ID> does), so ccxt's own HTTP stack
(aiohttp) does the round trips and nothing leaves 127.0.0.1. Markets are set from the recorded unified
markets (tests/fixtures/ccxt-static/markets/<id>.json) so no call loads them. ccxt's client-side rate
limiter is off: it would space calls out and make the baseline slower than ccxt can be.

Config: {"replay": "http://127.0.0.1:P", "calls": [[exchange_id, method, [args...]], ...],
         "mode": "latency" | "burst", "duration_s": S, "warmup": N, "burst": N, "markets_dir": path}
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async


def rewrite(urls: Any, replay: str, exchange_id: str) -> Any:
    """Every absolute URL in ccxt's `urls["api"]` tree, with scheme and host replaced by the replay's."""
    if isinstance(urls, dict):
        return {k: rewrite(v, replay, exchange_id) for k, v in urls.items()}
    if isinstance(urls, str) and urls.startswith(("http://", "https://")):
        parts = urlsplit(urls)
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return f"{replay}/{exchange_id}{rest}"
    return urls


def build(exchange_id: str, replay: str, markets_dir: Path) -> Any:
    exchange = getattr(ccxt_async, exchange_id)({"enableRateLimit": False})
    exchange.urls["api"] = rewrite(exchange.urls["api"], replay, exchange_id)
    markets_file = markets_dir / f"{exchange_id}.json"
    if markets_file.exists():
        exchange.set_markets(list(json.loads(markets_file.read_text()).values()))
    return exchange


async def run(config: dict[str, Any]) -> dict[str, Any]:
    replay: str = config["replay"]
    markets_dir = Path(config["markets_dir"])
    calls: list[tuple[str, str, list[Any]]] = [(c[0], c[1], c[2]) for c in config["calls"]]
    exchanges: dict[str, Any] = {}
    for exchange_id, _, _ in calls:
        if exchange_id not in exchanges:
            exchanges[exchange_id] = build(exchange_id, replay, markets_dir)
    failures: dict[str, str] = {}

    async def call(index: int) -> bool:
        exchange_id, method, args = calls[index]
        try:
            await getattr(exchanges[exchange_id], method)(*args)
        except Exception as exc:
            failures[f"{exchange_id}.{method}"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            return False
        return True

    try:
        if config["mode"] == "burst":
            n = int(config["burst"])
            began = time.perf_counter()
            results = await asyncio.gather(*(call(i) for i in range(len(calls)) for _ in range(n)))
            return {
                "seconds": time.perf_counter() - began,
                "calls": len(results),
                "ok": sum(results),
                "failures": failures,
            }
        for _ in range(int(config.get("warmup", 2))):
            await asyncio.gather(*(call(i) for i in range(len(calls))))
        sequential = bool(config.get("sequential"))

        async def one_round() -> bool:
            if sequential:  # the naive client: each call awaited before the next starts
                return all([await call(i) for i in range(len(calls))])
            return all(await asyncio.gather(*(call(i) for i in range(len(calls)))))

        latencies: list[float] = []
        failed_rounds = 0
        end = time.perf_counter() + float(config["duration_s"])
        while time.perf_counter() < end and len(latencies) < 100_000:
            started = time.perf_counter()
            ok = await one_round()
            latencies.append(time.perf_counter() - started)
            failed_rounds += not ok
        latencies.sort()
        return {
            "rounds": len(latencies),
            "failed_rounds": failed_rounds,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, round(0.99 * len(latencies)) - 1)] * 1000,
            "min_ms": latencies[0] * 1000,
            "max_ms": latencies[-1] * 1000,
            "failures": failures,
        }
    finally:
        await asyncio.gather(*(e.close() for e in exchanges.values()), return_exceptions=True)


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[0]).read_text())
    sys.stdout.write(json.dumps(asyncio.run(run(config))) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
