"""Paper accounts that survive restarts: the matching engine's snapshot in <data_dir>/paper/<account>.json.

The file is replaced atomically (write to a temporary file, fsync, rename) after every order placed or
canceled, so a crash leaves either the state before the order or the state after it, never half of one.
An order lost that way (the process died between the fill and the save) is absent from the paper venue
after the restart, and reconciliation finds it absent: the journal and the paper venue agree.

Fills of resting orders are a pure function of (seed, clock), worked out on every read, so they need no
saving: after a restart the engine works them out again from the saved step.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..exchanges.paper.adapter import PaperAdapter
from ..models import Order, OrderRequest

log = logging.getLogger(__name__)


class PaperStore:
    def __init__(self, directory: Path, account: str) -> None:
        self.path = directory / "paper" / f"{account}.json"

    def load(self) -> Mapping[str, Any] | None:
        try:
            data: Mapping[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return data

    def save(self, snapshot: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".json.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(snapshot, handle, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


class PersistentPaperAdapter(PaperAdapter):
    """The paper venue for one account, saved after every change it makes to the account."""

    def __init__(self, store: PaperStore, seed: int, balances: Mapping[str, Decimal] | None) -> None:
        snapshot = store.load()
        super().__init__(seed, balances=balances, account_state=snapshot)
        self.store = store
        self._lock = asyncio.Lock()
        if snapshot is None:
            self.store.save(self.account.snapshot())  # the starting balances are the account's from now on

    async def _save(self) -> None:
        await asyncio.to_thread(self.store.save, self.account.snapshot())

    async def create_order(self, order: OrderRequest) -> Order:
        async with self._lock:  # one change and its save at a time: saves land in order
            placed = await super().create_order(order)
            await self._save()
            return placed

    async def cancel_order(self, market: Any, order_id: str | None, client_order_id: str | None) -> Order:
        async with self._lock:
            canceled = await super().cancel_order(market, order_id, client_order_id)
            await self._save()
            return canceled

    async def close(self) -> None:
        async with self._lock:
            await self._save()
