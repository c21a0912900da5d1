"""Trading types: Account (balances, orders), Order with its journal state, and the order mutations.

Credentials never appear here: an Account shows its id, exchange and sandbox flag only.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import strawberry

from .. import models
from ..clock import iso8601
from ..resolvers import trading as r
from ..resolvers.context import Info
from ..trading.accounts import AccountConfig
from ..trading.service import OrderInput, TradingOrder
from .scalars import Long
from .types import Side


@strawberry.enum
class OrderType(enum.Enum):
    MARKET = "market"
    LIMIT = "limit"


@strawberry.enum
class OrderStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"


@strawberry.enum(description="How long a limit order works: GTC (default), IOC, FOK, or PO (post only).")
class TimeInForce(enum.Enum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    PO = "PO"


@strawberry.enum(
    description="Where an order placed through the gateway stands in its write-ahead journal. PENDING_SEND: "
    "recorded, not sent. SENT: on its way. ACKED: the venue has it. REJECTED: the venue refused it, or it "
    "provably never reached the venue. UNKNOWN: sent, outcome not known yet (settled by looking the order up "
    "by clientOrderId; retry with the same idempotencyKey, never a new one)."
)
class JournalState(enum.Enum):
    PENDING_SEND = "PENDING_SEND"
    SENT = "SENT"
    ACKED = "ACKED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


@strawberry.type
class Balance:
    currency: str
    free: Decimal
    used: Decimal
    total: Decimal

    @classmethod
    def from_domain(cls, b: models.Balance) -> Balance:
        return cls(currency=b.currency, free=b.free, used=b.used, total=b.total)


@strawberry.type
class Fee:
    cost: Decimal
    currency: str


@strawberry.type(
    description="An order. Fields the venue has not confirmed yet (journalState PENDING_SEND, SENT or "
    "UNKNOWN) are null: id, status, filled, remaining, cost."
)
class Order:
    id: str | None
    client_order_id: str | None
    exchange_id: str
    account: str
    symbol: str
    type: OrderType
    side: Side
    price: Decimal | None
    amount: Decimal
    filled: Decimal | None
    remaining: Decimal | None
    cost: Decimal | None
    fee: Fee | None
    status: OrderStatus | None
    timestamp: Long | None
    datetime: str | None
    journal_state: JournalState | None = strawberry.field(
        description="Null for orders not placed through this gateway."
    )

    @classmethod
    def from_domain(cls, t: TradingOrder) -> Order:
        o = t.order
        fee = o.fee if o is not None else None
        status = t.status
        state = t.journal_state
        timestamp = o.timestamp if o is not None else None
        return cls(
            id=t.id,
            client_order_id=t.client_order_id,
            exchange_id=t.exchange_id,
            account=t.account,
            symbol=t.symbol,
            type=OrderType(t.type.value),
            side=Side(t.side.value),
            price=t.price,
            amount=t.amount,
            filled=o.filled if o is not None else None,
            remaining=o.remaining if o is not None else None,
            cost=o.cost if o is not None else None,
            fee=Fee(cost=fee.cost, currency=fee.currency) if fee is not None else None,
            status=OrderStatus(status.value) if status is not None else None,
            timestamp=Long(timestamp) if timestamp is not None else None,
            datetime=iso8601(timestamp),
            journal_state=JournalState(state.value) if state is not None else None,
        )


@strawberry.type(description="A trading account configured on the server. Its credentials are write-only.")
class Account:
    id: str
    exchange_id: str
    sandbox: bool = strawberry.field(
        description="Trades on the venue's test network; fixed for the account's life."
    )
    config: strawberry.Private[AccountConfig]

    @classmethod
    def from_config(cls, config: AccountConfig) -> Account:
        return cls(id=config.id, exchange_id=config.exchange_id, sandbox=config.sandbox, config=config)

    @strawberry.field
    async def balances(self, info: Info) -> list[Balance]:
        return [Balance.from_domain(b) for b in await r.balances(info, self.config)]

    @strawberry.field(
        description="Orders placed through the gateway (newest first) and the venue's other open orders."
    )
    async def orders(
        self,
        info: Info,
        symbol: str | None = None,
        status: OrderStatus | None = None,
        limit: Annotated[int | None, strawberry.argument(description="1-500, default 50")] = None,
    ) -> list[Order]:
        wanted = models.OrderStatus(status.value) if status is not None else None
        return [Order.from_domain(o) for o in await r.orders(info, self.config, symbol, wanted, limit)]

    @strawberry.field(
        description="One order by id or clientOrderId; symbol is needed only for orders placed elsewhere "
        "that are no longer open. Null when the venue does not know it."
    )
    async def order(
        self,
        info: Info,
        id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> Order | None:
        found = await r.order(info, self.config, id, client_order_id, symbol)
        return Order.from_domain(found) if found is not None else None


@strawberry.input
class CreateOrderInput:
    account: str
    symbol: str
    side: Side
    type: OrderType
    amount: Decimal = strawberry.field(description="In base currency.")
    idempotency_key: str = strawberry.field(
        description="Your key for this order (1-128 printable characters). Sending the same key with the "
        "same parameters again returns the same order, never a second one; with other parameters it is "
        "IDEMPOTENCY_CONFLICT."
    )
    price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = strawberry.field(
        default=None, description="Your client order id; the gateway generates one when omitted."
    )

    def to_domain(self) -> OrderInput:
        return OrderInput(
            account=self.account,
            symbol=self.symbol,
            side=models.Side(self.side.value),
            type=models.OrderType(self.type.value),
            amount=self.amount,
            price=self.price,
            idempotency_key=self.idempotency_key,
            time_in_force=self.time_in_force.value if self.time_in_force is not None else None,
            client_order_id=self.client_order_id,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Place an order (needs the trade scope for the account). Checked against the market's "
        "precision and limits, journaled before it is sent, sent once."
    )
    async def create_order(self, info: Info, input: CreateOrderInput) -> Order:
        return Order.from_domain(await r.create_order(info, input.to_domain()))

    @strawberry.mutation(description="Cancel an open order by id or clientOrderId (needs the trade scope).")
    async def cancel_order(
        self,
        info: Info,
        account: str,
        id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> Order:
        return Order.from_domain(await r.cancel_order(info, account, id, client_order_id, symbol))
