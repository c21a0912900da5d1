"""The journal on SQLite and on the real PostgreSQL: migrations, the claim, conditional transitions across
connections (two gateway instances), fixed accounts, tokens stored as hashes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import pytest

from exchangeql.models import Fee, Order, OrderStatus, OrderType, Side
from exchangeql.settings import Settings, SettingsError
from exchangeql.trading.auth import create_token, hash_token
from exchangeql.trading.journal import Journal, JournalRow, JournalState, order_from_json, order_to_json
from exchangeql.trading.runtime import open_trading

from .conftest import Store


def row(
    key: str, client_order_id: str | None = None, state: JournalState = JournalState.PENDING_SEND
) -> JournalRow:
    return JournalRow(
        account="main",
        idempotency_key=key,
        client_order_id=client_order_id or f"cid-{key}",
        params_hash="h",
        exchange_id="binance",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=Decimal("0.00100"),
        price=Decimal("20000.01"),
        time_in_force=None,
        state=state,
        owner="a",
        created_at=1,
        updated_at=1,
    )


async def _journals(store: Store, count: int) -> list[Journal]:
    journals = [Journal.open(store.database_url, store.data_dir) for _ in range(count)]
    for journal in journals:
        await journal.migrate()
    return journals


async def test_migrations_run_once(store: Store) -> None:
    journal = Journal.open(store.database_url, store.data_dir)
    try:
        assert await journal.migrate() == [1]
        assert await journal.migrate() == []
        assert journal.dialect == store.kind
    finally:
        await journal.close()


async def test_a_key_is_claimed_once_across_connections(store: Store) -> None:
    """Two instances insert the same keys at the same time: each key has exactly one winner."""
    a, b = await _journals(store, 2)
    try:
        keys = [f"k{i}" for i in range(20)]
        results = await asyncio.gather(*(j.claim(row(k)) for k in keys for j in (a, b)))
        wins = dict.fromkeys(keys, 0)
        for (key, _), won in zip(((k, j) for k in keys for j in (a, b)), results, strict=True):
            wins[key] += won
        assert set(wins.values()) == {1}
        # A client order id is unique within an account too.
        assert not await a.claim(row("other-key", client_order_id="cid-k0"))
        stored = await b.get("main", "k0")
        assert (
            stored is not None and stored.amount == Decimal("0.00100") and stored.price == Decimal("20000.01")
        )
    finally:
        await a.close()
        await b.close()


async def test_transitions_are_conditional(store: Store) -> None:
    a, b = await _journals(store, 2)
    try:
        claimed = row("t1")
        assert await a.claim(claimed)
        sent = await a.transition(
            claimed, JournalState.SENT, from_states=(JournalState.PENDING_SEND,), sent_at=5
        )
        assert sent is not None
        # Two instances settle the same row at once: one wins, the other learns it lost.
        outcomes = await asyncio.gather(
            a.transition(sent, JournalState.ACKED, from_states=(JournalState.SENT,), order_id="1"),
            b.transition(
                sent, JournalState.REJECTED, from_states=(JournalState.SENT,), error_code="NOT_PLACED"
            ),
        )
        assert sum(o is not None for o in outcomes) == 1
        final = await b.by_client_order_id("main", "cid-t1")
        assert final is not None and final.state in (JournalState.ACKED, JournalState.REJECTED)
        # Re-arming a rejection needs a resendable reason.
        rejected = await a.claim(row("t2", state=JournalState.REJECTED))
        assert rejected
        t2 = await a.get("main", "t2")
        assert t2 is not None
        assert (
            await a.transition(
                t2, JournalState.PENDING_SEND, from_states=(JournalState.REJECTED,), error_codes=["NOT_SENT"]
            )
            is None
        )
        assert [r.idempotency_key for r in await a.unsettled()] == []
    finally:
        await a.close()
        await b.close()


async def test_orders_round_trip_exactly(store: Store) -> None:
    order = Order(
        id="42",
        client_order_id="cid",
        exchange_id="binance",
        symbol="BTC/USDT",
        type=OrderType.LIMIT,
        side=Side.SELL,
        price=Decimal("65432.10000000"),
        amount=Decimal("0.00123"),
        filled=Decimal("0.00100"),
        remaining=Decimal("0.00023"),
        cost=Decimal("65.4321"),
        status=OrderStatus.OPEN,
        timestamp=1700000000000,
        fee=Fee(Decimal("0.0654321"), "USDT"),
    )
    assert order_from_json(order_to_json(order)) == order
    (journal,) = await _journals(store, 1)
    try:
        claimed = row("r1")
        await journal.claim(claimed)
        acked = await journal.transition(
            claimed,
            JournalState.ACKED,
            from_states=(JournalState.PENDING_SEND,),
            order_id="42",
            venue_order=order,
        )
        assert acked is not None
        stored = await journal.by_order_id("main", "42")
        assert stored == replace(acked)
    finally:
        await journal.close()


async def test_tokens_are_stored_as_hashes(store: Store) -> None:
    (journal,) = await _journals(store, 1)
    try:
        token, record = await create_token(journal, "ops", ["trade"], ["main"])
        assert record.token_hash == hash_token(token) and token not in repr(record)
        found = await journal.token_by_hash(hash_token(token))
        assert found is not None and (found.scopes, found.accounts) == (("trade",), ("main",))
        assert await journal.revoke_token("ops")
        revoked = await journal.token_by_hash(hash_token(token))
        assert revoked is not None and revoked.revoked_at is not None
        with pytest.raises(Exception, match="exists already"):
            await create_token(journal, "ops", ["trade"], ["main"])
    finally:
        await journal.close()
    if store.kind == "sqlite":
        assert token.encode() not in (store.data_dir / "journal.sqlite3").read_bytes()


async def test_an_accounts_sandbox_flag_is_fixed_for_its_life(store: Store) -> None:
    accounts = {"main": {"exchange": "binance", "api_key": "k1234", "secret": "s1234", "sandbox": "true"}}
    settings = Settings(data_dir=store.data_dir, database_url=store.database_url, accounts=accounts)
    async with open_trading(settings) as trading:
        assert trading.service.venue("main").config.sandbox is True
    flipped = {"main": {**accounts["main"], "sandbox": "false"}}
    with pytest.raises(SettingsError, match="fixed for its life"):
        async with open_trading(
            Settings(data_dir=store.data_dir, database_url=store.database_url, accounts=flipped)
        ):
            pass
