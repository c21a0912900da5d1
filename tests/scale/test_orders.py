"""No order is sent twice by two gateway processes sharing one PostgreSQL journal, before, during and after
an outage of their Redis: the journal (not Redis) decides which instance sends an idempotency key.

The venue is the trading tests' local Binance upstream (tests/trading/upstream.py), which records every
order request it receives; the journal is the real PostgreSQL at 127.0.0.1:5432, in a schema of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest

from exchangeql.trading.auth import create_token
from exchangeql.trading.journal import Journal

from ..conftest import POSTGRES_URL, _port_open, free_port
from ..support import server_process
from ..trading.gateway import CREATE
from ..trading.upstream import FakeBinance, serving
from . import redis_server

API_KEY = "scaleTestApiKey0123456789abcdefABCDEF0123456789abcdefABCDEF012345"
SECRET = "scaleTestSecret0123456789abcdefABCDEF0123456789abcdefABCDEF01234"


@pytest.fixture
def journal_url() -> Iterator[str]:
    """The real PostgreSQL, search_path set to a fresh schema (dropped afterwards)."""
    if not _port_open("127.0.0.1", 5432):
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)")
    schema = f"eql_scale_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def _token(journal_url: str, data_dir: Path) -> str:
    journal = Journal.open(journal_url, data_dir)
    try:
        await journal.migrate()
        token, _ = await create_token(journal, "scale", ["trade"], ["main"])
        return token
    finally:
        await journal.close()


def _order(key: str) -> dict[str, Any]:
    return {
        "account": "main",
        "symbol": "BTC/USDT",
        "side": "BUY",
        "type": "LIMIT",
        "amount": "0.001",
        "price": "20000",
        "idempotencyKey": key,
    }


async def test_no_order_is_sent_twice_across_instances_while_redis_restarts(
    journal_url: str, tmp_path: Path
) -> None:
    venue = FakeBinance(API_KEY, SECRET)
    venue.delay_s = 0.3  # both instances ask while the first send is still out
    port = free_port()
    token = await _token(journal_url, tmp_path)
    answers: dict[str, list[dict[str, Any]]] = {}

    async def place(pool: list[httpx.AsyncClient], keys: list[str]) -> None:
        """Each key through both instances at once."""
        requests = [
            client.post("/graphql", json={"query": CREATE, "variables": {"input": _order(key)}})
            for key in keys
            for client in pool
        ]
        for key, response in zip(
            [k for k in keys for _ in pool], await asyncio.gather(*requests), strict=True
        ):
            answers.setdefault(key, []).append(response.raise_for_status().json())

    async def status(pool: list[httpx.AsyncClient]) -> list[str]:
        return [(await client.get("/readyz")).json()["status"] for client in pool]

    with serving(venue) as origin, contextlib.ExitStack() as redis_stack, contextlib.ExitStack() as stack:
        redis_stack.enter_context(redis_server(port))
        common = {
            "EXCHANGEQL_DATA_DIR": str(tmp_path),
            "EXCHANGEQL_DATABASE_URL": journal_url,
            "EXCHANGEQL_UPSTREAM_BINANCE": origin,
            "EXCHANGEQL_ACCOUNT_MAIN_EXCHANGE": "binance",
            "EXCHANGEQL_ACCOUNT_MAIN_API_KEY": API_KEY,
            "EXCHANGEQL_ACCOUNT_MAIN_SECRET": SECRET,
            "EXCHANGEQL_CACHE_URL": f"redis://127.0.0.1:{port}/0",
            "EXCHANGEQL_INSTANCES": "2",
        }
        bases = [
            stack.enter_context(server_process(["serve"], env={**common, "EXCHANGEQL_INSTANCE_ID": name}))
            for name in ("scale-a", "scale-b")
        ]
        headers = {"authorization": f"Bearer {token}"}
        async with contextlib.AsyncExitStack() as clients:
            pool = [
                await clients.enter_async_context(httpx.AsyncClient(base_url=b, headers=headers, timeout=15))
                for b in bases
            ]
            await place(pool, ["before-1", "before-2"])
            await asyncio.to_thread(redis_stack.close)  # stop Redis by PID
            for _ in range(60):
                if await status(pool) == ["degraded", "degraded"]:
                    break
                await asyncio.sleep(0.05)
            assert await status(pool) == ["degraded", "degraded"]
            await place(pool, ["during-1", "during-2"])
            await asyncio.to_thread(redis_stack.enter_context, redis_server(port))
            for _ in range(60):
                if await status(pool) == ["ready", "ready"]:
                    break
                await asyncio.sleep(0.05)
            assert await status(pool) == ["ready", "ready"]
            await place(pool, ["after-1", "after-2"])

    assert all("errors" not in a for both in answers.values() for a in both), answers
    # Both instances answer each key with the same order; the venue received one order per key.
    orders = {key: {a["data"]["createOrder"]["id"] for a in both} for key, both in answers.items()}
    assert all(len(ids) == 1 for ids in orders.values()), orders
    assert len({next(iter(ids)) for ids in orders.values()}) == 6
    sent = venue.client_order_ids()
    assert len(sent) == len(set(sent)) == 6
    client_ids = {a["data"]["createOrder"]["clientOrderId"] for both in answers.values() for a in both}
    assert client_ids == set(sent)
