"""Reconciliation: every journal row that is not final is settled with its venue.

At start-up, before the gateway accepts any request, each row left PENDING_SEND, SENT or UNKNOWN by this
instance's previous life (or by an instance gone for good, STALE_IN_FLIGHT_MS) is settled: PENDING_SEND was
never sent; SENT and UNKNOWN are looked up by client order id, waiting out the venue's arrival window when
the venue does not have the order yet. An account whose rows cannot be settled (the venue is down) refuses
new orders until they are; a background task keeps trying, and settles UNKNOWN rows of the running instance
too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from ..errors import GatewayError
from .journal import JournalRow, JournalState
from .service import TradingService

log = logging.getLogger(__name__)


@dataclass
class Report:
    settled: list[JournalRow] = field(default_factory=list)
    unsettled: list[JournalRow] = field(default_factory=list)
    orphaned: list[JournalRow] = field(default_factory=list)  # rows of accounts no longer configured


def _to_settle(service: TradingService, row: JournalRow) -> bool:
    if service.in_flight(row):
        return False
    if row.state is JournalState.UNKNOWN:
        return True
    # PENDING_SEND / SENT and not being sent by this process: ours from before a restart (or left behind
    # when the journal failed after a send), or another instance's, abandoned long ago.
    return row.owner == service.owner or service.stale(row)


async def reconcile(service: TradingService, *, startup: bool, budget_s: float = 30.0) -> Report:
    """Settle what can be settled within `budget_s`; on start-up, accounts left with unsettled rows stop
    accepting orders."""
    report = Report()
    rows = await service.journal.unsettled()
    work: list[tuple[JournalRow, asyncio.Task[JournalRow]]] = []
    for row in rows:
        venue = service.venues.get(row.account)
        if venue is None:
            report.orphaned.append(row)
            continue
        if _to_settle(service, row):
            work.append((row, asyncio.create_task(service.settle(row, venue, wait=startup))))
    if work:
        done, pending = await asyncio.wait([task for _, task in work], timeout=budget_s)
        for task in pending:
            task.cancel()
        for row, task in work:
            result = None
            if task in done:
                try:
                    result = task.result()
                except GatewayError as error:  # the journal itself failed
                    log.warning("order %s of %s: %s", row.client_order_id, row.account, error)
            if result is not None and result.final:
                report.settled.append(result)
                log.info(
                    "reconciled order %s of %s: %s %s",
                    row.client_order_id,
                    row.account,
                    result.state.value,
                    result.error_code or result.order_id or "",
                )
            else:
                report.unsettled.append(result or row)
    for row in report.orphaned:
        log.error(
            "order %s is %s but account %s is not configured: it cannot be reconciled",
            row.client_order_id,
            row.state.value,
            row.account,
        )
    blocked = {row.account for row in report.unsettled}
    for venue in service.venues.values():
        if startup and venue.id in blocked:
            venue.ready = False
            log.error("account %s refuses orders until its unsettled orders are reconciled", venue.id)
        elif not venue.ready and venue.id not in blocked:
            venue.ready = True
            log.info("account %s reconciled: accepting orders", venue.id)
    return report


@contextlib.asynccontextmanager
async def background(service: TradingService, interval_s: float = 5.0) -> AsyncIterator[None]:
    """Keeps settling UNKNOWN rows (and unblocking accounts) while the gateway runs."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await reconcile(service, startup=False, budget_s=interval_s * 4)
            except Exception:  # the journal is down: try again next round
                log.exception("background reconciliation failed")

    task = asyncio.create_task(loop(), name="exchangeql reconciliation")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
