"""Trading as the app's lifespan sees it: open the journal, migrate, build the accounts, reconcile, serve.

`open_trading` is an async context manager: on entry the journal is migrated and every unsettled order is
reconciled (so no mutation is accepted before that), log handlers redact every configured credential, and
a background task keeps settling orders of unknown fate; on exit, sends in progress finish their journal
bookkeeping and everything is closed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from ..exchanges.base import Adapter
from ..gateway import TransportFor
from ..settings import Settings, SettingsError
from ..transport.client import build_venue_client
from ..transport.ratelimit import LimiterFor, TokenBucket
from .accounts import AccountConfig, load_accounts, trading_spec
from .auth import Authenticator, FailedAuthLimiter
from .credentials import Redactor, install_redaction, uninstall_redaction
from .journal import Journal, describe
from .paper_store import PaperStore, PersistentPaperAdapter
from .reconcile import background, reconcile
from .service import AccountVenue, TradingService

log = logging.getLogger(__name__)


@dataclass
class Trading:
    journal: Journal
    service: TradingService
    authenticator: Authenticator
    redactor: Redactor


def _venue(
    config: AccountConfig, settings: Settings, transport_for: TransportFor | None, limiter_for: LimiterFor
) -> AccountVenue:
    if config.engine == "paper":
        paper = PersistentPaperAdapter(
            PaperStore(settings.data_dir, config.id), settings.paper_seed, settings.paper_balances
        )
        return AccountVenue(config, paper, settings)
    spec, factory = trading_spec(config)
    assert spec.errors is not None and spec.rate_limit is not None
    transport = transport_for(spec.id) if transport_for is not None else None
    client = build_venue_client(
        spec.id,
        settings.exchange(spec.id),
        errors=spec.errors,
        default_rate_limit=spec.rate_limit,
        deadline_s=settings.request_deadline_ms / 1000,
        transport=transport,
        limiter_for=limiter_for,
    )
    try:
        adapter = factory(client, settings, credentials=config.credentials, sandbox=config.sandbox)
    except SettingsError as error:  # e.g. a sandbox flag on a venue without one: name the account
        raise SettingsError(f"accounts.{config.id}: {error.message}") from None
    return _ClientOwningVenue(config, adapter, settings, client.http)


class _ClientOwningVenue(AccountVenue):
    """An account venue whose HTTP client (its own pool and rate limiter) closes with it."""

    def __init__(
        self, config: AccountConfig, adapter: Adapter, settings: Settings, http: httpx.AsyncClient
    ) -> None:
        super().__init__(config, adapter, settings)
        self.http = http

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.http.aclose()


@contextlib.asynccontextmanager
async def open_trading(
    settings: Settings,
    transport_for: TransportFor | None = None,
    *,
    limiter_for: LimiterFor = TokenBucket,
    reconcile_budget_s: float = 30.0,
) -> AsyncIterator[Trading]:
    """Accounts, journal and reconciliation. `limiter_for` is the gateway's: orders spend from the same
    per-exchange budget as market data."""
    accounts = load_accounts(settings)
    redactor = Redactor(value for account in accounts.values() for value in account.credentials.values())
    installed = install_redaction(redactor)
    journal = Journal.open(settings.database_url, settings.data_dir)
    venues: dict[str, AccountVenue] = {}
    service: TradingService | None = None
    try:
        applied = await journal.migrate()
        if applied:
            log.info("order journal (%s) migrated to version %d", journal.dialect, applied[-1])
        for config in accounts.values():
            exchange_id, sandbox = await journal.bind_account(config.id, config.exchange_id, config.sandbox)
            if (exchange_id, sandbox) != (config.exchange_id, config.sandbox):
                raise SettingsError(
                    f"accounts.{config.id}: this account was created on {exchange_id} "
                    f"with sandbox={sandbox}; "
                    "an account's exchange and sandbox flag are fixed for its life (use a new account name)"
                )
            venues[config.id] = _venue(config, settings, transport_for, limiter_for)
        owner = settings.instance_id or socket.gethostname()
        service = TradingService(journal, venues, owner, redactor)
        report = await reconcile(service, startup=True, budget_s=reconcile_budget_s)
        log.info(
            "trading ready: %d account(s), journal %s, %d order(s) reconciled, %d unsettled",
            len(venues),
            describe(settings.database_url, settings.data_dir),
            len(report.settled),
            len(report.unsettled),
        )
        async with background(service):
            yield Trading(journal, service, Authenticator(journal, FailedAuthLimiter()), redactor)
    finally:
        try:
            if service is not None:
                await service.close()
            else:
                for venue in venues.values():
                    await venue.close()
        finally:
            await journal.close()
            uninstall_redaction(installed)
