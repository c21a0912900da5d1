"""A gateway serving native exchanges never imports ccxt, even with the ccxt extra installed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    import httpx
    from exchangeql.app import build_app
    from exchangeql.settings import Settings

    async def main():
        app = build_app(Settings(), replay=True)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                query = '{ tickers(symbol: "BTC/USDT", exchanges: ["binance", "paper"]) { last } }'
                for _ in range(200):
                    body = (await client.post("/graphql", json={"query": query})).json()
                    assert "errors" not in body, body
                listed = (await client.post("/graphql", json={"query": "{ exchanges { id engine } }"})).json()
        engines = {e["engine"] for e in listed["data"]["exchanges"]}
        # the peak RSS of this process's own memory (ru_maxrss may carry the forking parent's peak)
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        rss = int(status["VmHWM"].split()[0]) // 1024
        result = {"ccxt": "ccxt" in sys.modules, "engines": sorted(filter(None, engines)), "rss": rss}
        print(json.dumps(result))

    asyncio.run(main())
    """
)


def test_native_only_traffic_never_imports_ccxt() -> None:
    command = [sys.executable, "-c", SCRIPT]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "CCXT" in result["engines"]  # ccxt-engine exchanges are listed (the extra is installed) ...
    assert result["ccxt"] is False  # ... yet ccxt was never imported
    assert result["rss"] < 80  # MiB; importing ccxt alone costs about 100
