"""Crash tests: a real gateway process (`python -m exchangeql.cli serve`) trading on binance against a local
upstream that records every order it receives, killed with SIGKILL at the dangerous moments, restarted,
and asked again with the same idempotency key. On SQLite and on the real PostgreSQL.

What must hold after every scenario:
- exactly one order per idempotency key reached the venue (counted by the upstream, by client order id);
- no orphan: every order the venue has is an ACKED journal row with its client order id and venue id;
- every journal row is final (ACKED or REJECTED) once the restarted gateway has reconciled.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchangeql.trading.auth import create_token
from exchangeql.trading.journal import FINAL_STATES, Journal, JournalRow, JournalState

from .conftest import Store
from .gateway import CREATE, Gateway
from .upstream import FakeBinance, serving

API_KEY = "crashtestApiKey0123456789abcdefABCDEF0123456789abcdefABCDEF012345"
SECRET = "crashtestSecret0123456789abcdefABCDEF0123456789abcdefABCDEF01234"


def order_input(key: str) -> dict[str, Any]:
    return {
        "account": "main",
        "symbol": "BTC/USDT",
        "side": "BUY",
        "type": "LIMIT",
        "amount": "0.001",
        "price": "20000",
        "idempotencyKey": key,
    }


async def _rows(store: Store) -> list[JournalRow]:
    journal = Journal.open(store.database_url, store.data_dir)
    try:
        await journal.migrate()
        rows = await journal.recent("main", None, 100)
        return rows
    finally:
        await journal.close()


def journal_rows(store: Store) -> list[JournalRow]:
    return asyncio.run(_rows(store))


async def _token(store: Store) -> str:
    journal = Journal.open(store.database_url, store.data_dir)
    try:
        await journal.migrate()
        token, _ = await create_token(journal, "crash", ["trade", "read:account"], ["main"])
        return token
    finally:
        await journal.close()


class Harness:
    def __init__(self, store: Store, venue: FakeBinance, origin: str, logs: Path) -> None:
        self.store = store
        self.venue = venue
        self.origin = origin
        self.logs = logs
        self.token = asyncio.run(_token(store))
        self.started: list[Gateway] = []

    def start(self, **extra: str) -> Gateway:
        env = {
            **self.store.env(),
            "EXCHANGEQL_UPSTREAM_BINANCE": self.origin,
            "EXCHANGEQL_ACCOUNT_MAIN_EXCHANGE": "binance",
            "EXCHANGEQL_ACCOUNT_MAIN_API_KEY": API_KEY,
            "EXCHANGEQL_ACCOUNT_MAIN_SECRET": SECRET,
            "EXCHANGEQL_INSTANCE_ID": "crash-test",
            "EXCHANGEQL_REQUEST_DEADLINE_MS": "4000",
            **extra,
        }
        gateway = Gateway(env, self.logs / f"gateway-{len(self.started)}.log")
        self.started.append(gateway)
        return gateway.wait_ready()

    def create(self, gateway: Gateway, key: str) -> dict[str, Any]:
        return gateway.graphql(self.token, CREATE, input=order_input(key))

    def assert_settled(self, keys: list[str]) -> list[JournalRow]:
        """One venue order per key, no orphan, every row final."""
        rows = journal_rows(self.store)
        assert {r.idempotency_key for r in rows} == set(keys)
        assert all(r.state in FINAL_STATES for r in rows), [(r.idempotency_key, r.state) for r in rows]
        by_key = {r.idempotency_key: r for r in rows}
        for key in keys:  # the venue keeps orders by client order id: one entry is one order
            assert by_key[key].client_order_id in self.venue.orders, key
        acked = {r.client_order_id: r for r in rows if r.state is JournalState.ACKED}
        venue_orders = self.venue.orders
        assert set(venue_orders) == set(acked), "orphan: the venue has an order the journal does not"
        for client_order_id, order in venue_orders.items():
            assert acked[client_order_id].order_id == order["orderId"]
        return rows


@pytest.fixture
def harness(store: Store, tmp_path: Path) -> Iterator[Harness]:
    venue = FakeBinance(API_KEY, SECRET)
    with serving(venue) as origin:
        h = Harness(store, venue, origin, tmp_path)
        try:
            yield h
        finally:
            for gateway in h.started:
                gateway.stop()


def test_killed_between_journal_write_and_send(harness: Harness) -> None:
    gateway = harness.start(EXCHANGEQL_TEST_CRASH_AFTER="journal_write")
    with pytest.raises(httpx.HTTPError):  # the process dies while the request is open
        harness.create(gateway, "key-journal-write")
    assert gateway.wait() == 137
    assert harness.venue.received == []  # nothing left the gateway
    (row,) = journal_rows(harness.store)
    assert row.state is JournalState.PENDING_SEND

    gateway = harness.start()  # reconciles before it serves
    (row,) = journal_rows(harness.store)
    assert (row.state, row.error_code) == (JournalState.REJECTED, "NOT_SENT")

    first = harness.create(gateway, "key-journal-write")["data"]["createOrder"]
    assert harness.venue.client_order_ids() == [row.client_order_id]
    again = harness.create(gateway, "key-journal-write")["data"]["createOrder"]
    assert first["journalState"] == "ACKED" and first["status"] == "OPEN"
    assert again == first
    assert first["clientOrderId"] == row.client_order_id  # sent under the id journaled before the crash
    (row,) = harness.assert_settled(["key-journal-write"])
    assert row.attempts == 2


def test_killed_while_the_venue_holds_the_answer(harness: Harness) -> None:
    harness.venue.new_order = "hang"  # takes the order, never answers
    gateway = harness.start()
    errors: list[BaseException] = []

    def place() -> None:
        try:
            harness.create(gateway, "key-hang")
        except httpx.HTTPError as error:
            errors.append(error)

    caller = threading.Thread(target=place)
    caller.start()
    harness.venue.wait_received(1)
    assert gateway.kill() == -9
    caller.join(timeout=10)
    assert errors, "the caller's connection should have died with the gateway"
    (row,) = journal_rows(harness.store)
    assert row.state is JournalState.SENT  # the venue has it; the journal cannot know yet

    harness.venue.new_order = "ok"
    gateway = harness.start()
    (row,) = journal_rows(harness.store)
    assert row.state is JournalState.ACKED  # found by its client order id during start-up

    again = harness.create(gateway, "key-hang")["data"]["createOrder"]
    assert (again["id"], again["journalState"]) == (row.order_id, "ACKED")
    assert harness.venue.client_order_ids() == [row.client_order_id]  # asked once, never resent
    harness.assert_settled(["key-hang"])


def test_killed_after_a_503_left_the_outcome_unknown(harness: Harness) -> None:
    harness.venue.new_order = "503_after_take"  # takes the order, then answers 503
    harness.venue.lookup = "503"  # and cannot be asked about it for now
    gateway = harness.start()
    answer = harness.create(gateway, "key-503")["data"]["createOrder"]
    assert (answer["journalState"], answer["id"], answer["status"]) == ("UNKNOWN", None, None)
    assert gateway.kill() == -9

    harness.venue.lookup = "ok"
    gateway = harness.start()
    (row,) = journal_rows(harness.store)
    assert row.state is JournalState.ACKED

    again = harness.create(gateway, "key-503")["data"]["createOrder"]
    assert (again["id"], again["journalState"], again["clientOrderId"]) == (
        row.order_id,
        "ACKED",
        answer["clientOrderId"],
    )
    assert harness.venue.client_order_ids() == [row.client_order_id]
    harness.assert_settled(["key-503"])


def test_a_503_before_the_venue_took_it_is_settled_absent_then_sent_once(harness: Harness) -> None:
    """The venue never took it: the lookup says so, but only after Binance's recvWindow (plus clock skew)
    has passed can no late copy appear; then the same key sends it, once."""
    harness.venue.new_order = "503_before_take"
    gateway = harness.start()
    answer = harness.create(gateway, "key-absent")["data"]["createOrder"]
    assert answer["journalState"] == "UNKNOWN"
    assert gateway.kill() == -9

    harness.venue.new_order = "ok"
    gateway = harness.start()  # start-up waits out the window, then settles the row
    (row,) = journal_rows(harness.store)
    assert (row.state, row.error_code) == (JournalState.REJECTED, "NOT_PLACED")
    again = harness.create(gateway, "key-absent")["data"]["createOrder"]
    assert again["journalState"] == "ACKED"
    # Two requests reached the upstream, one order exists: the first request was refused before it was taken.
    assert harness.venue.client_order_ids() == [row.client_order_id, row.client_order_id]
    (row,) = harness.assert_settled(["key-absent"])
    assert (row.state, row.attempts) == (JournalState.ACKED, 2)
