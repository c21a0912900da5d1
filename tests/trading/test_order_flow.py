"""The order flow through TradingService with a real journal and the binance adapter, speaking HTTP to the
local Binance upstream in-process (httpx.ASGITransport): checks before sending, one send per idempotency
key (also across two instances sharing a journal), venue verdicts, unknown outcomes, cancel, listing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from exchangeql.errors import (
    ExchangeUnavailable,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidOrder,
    RateLimited,
)
from exchangeql.exchanges.binance import constants as c
from exchangeql.exchanges.binance.adapter import create as binance_create
from exchangeql.exchanges.binance.errors import ERRORS
from exchangeql.models import OrderStatus, OrderType, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.trading.accounts import AccountConfig
from exchangeql.trading.credentials import Credentials, Redactor, Secret
from exchangeql.trading.journal import Journal, JournalState, now_ms
from exchangeql.trading.reconcile import reconcile
from exchangeql.trading.service import AccountVenue, OrderInput, TradingService
from exchangeql.transport.client import build_venue_client

from .conftest import Store
from .upstream import FakeBinance

KEY = "flowApiKey0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789ab"
SECRET = "flowSecret0123456789abcdefABCDEF0123456789abcdefABCDEF012345678"


class Clock:
    def __init__(self) -> None:
        self.now = now_ms()

    def __call__(self) -> int:
        return self.now


@contextlib.asynccontextmanager
async def trading(
    data_dir: Path,
    venue: FakeBinance,
    *,
    database_url: str | None = None,
    owner: str = "instance-a",
    clock: Callable[[], int] = now_ms,
) -> AsyncIterator[TradingService]:
    journal = Journal.open(database_url, data_dir)
    await journal.migrate()
    client = build_venue_client(
        "binance",
        ExchangeSettings(),
        errors=ERRORS,
        default_rate_limit=c.RATE_LIMIT,
        deadline_s=5,
        transport=httpx.ASGITransport(app=venue.app()),
    )
    config = AccountConfig("main", "binance", False, "native", Credentials(Secret(KEY), Secret(SECRET)))
    adapter = binance_create(client, Settings(), credentials=config.credentials)
    account = AccountVenue(config, adapter, Settings())
    service = TradingService(
        journal, {"main": account}, owner, Redactor(config.credentials.values()), clock=clock
    )
    try:
        yield service
    finally:
        await service.close()
        await client.http.aclose()
        await journal.close()


def limit_buy(key: str, amount: str = "0.001", price: str | None = "20000", **changes: object) -> OrderInput:
    values: dict[str, object] = {
        "account": "main",
        "symbol": "BTC/USDT",
        "side": Side.BUY,
        "type": OrderType.LIMIT,
        "amount": Decimal(amount),
        "price": None if price is None else Decimal(price),
        "idempotency_key": key,
    }
    values.update(changes)
    return OrderInput(**values)  # type: ignore[arg-type]


@pytest.fixture
def venue() -> FakeBinance:
    return FakeBinance(KEY, SECRET)


@pytest.mark.parametrize(
    ("order", "rule"),
    [
        (
            limit_buy("k", amount="0.000015"),
            "not a multiple of BTC/USDT's amount step 0.00001 (precision.amount)",
        ),
        (limit_buy("k", amount="0.000001"), "not a multiple"),
        (limit_buy("k", amount="9001"), "above BTC/USDT's maximum 9000 (limits.amount.max)"),
        (limit_buy("k", price="20000.005"), "(precision.price)"),
        (
            limit_buy("k", amount="0.0001", price="100"),
            "cost 0.01 (amount * price) is below BTC/USDT's minimum 5",
        ),
        (limit_buy("k", amount="-1"), "amount must be a positive number"),
        (limit_buy("k", amount="NaN"), "amount must be a positive number"),
        (limit_buy("k", price=None), "a limit order needs a price"),
        (limit_buy("k", type=OrderType.MARKET), "a market order takes no price"),
        (limit_buy("k", type=OrderType.MARKET, price=None, time_in_force="IOC"), "takes no timeInForce"),
    ],
)
async def test_orders_are_checked_against_the_market_before_anything_is_sent(
    order: OrderInput, rule: str, venue: FakeBinance, tmp_path: Path
) -> None:
    async with trading(tmp_path, venue) as service:
        with pytest.raises(InvalidOrder) as refused:
            await service.create_order(order)
        assert rule in refused.value.message
        assert await service.journal.recent("main", None, 10) == []
    assert venue.received == []


async def test_same_key_same_order_different_parameters_conflict(venue: FakeBinance, tmp_path: Path) -> None:
    async with trading(tmp_path, venue) as service:
        first = await service.create_order(limit_buy("k1"))
        again = await service.create_order(limit_buy("k1", amount="0.00100"))  # the same number
        with pytest.raises(IdempotencyConflict):
            await service.create_order(limit_buy("k1", amount="0.002"))
    assert first.id is not None and again.id == first.id
    assert first.journal_state is JournalState.ACKED and first.status is OrderStatus.OPEN
    assert len(venue.received) == 1


async def test_concurrent_requests_with_one_key_send_once(venue: FakeBinance, tmp_path: Path) -> None:
    venue.delay_s = 0.2
    async with trading(tmp_path, venue) as service:
        answers = await asyncio.gather(*(service.create_order(limit_buy("same")) for _ in range(5)))
    assert len({a.id for a in answers}) == 1
    assert len(venue.received) == 1


async def test_two_instances_sharing_a_journal_send_once(venue: FakeBinance, store: Store) -> None:
    """The primary key decides: the instance whose insert loses waits for the winner's outcome."""
    venue.delay_s = 0.3
    async with (
        trading(store.data_dir, venue, database_url=store.database_url, owner="a") as a,
        trading(store.data_dir, venue, database_url=store.database_url, owner="b") as b,
    ):
        answers = await asyncio.gather(
            *(instance.create_order(limit_buy(f"shared-{i}")) for i in range(4) for instance in (a, b))
        )
        rows = await a.journal.recent("main", None, 50)
    assert len(venue.received) == 4  # one per key
    by_key: dict[str, set[str | None]] = {}
    for answer in answers:
        assert answer.row is not None
        by_key.setdefault(answer.row.idempotency_key, set()).add(answer.id)
    assert all(len(ids) == 1 and None not in ids for ids in by_key.values())
    assert sorted(r.state for r in rows) == [JournalState.ACKED] * 4


async def test_a_venue_verdict_is_final_and_replayed_without_sending(
    venue: FakeBinance, tmp_path: Path
) -> None:
    venue.new_order = "insufficient"
    async with trading(tmp_path, venue) as service:
        with pytest.raises(InsufficientFunds):
            await service.create_order(limit_buy("poor"))
        venue.new_order = "ok"
        with pytest.raises(InsufficientFunds, match="rejected"):
            await service.create_order(limit_buy("poor"))
        (row,) = await service.journal.recent("main", None, 10)
    assert (row.state, row.error_code) == (JournalState.REJECTED, "INSUFFICIENT_FUNDS")
    assert len(venue.received) == 1


async def test_a_rate_limited_order_is_sent_again_under_the_same_key(
    venue: FakeBinance, tmp_path: Path
) -> None:
    venue.new_order = "429"
    async with trading(tmp_path, venue) as service:
        with pytest.raises(RateLimited):
            await service.create_order(limit_buy("busy"))
        venue.new_order = "ok"
        placed = await service.create_order(limit_buy("busy"))
        (row,) = await service.journal.recent("main", None, 10)
    assert placed.journal_state is JournalState.ACKED
    assert (row.state, row.attempts) == (JournalState.ACKED, 2)
    assert venue.client_order_ids() == [row.client_order_id] * 2 and len(venue.orders) == 1


async def test_an_unknown_outcome_is_settled_by_lookup(venue: FakeBinance, tmp_path: Path) -> None:
    venue.new_order = "503_after_take"
    async with trading(tmp_path, venue) as service:
        placed = await service.create_order(limit_buy("unknown"))
        (row,) = await service.journal.recent("main", None, 10)
    assert placed.journal_state is JournalState.ACKED  # the lookup right after the 503 found it
    assert placed.id == venue.orders[row.client_order_id]["orderId"]
    assert len(venue.received) == 1


async def test_an_absent_order_is_unknown_until_the_window_passes_then_sent_once(
    venue: FakeBinance, tmp_path: Path
) -> None:
    venue.new_order = "503_before_take"
    clock = Clock()
    async with trading(tmp_path, venue, clock=clock) as service:
        first = await service.create_order(limit_buy("absent"))
        assert (first.journal_state, first.id) == (JournalState.UNKNOWN, None)
        venue.new_order = "ok"
        clock.now += 1000  # still inside recvWindow + clock skew: a late copy could still be accepted
        still = await service.create_order(limit_buy("absent"))
        assert still.journal_state is JournalState.UNKNOWN and len(venue.received) == 1
        clock.now += c.RECV_WINDOW_MS + c.CLOCK_SKEW_MS
        placed = await service.create_order(limit_buy("absent"))
        (row,) = await service.journal.recent("main", None, 10)
    assert placed.journal_state is JournalState.ACKED
    assert (row.attempts, len(venue.orders), len(venue.received)) == (2, 1, 2)


async def test_a_send_past_the_deadline_is_reported_sent_and_recorded_later(
    venue: FakeBinance, tmp_path: Path
) -> None:
    from exchangeql.clock import set_deadline

    venue.delay_s = 0.5
    async with trading(tmp_path, venue) as service:

        async def request() -> object:
            set_deadline(0.2)
            return await service.create_order(limit_buy("slow"))

        answer = await asyncio.create_task(request())
        assert getattr(answer, "journal_state") is JournalState.SENT  # noqa: B009
        await asyncio.sleep(0.6)
        (row,) = await service.journal.recent("main", None, 10)
        assert row.state is JournalState.ACKED  # the send task finished its bookkeeping
        again = await service.create_order(limit_buy("slow"))
    assert again.id == row.order_id and len(venue.received) == 1


async def test_cancel_lookup_and_listing(venue: FakeBinance, tmp_path: Path) -> None:
    async with trading(tmp_path, venue) as service:
        placed = await service.create_order(limit_buy("c1", client_order_id="myOwnId-1"))
        assert placed.client_order_id == "myOwnId-1"
        with pytest.raises(InvalidOrder, match="belongs to another order"):
            await service.create_order(limit_buy("c2", client_order_id="myOwnId-1"))
        listed = await service.orders("main", None, OrderStatus.OPEN, None)
        assert [o.id for o in listed] == [placed.id]
        canceled = await service.cancel_order("main", None, "myOwnId-1", None)
        assert canceled.status is OrderStatus.CANCELED and canceled.id == placed.id
        found = await service.order("main", placed.id, None, None)
        assert found is not None and found.status is OrderStatus.CANCELED
        assert found.journal_state is JournalState.ACKED
        assert await service.orders("main", None, OrderStatus.OPEN, None) == []
        balances = await service.balances("main")
    assert {b.currency for b in balances} == {"BTC", "LTC", "ETH"}
    assert venue.orders["myOwnId-1"]["status"] == "CANCELED"


async def test_an_account_with_unsettled_orders_refuses_new_ones_until_reconciled(
    venue: FakeBinance, tmp_path: Path
) -> None:
    venue.new_order, venue.lookup = "503_after_take", "503"
    async with trading(tmp_path, venue) as service:
        unknown = await service.create_order(limit_buy("before-restart"))
    assert unknown.journal_state is JournalState.UNKNOWN
    async with trading(tmp_path, venue) as restarted:  # the same instance, started again; venue still down
        report = await reconcile(restarted, startup=True, budget_s=2)
        assert [r.idempotency_key for r in report.unsettled] == ["before-restart"]
        with pytest.raises(ExchangeUnavailable, match="unknown outcome"):
            await restarted.create_order(limit_buy("new"))
        venue.lookup = "ok"
        report = await reconcile(restarted, startup=False)  # what the background task runs
        assert [r.state for r in report.settled] == [JournalState.ACKED]
        placed = await restarted.create_order(limit_buy("new"))
    assert placed.journal_state is JournalState.ACKED
    assert len(venue.received) == 2 and len(venue.orders) == 2
