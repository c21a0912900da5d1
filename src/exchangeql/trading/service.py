"""The order flow: check, journal, send once, settle; and the account reads around it.

createOrder, in order:
1. The idempotency key is looked up. Known with other parameters: IDEMPOTENCY_CONFLICT. Known with the same
   parameters: the order it produced (settled first if its fate was unknown; sent again only if it provably
   never reached the venue).
2. Amount and price are checked against the market's precision and limits (INVALID_ORDER names the rule).
3. The journal row (key, generated client order id, parameter hash, PENDING_SEND) is committed. The insert
   is the claim: of two requests or instances with one key, only the one whose insert wins sends.
4. SENT is committed, then the request goes out once (VenueClient.send, never retried). A venue verdict
   makes the row ACKED or REJECTED; a timeout, 5xx or lost connection makes it UNKNOWN, which only a
   lookup by client order id settles (reconcile.py keeps trying in the background).

The send runs in its own task, so the request deadline cannot cut the journal's bookkeeping short: past the
deadline the caller gets the order as the journal knows it (SENT), and the task records the outcome.

Test hook (never set in production): EXCHANGEQL_TEST_CRASH_AFTER=journal_write ends the process with
os._exit(137) right after step 3's commit, and =venue_ack right after the venue acknowledged an order and
before the journal records it, so crash tests can stop the gateway at those exact points.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from typing import Any, TypeVar

from ..clock import remaining
from ..errors import (
    BadRequest,
    BadSymbol,
    ExchangeUnavailable,
    GatewayError,
    IdempotencyConflict,
    InternalError,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    Timeout,
)
from ..exchanges.base import Adapter, Method, Support
from ..models import Balance, Market, MarketIndex, Order, OrderRequest, OrderStatus, OrderType, Side
from ..settings import DataKind, Settings
from .accounts import AccountConfig
from .credentials import Redactor
from .journal import (
    FINAL_STATES,
    RESENDABLE,
    Journal,
    JournalRow,
    JournalState,
    JournalUnavailable,
    Reason,
    now_ms,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

CRASH_HOOK = "EXCHANGEQL_TEST_CRASH_AFTER"
TIME_IN_FORCE = ("GTC", "IOC", "FOK", "PO")
MAX_ORDERS = 500
DEFAULT_ORDERS = 50
# Without a venue rule, how long a request in flight may still be accepted (venues without a recvWindow).
DEFAULT_ARRIVAL_WINDOW_MS = 60_000
# Another instance's row that has been in flight this long has lost its sender.
STALE_IN_FLIGHT_MS = 300_000
_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces
_CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9_.:/-]{1,36}$")  # what every venue we trade on accepts

# A failure after which the venue may or may not have the order.
AMBIGUOUS = (Timeout, ExchangeUnavailable, InternalError)

_ERRORS_BY_CODE: dict[str, type[GatewayError]] = {}


def _error_classes(cls: type[GatewayError]) -> None:
    for sub in cls.__subclasses__():
        _ERRORS_BY_CODE.setdefault(sub.code.value, sub)
        _error_classes(sub)


_error_classes(GatewayError)


def crash_point(name: str) -> None:
    """The test hook described in the module docstring."""
    if os.environ.get(CRASH_HOOK) == name:
        os._exit(137)


@dataclass(frozen=True, slots=True)
class OrderInput:
    account: str
    symbol: str
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None
    idempotency_key: str
    time_in_force: str | None = None
    client_order_id: str | None = None

    def params_hash(self, exchange_id: str) -> str:
        """What makes two requests "the same order": everything but the key, numbers by value."""

        def number(value: Decimal | None) -> str | None:
            return None if value is None else format(value.normalize(), "f")

        canonical = {
            "account": self.account,
            "exchange": exchange_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "type": self.type.value,
            "amount": number(self.amount),
            "price": number(self.price),
            "timeInForce": self.time_in_force,
            "clientOrderId": self.client_order_id,
        }
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TradingOrder:
    """An order as the schema shows it: the venue's last word, and the journal's state when we placed it."""

    account: str
    exchange_id: str
    order: Order | None
    row: JournalRow | None

    @property
    def id(self) -> str | None:
        return self.order.id if self.order is not None else (self.row.order_id if self.row else None)

    @property
    def client_order_id(self) -> str | None:
        return self.row.client_order_id if self.row is not None else self.order.client_order_id  # type: ignore[union-attr]

    @property
    def symbol(self) -> str:
        return self.order.symbol if self.order is not None else self.row.symbol  # type: ignore[union-attr]

    @property
    def type(self) -> OrderType:
        return self.row.type if self.row is not None else self.order.type  # type: ignore[union-attr]

    @property
    def side(self) -> Side:
        return self.row.side if self.row is not None else self.order.side  # type: ignore[union-attr]

    @property
    def price(self) -> Decimal | None:
        if self.order is not None:
            return self.order.price
        return self.row.price if self.row is not None else None

    @property
    def amount(self) -> Decimal:
        return self.order.amount if self.order is not None else self.row.amount  # type: ignore[union-attr]

    @property
    def status(self) -> OrderStatus | None:
        if self.order is not None:
            return self.order.status
        return None

    @property
    def journal_state(self) -> JournalState | None:
        return self.row.state if self.row is not None else None


def _plain(value: Decimal | None) -> str:
    """A number as people write it: 0.00001000 -> 0.00001, 1E+1 -> 10."""
    return "none" if value is None else format(value.normalize(), "f")


def check_order(market: Market, order: OrderInput) -> None:
    """The market's precision and limits, before anything is sent. Each failure names the rule."""
    symbol, limits, precision = market.symbol, market.limits, market.precision

    if not market.active:
        raise InvalidOrder(f"{symbol} is not trading now (market inactive)")
    if order.time_in_force is not None and order.time_in_force not in TIME_IN_FORCE:
        raise InvalidOrder(f"timeInForce must be one of {', '.join(TIME_IN_FORCE)}")
    with localcontext() as ctx:
        ctx.prec = 60

        def on_grid(
            what: str, value: Decimal, step: Decimal | None, low: Decimal | None, high: Decimal | None
        ) -> None:
            if not value.is_finite() or value <= 0:
                raise InvalidOrder(f"{what} must be a positive number, got {value}")
            shown = _plain(value)
            if step is not None and value % step != 0:
                raise InvalidOrder(
                    f"{what} {shown} is not a multiple of {symbol}'s {what} step {_plain(step)} "
                    f"(precision.{what})"
                )
            if low is not None and value < low:
                raise InvalidOrder(
                    f"{what} {shown} is below {symbol}'s minimum {_plain(low)} (limits.{what}.min)"
                )
            if high is not None and value > high:
                raise InvalidOrder(
                    f"{what} {shown} is above {symbol}'s maximum {_plain(high)} (limits.{what}.max)"
                )

        on_grid("amount", order.amount, precision.amount, limits.amount.min, limits.amount.max)
        if order.type is OrderType.MARKET:
            if order.price is not None:
                raise InvalidOrder("a market order takes no price (it fills at the book's prices)")
            if order.time_in_force is not None:
                raise InvalidOrder("a market order takes no timeInForce")
            return
        if order.price is None:
            raise InvalidOrder("a limit order needs a price")
        on_grid("price", order.price, precision.price, limits.price.min, limits.price.max)
        cost = order.amount * order.price
        if limits.cost.min is not None and cost < limits.cost.min:
            raise InvalidOrder(
                f"cost {_plain(cost)} (amount * price) is below {symbol}'s minimum {_plain(limits.cost.min)} "
                "(limits.cost.min)"
            )
        if limits.cost.max is not None and cost > limits.cost.max:
            raise InvalidOrder(
                f"cost {_plain(cost)} (amount * price) is above {symbol}'s maximum {_plain(limits.cost.max)} "
                "(limits.cost.max)"
            )


class AccountVenue:
    """One account's adapter, its markets (cached), and whether it accepts orders yet."""

    def __init__(
        self,
        config: AccountConfig,
        adapter: Adapter,
        settings: Settings,
        markets: Iterable[Market] | None = None,
    ) -> None:
        """`markets`: markets known already (seeded, e.g. from recorded data); refreshed after their TTL."""
        self.config = config
        self.adapter = adapter
        self.settings = settings
        window = getattr(adapter, "order_arrival_window_ms", None)
        if window is None:
            window = 0 if config.engine == "paper" else DEFAULT_ARRIVAL_WINDOW_MS
        self.arrival_window_ms = int(window)
        self.client_order_id_pattern: str | None = getattr(adapter, "client_order_id_pattern", None)
        self.ready = True  # False while orders of unknown fate from before a restart are unsettled
        self._index: MarketIndex | None = None if markets is None else MarketIndex.of(markets)
        self._index_at = now_ms()
        self._index_lock = asyncio.Lock()

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def exchange_id(self) -> str:
        return self.config.exchange_id

    def supports(self, method: Method) -> bool:
        return self.adapter.capabilities.get(method, Support.NONE) is not Support.NONE

    async def markets(self) -> MarketIndex:
        ttl_ms = self.settings.ttl_for(self.exchange_id, DataKind.MARKETS) * 1000
        async with self._index_lock:
            if self._index is None or now_ms() - self._index_at > ttl_ms:
                self._index = MarketIndex.of(await self.adapter.fetch_markets())
                self._index_at = now_ms()
            return self._index

    async def market(self, symbol: str) -> Market:
        market = (await self.markets()).by_symbol.get(symbol)
        if market is None:
            raise BadSymbol(f"{self.exchange_id} has no market {symbol[:64]}", exchange=self.exchange_id)
        return market

    def new_client_order_id(self) -> str:
        """32 characters that every venue's rule we know accepts; a UUID where the venue wants one."""
        candidate = "eq" + secrets.token_hex(15)
        pattern = self.client_order_id_pattern
        if pattern is None or re.match(pattern, candidate):
            return candidate
        return str(uuid.uuid4())

    async def close(self) -> None:
        await self.adapter.close()


class TradingService:
    def __init__(
        self,
        journal: Journal,
        venues: dict[str, AccountVenue],
        owner: str,
        redactor: Redactor | None = None,
        *,
        clock: Callable[[], int] = now_ms,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.journal = journal
        self.venues = venues
        self.owner = owner
        self.redactor = redactor or Redactor()
        self.clock = clock
        self.sleep = sleep
        self._inflight: dict[tuple[str, str], asyncio.Task[TradingOrder]] = {}
        # One request per (account, idempotency key) at a time in this process; other instances are kept
        # apart by the journal's primary key.
        self._key_locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}
        self._claiming: set[tuple[str, str]] = set()  # claimed, send task not started yet

    # --- helpers ----------------------------------------------------------------------------------------

    def venue(self, account: str) -> AccountVenue:
        venue = self.venues.get(account)
        if venue is None:
            raise BadRequest(f"unknown account {account[:64]!r}")
        return venue

    def in_flight(self, row: JournalRow) -> bool:
        """Being claimed or sent by this process right now."""
        key = (row.account, row.client_order_id)
        return key in self._inflight or key in self._claiming

    async def _venue_call(self, venue: AccountVenue, call: Awaitable[T]) -> T:
        """A venue call whose errors are ours, attributed to the exchange, and free of credentials."""
        try:
            return await call
        except GatewayError as error:
            error.exchange = error.exchange or venue.exchange_id
            cleaned = self.redactor(error.message)
            if cleaned != error.message:
                error.message = cleaned
                error.args = (cleaned,)
            raise
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            raise InternalError("unexpected failure", exchange=venue.exchange_id) from exc

    def view(self, venue: AccountVenue, row: JournalRow | None, order: Order | None = None) -> TradingOrder:
        return TradingOrder(venue.id, venue.exchange_id, order or (row.venue_order if row else None), row)

    def _stored_error(self, row: JournalRow) -> GatewayError:
        cls = _ERRORS_BY_CODE.get(row.error_code or "", InvalidOrder)
        message = f"the order of this idempotency key was rejected: {row.error_message or row.error_code}"
        return cls(message, exchange=row.exchange_id)

    def _require_ready(self, venue: AccountVenue) -> None:
        if not venue.ready:
            raise ExchangeUnavailable(
                f"account {venue.id} has orders of unknown outcome from before a restart; orders are refused "
                "until the venue confirms their fate",
                exchange=venue.exchange_id,
            )

    # --- reads ------------------------------------------------------------------------------------------

    async def balances(self, account: str) -> list[Balance]:
        venue = self.venue(account)
        return await self._venue_call(venue, venue.adapter.fetch_balance())

    async def orders(
        self, account: str, symbol: str | None, status: OrderStatus | None, limit: int | None
    ) -> list[TradingOrder]:
        """Orders placed through the gateway (newest first, with their journal state) and the venue's
        other open orders. Orders the journal last saw open are refreshed from the venue."""
        venue = self.venue(account)
        limit = DEFAULT_ORDERS if limit is None else limit
        if not 1 <= limit <= MAX_ORDERS:
            raise BadRequest(f"limit must be between 1 and {MAX_ORDERS}, got {limit}")
        market = None if symbol is None else await self._venue_call(venue, venue.market(symbol))
        open_orders: list[Order] = []
        if venue.supports(Method.FETCH_OPEN_ORDERS):
            open_orders = await self._venue_call(venue, venue.adapter.fetch_open_orders(market))
        by_client = {o.client_order_id: o for o in open_orders if o.client_order_id}
        by_id = {o.id: o for o in open_orders}
        seen: set[str] = set()
        out: list[TradingOrder] = []
        for row in await self.journal.recent(account, symbol, limit):
            order = by_client.get(row.client_order_id) or (by_id.get(row.order_id) if row.order_id else None)
            if order is not None:
                seen.add(order.id)
                if row.state is JournalState.ACKED and replace(order, info=None) != row.venue_order:
                    row = await self.journal.record_order(row, order)
            elif (
                row.state is JournalState.ACKED
                and row.venue_order
                and row.venue_order.status is OrderStatus.OPEN
            ):
                order = await self._refresh(venue, row)  # no longer open: filled, canceled or expired since
            out.append(self.view(venue, row, order))
        out += [self.view(venue, None, o) for o in open_orders if o.id not in seen]
        if status is not None:
            out = [o for o in out if o.status is status]
        out.sort(key=_newest_first, reverse=True)
        return out[:limit]

    async def _refresh(self, venue: AccountVenue, row: JournalRow) -> Order | None:
        """The venue's current view of an ACKED order (recorded in the journal); the last known on failure."""
        try:
            market = await venue.market(row.symbol)
            order = await self._venue_call(
                venue, venue.adapter.fetch_order(market, row.order_id, row.client_order_id)
            )
        except GatewayError as error:
            log.info("order %s of %s not refreshed: %s", row.client_order_id, row.account, error.code.value)
            return row.venue_order
        await self.journal.record_order(row, order)
        return order

    async def _find_row(
        self, account: str, order_id: str | None, client_order_id: str | None
    ) -> JournalRow | None:
        if client_order_id is not None:
            return await self.journal.by_client_order_id(account, client_order_id)
        if order_id is not None:
            return await self.journal.by_order_id(account, order_id)
        raise BadRequest("give the order's id or its clientOrderId")

    async def _external_market(
        self, venue: AccountVenue, symbol: str | None, order_id: str | None, client_order_id: str | None
    ) -> tuple[Market | None, Order | None]:
        """For an order not placed through the gateway: its market, from `symbol` or the open orders."""
        if symbol is not None:
            return await venue.market(symbol), None
        if venue.supports(Method.FETCH_OPEN_ORDERS):
            for order in await self._venue_call(venue, venue.adapter.fetch_open_orders(None)):
                if order.id == order_id or (
                    client_order_id is not None and order.client_order_id == client_order_id
                ):
                    return await venue.market(order.symbol), order
        return None, None

    async def order(
        self, account: str, order_id: str | None, client_order_id: str | None, symbol: str | None
    ) -> TradingOrder | None:
        venue = self.venue(account)
        row = await self._find_row(account, order_id, client_order_id)
        if row is not None:
            if row.state is JournalState.ACKED:
                return self.view(venue, row, await self._refresh(venue, row))
            if not row.final and not self.in_flight(row):
                row = await self.settle(row, venue, wait=False)
            return self.view(venue, row)
        market, found = await self._external_market(venue, symbol, order_id, client_order_id)
        if found is not None:
            return self.view(venue, None, found)
        try:
            order = await self._venue_call(
                venue, venue.adapter.fetch_order(market, order_id, client_order_id)
            )
        except OrderNotFound:
            return None
        return self.view(venue, None, order)

    # --- cancel -----------------------------------------------------------------------------------------

    async def cancel_order(
        self, account: str, order_id: str | None, client_order_id: str | None, symbol: str | None
    ) -> TradingOrder:
        venue = self.venue(account)
        self._require_ready(venue)
        row = await self._find_row(account, order_id, client_order_id)
        if row is not None:
            market = await self._venue_call(venue, venue.market(row.symbol))
            ref_id, ref_client = row.order_id, (None if row.order_id else row.client_order_id)
        else:
            found, _ = await self._external_market(venue, symbol, order_id, client_order_id)
            if found is None:
                raise OrderNotFound(
                    "no such open order on this account (give its symbol for orders placed elsewhere)",
                    exchange=venue.exchange_id,
                )
            market = found
            ref_id, ref_client = order_id, (None if order_id else client_order_id)
        order = await self._venue_call(venue, venue.adapter.cancel_order(market, ref_id, ref_client))
        if row is not None:
            if row.state is JournalState.ACKED:
                row = await self.journal.record_order(row, order)
            elif row.state in (JournalState.SENT, JournalState.UNKNOWN) and not self.in_flight(row):
                # The venue just showed it has the order: that settles an unknown fate.
                row = await self._acked(row, order) or row
        return self.view(venue, row, order)

    # --- create -----------------------------------------------------------------------------------------

    async def create_order(self, request: OrderInput) -> TradingOrder:
        key = (request.account, request.idempotency_key)
        lock, users = self._key_locks.get(key, (asyncio.Lock(), 0))
        self._key_locks[key] = (lock, users + 1)
        try:
            async with lock:
                return await self._create_order(request)
        finally:
            lock, users = self._key_locks[key]
            if users == 1:
                del self._key_locks[key]
            else:
                self._key_locks[key] = (lock, users - 1)

    async def _create_order(self, request: OrderInput) -> TradingOrder:
        venue = self.venue(request.account)
        if not _KEY.match(request.idempotency_key):
            raise BadRequest("idempotencyKey must be 1-128 printable ASCII characters without spaces")
        if request.client_order_id is not None:
            pattern = venue.client_order_id_pattern
            if not _CLIENT_ORDER_ID.match(request.client_order_id) or (
                pattern is not None and not re.match(pattern, request.client_order_id)
            ):
                raise InvalidOrder(
                    "clientOrderId must be 1-36 letters, digits or _ . : / - that the venue accepts"
                )
        if not venue.supports(Method.CREATE_ORDER):
            raise NotSupported(f"{venue.exchange_id} cannot place orders", exchange=venue.exchange_id)
        params_hash = request.params_hash(venue.exchange_id)
        existing = await self.journal.get(request.account, request.idempotency_key)
        if existing is not None:
            return await self._existing(existing, params_hash, venue)
        self._require_ready(venue)
        market = await self._venue_call(venue, venue.market(request.symbol))
        check_order(market, request)
        now = self.clock()
        row = JournalRow(
            account=venue.id,
            idempotency_key=request.idempotency_key,
            client_order_id=request.client_order_id or venue.new_client_order_id(),
            params_hash=params_hash,
            exchange_id=venue.exchange_id,
            symbol=market.symbol,
            side=request.side,
            type=request.type,
            amount=request.amount,
            price=request.price,
            time_in_force=request.time_in_force,
            state=JournalState.PENDING_SEND,
            owner=self.owner,
            created_at=now,
            updated_at=now,
        )
        claiming = (row.account, row.client_order_id)
        self._claiming.add(claiming)  # from here until the send task exists, reconciliation keeps off
        try:
            claimed = await self.journal.claim(row)
            if claimed:
                crash_point("journal_write")
                task = self._start_send(row, venue, market)
        finally:
            self._claiming.discard(claiming)
        if claimed:
            return await self._await(task, venue, row)
        taken = await self.journal.get(request.account, request.idempotency_key)
        if taken is None:
            raise InvalidOrder(
                f"clientOrderId {row.client_order_id!r} belongs to another order of this account"
            )
        return await self._existing(taken, params_hash, venue)

    async def _existing(
        self, row: JournalRow, params_hash: str, venue: AccountVenue, resent: bool = False
    ) -> TradingOrder:
        """The answer for a key seen before."""
        if row.params_hash != params_hash:
            raise IdempotencyConflict(
                "this idempotency key was used for an order with different parameters; nothing was sent",
                exchange=venue.exchange_id,
            )
        task = self._inflight.get((row.account, row.client_order_id))
        if task is not None:
            return await self._await(task, venue, row)
        if row.state is JournalState.ACKED:
            return self.view(venue, row)
        if row.state in (JournalState.UNKNOWN, JournalState.SENT, JournalState.PENDING_SEND):
            if row.state is not JournalState.UNKNOWN and row.owner != self.owner and not self.stale(row):
                return await self._wait_for_other(row, venue)  # another instance is sending it right now
            row = await self.settle(row, venue, wait=False)
        if row.state is JournalState.REJECTED:
            if row.resendable and not resent:
                return await self._resend(row, venue, params_hash)
            raise self._stored_error(row)
        return self.view(venue, row)

    def stale(self, row: JournalRow) -> bool:
        return self.clock() - row.updated_at > STALE_IN_FLIGHT_MS

    async def _wait_for_other(self, row: JournalRow, venue: AccountVenue) -> TradingOrder:
        while remaining(default=5.0) > 0.2:
            await self.sleep(0.1)
            current = await self.journal.by_client_order_id(row.account, row.client_order_id)
            if current is not None and current.state not in (JournalState.PENDING_SEND, JournalState.SENT):
                row = current
                break
        if row.state is JournalState.REJECTED and not row.resendable:
            raise self._stored_error(row)
        return self.view(venue, row)

    async def _resend(self, row: JournalRow, venue: AccountVenue, params_hash: str) -> TradingOrder:
        """Send again an order that provably never reached the venue, under the same key and client id."""
        self._require_ready(venue)
        market = await self._venue_call(venue, venue.market(row.symbol))
        check_order(market, _input_of(row))
        claiming = (row.account, row.client_order_id)
        self._claiming.add(claiming)  # as for a new order: reconciliation keeps off until the task exists
        try:
            armed = await self.journal.transition(
                row,
                JournalState.PENDING_SEND,
                from_states=(JournalState.REJECTED,),
                error_codes=RESENDABLE,
                owner=self.owner,
                attempts=row.attempts + 1,
                order_id=None,
                venue_order=None,
                error_code=None,
                error_message=None,
                sent_at=None,
            )
            if armed is not None:
                log.info(
                    "order %s of %s is sent again (attempt %d)",
                    row.client_order_id,
                    row.account,
                    armed.attempts,
                )
                task = self._start_send(armed, venue, market)
        finally:
            self._claiming.discard(claiming)
        if armed is not None:
            return await self._await(task, venue, armed)
        # Another request or instance re-armed it first.
        current = await self.journal.by_client_order_id(row.account, row.client_order_id)
        assert current is not None
        return await self._existing(current, params_hash, venue, resent=True)

    def _start_send(self, row: JournalRow, venue: AccountVenue, market: Market) -> asyncio.Task[TradingOrder]:
        key = (row.account, row.client_order_id)
        task = asyncio.create_task(self._send(row, venue, market), name=f"send {row.client_order_id}")
        self._inflight[key] = task

        def done(finished: asyncio.Task[TradingOrder]) -> None:
            self._inflight.pop(key, None)
            if not finished.cancelled():
                finished.exception()  # retrieved: the caller may have stopped waiting at its deadline

        task.add_done_callback(done)
        return task

    async def _await(
        self, task: asyncio.Task[TradingOrder], venue: AccountVenue, row: JournalRow
    ) -> TradingOrder:
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=max(0.05, remaining(default=30.0)))
        except TimeoutError:
            current = await self.journal.by_client_order_id(row.account, row.client_order_id)
            return self.view(venue, current or row)

    async def _send(self, row: JournalRow, venue: AccountVenue, market: Market) -> TradingOrder:
        sent = await self.journal.transition(
            row,
            JournalState.SENT,
            from_states=(JournalState.PENDING_SEND,),
            owner=self.owner,
            sent_at=self.clock(),
        )
        if sent is None:  # reconciliation elsewhere took the row: report what the journal says
            current = await self.journal.by_client_order_id(row.account, row.client_order_id)
            assert current is not None
            if current.state is JournalState.REJECTED and not current.resendable:
                raise self._stored_error(current)
            return self.view(venue, current)
        request = OrderRequest(
            market, row.side, row.type, row.amount, row.price, row.client_order_id, row.time_in_force
        )
        try:
            order = await self._venue_call(venue, venue.adapter.create_order(request))
        except AMBIGUOUS as error:
            log.warning(
                "order %s of %s: outcome unknown after %s; settling by lookup",
                row.client_order_id,
                row.account,
                error.code.value,
            )
            unknown = await self._safe_transition(
                sent, JournalState.UNKNOWN, error_code=error.code.value, error_message=error.message
            )
            settled = await self.settle(unknown or sent, venue, wait=False)
            if settled.state is JournalState.REJECTED and not settled.resendable:
                raise self._stored_error(settled) from None
            return self.view(venue, settled)
        except GatewayError as error:
            await self._safe_transition(
                sent, JournalState.REJECTED, error_code=error.code.value, error_message=error.message
            )
            raise
        crash_point("venue_ack")
        acked = await self._acked(sent, order)
        return self.view(venue, acked or sent, order)

    async def _safe_transition(self, row: JournalRow, to: JournalState, **changes: Any) -> JournalRow | None:
        """After the send: a journal failure must not hide the venue's answer (the row stays SENT and
        reconciliation settles it later)."""
        try:
            return await self.journal.transition(
                row, to, from_states=(JournalState.SENT, JournalState.UNKNOWN), **changes
            )
        except JournalUnavailable:
            log.error(
                "order %s of %s: journal unavailable; row left %s",
                row.client_order_id,
                row.account,
                row.state,
            )
            return None

    async def _acked(self, row: JournalRow, order: Order) -> JournalRow | None:
        return await self._safe_transition(
            row, JournalState.ACKED, order_id=order.id, venue_order=order, error_code=None, error_message=None
        )

    # --- settling unknown outcomes ----------------------------------------------------------------------

    async def settle(self, row: JournalRow, venue: AccountVenue, *, wait: bool) -> JournalRow:
        """Ask the venue about a row that is not final. PENDING_SEND was never sent; SENT and UNKNOWN are
        looked up by client order id: found is ACKED, absent past the arrival window is REJECTED
        (NOT_PLACED). With `wait`, an absence inside the window is asked again once the window has passed.
        Venue errors leave the row as it is."""
        if row.state is JournalState.PENDING_SEND:
            done = await self.journal.transition(
                row,
                JournalState.REJECTED,
                from_states=(JournalState.PENDING_SEND,),
                error_code=Reason.NOT_SENT.value,
                error_message="the gateway stopped before sending the order; the venue never received it",
            )
            return done or await self._reload(row)
        if row.state in FINAL_STATES:
            return row
        while True:
            try:
                market = await venue.market(row.symbol)
                order = await self._venue_call(
                    venue, venue.adapter.fetch_order(market, None, row.client_order_id)
                )
            except OrderNotFound:
                deadline = (row.sent_at or row.created_at) + venue.arrival_window_ms
                if self.clock() >= deadline:
                    done = await self.journal.transition(
                        row,
                        JournalState.REJECTED,
                        from_states=(JournalState.SENT, JournalState.UNKNOWN),
                        error_code=Reason.NOT_PLACED.value,
                        error_message="the venue does not have the order, and a request in flight can no "
                        "longer be accepted",
                    )
                    return done or await self._reload(row)
                if not wait:
                    return row
                await self.sleep((deadline - self.clock()) / 1000 + 0.05)
                continue
            except GatewayError as error:
                log.warning(
                    "order %s of %s not settled yet: %s", row.client_order_id, row.account, error.code.value
                )
                return row
            done = await self.journal.transition(
                row,
                JournalState.ACKED,
                from_states=(JournalState.SENT, JournalState.UNKNOWN),
                order_id=order.id,
                venue_order=order,
                error_code=None,
                error_message=None,
            )
            return done or await self._reload(row)

    async def _reload(self, row: JournalRow) -> JournalRow:
        current = await self.journal.by_client_order_id(row.account, row.client_order_id)
        return current or row

    async def close(self) -> None:
        tasks = list(self._inflight.values())
        if tasks:  # orders being sent: let them finish their bookkeeping (bounded)
            await asyncio.wait(tasks, timeout=10)
        for venue in self.venues.values():
            try:
                await venue.close()
            except Exception:
                log.exception("closing account %s", venue.id)


def _newest_first(order: TradingOrder) -> int:
    if order.order is not None and order.order.timestamp:
        return order.order.timestamp
    return order.row.created_at if order.row is not None else 0


def _input_of(row: JournalRow) -> OrderInput:
    return OrderInput(
        account=row.account,
        symbol=row.symbol,
        side=row.side,
        type=row.type,
        amount=row.amount,
        price=row.price,
        idempotency_key=row.idempotency_key,
        time_in_force=row.time_in_force,
        client_order_id=row.client_order_id,
    )
