"""The paper venue's matching engine: one account's balances and orders against the simulated market.

Rules (what a user of the paper exchange can rely on):
- Amounts are in base currency. Prices and amounts must sit on the market's tick and step and within its
  limits, and amount * price must reach the minimum cost; otherwise InvalidOrder names the rule broken.
- Fees are charged in the quote currency on both sides: a buy pays cost + fee, a sell receives cost - fee.
  The taker rate applies to fills against the simulated book, the maker rate to resting limit orders filled
  by later prints. Every amount is exact Decimal arithmetic (an inexact operation raises), so for every
  currency total = free + used, to the last digit.
- A market order walks the simulated book of the current second level by level; what the book's depth
  cannot fill expires (status expired). A limit order first takes whatever the book offers at its price or
  better, then rests: each later second whose print trades at or through its price fills it at its price,
  for up to that print's amount, until it is filled or canceled. Fills are worked out lazily, on each call,
  for every second since the last call. Orders have no market impact: every order sees the same simulated
  book and prints, and two orders can fill from the same print.
- Time in force: GTC (default), IOC (take what the book offers now, expire the rest), FOK (all now or expire
  without a fill) and PO (post only: rejected if it would take). Market orders are IOC.
- Funds: a GTC or PO limit buy holds amount * price * (1 + the higher fee rate) of quote as used, a sell
  holds its amount of base; each fill spends from what is held, and what a fill did not need (a taker fill
  below the limit price) goes back to free at once. Cancel releases what is still held. Orders that do not
  rest (market, IOC, FOK) need the cost + fee of their fills (a buy) or their amount (a sell) free.
- Cancelling an order that is no longer open is InvalidOrder (it exists, but there is nothing to cancel);
  an id this account does not know is OrderNotFound.
- Client order ids are unique per account (a duplicate is InvalidOrder). Only the newest
  `max_closed_orders` finished orders are kept; an older one is forgotten along with its client order id.

State is plain data: `snapshot()` gives a JSON-able dict (Decimals as strings) and `restore()` rebuilds the
engine from it, so the account can be persisted under the data directory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

from ...errors import BadRequest, GatewayError, InsufficientFunds, InvalidOrder, OrderNotFound
from ...models import Balance, Fee, Market, Order, OrderBookLevel, OrderRequest, OrderStatus, OrderType, Side
from .simulation import STEP_MS, MarketSimulator, step_of

DEFAULT_BALANCES: Mapping[str, Decimal] = {
    "USDT": Decimal("100000"),
    "BTC": Decimal("10"),
    "ETH": Decimal("100"),
}
TIME_IN_FORCE = ("GTC", "IOC", "FOK", "PO")
SNAPSHOT_VERSION = 1

# Balances must add up to the last digit: any rounding inside the engine raises instead of hiding.
_EXACT = Context(prec=60, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
_DISPLAY = Context(prec=40, rounding=ROUND_HALF_EVEN)
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Fees:
    maker: Decimal = Decimal("0.001")
    taker: Decimal = Decimal("0.001")


@dataclass(slots=True)
class _Wallet:
    free: Decimal
    used: Decimal


@dataclass(slots=True)
class _Order:
    id: str
    client_order_id: str | None
    symbol: str
    side: Side
    type: OrderType
    price: Decimal | None  # the limit price; None for market orders
    amount: Decimal
    time_in_force: str
    timestamp: int
    filled: Decimal = _ZERO
    cost: Decimal = _ZERO
    fee: Decimal = _ZERO
    status: OrderStatus = OrderStatus.OPEN
    reserved: Decimal = _ZERO  # quote (buy) or base (sell) still held as used for this order
    evaluated_step: int = 0  # fills are worked out up to and including this step
    fills: int = 0
    last_trade_timestamp: int | None = None

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled

    @property
    def rests(self) -> bool:
        return self.type is OrderType.LIMIT and self.time_in_force in ("GTC", "PO")


@contextmanager
def _exact() -> Iterator[None]:
    with localcontext(_EXACT):
        yield


class MatchingEngine:
    """One paper account: balances per currency and orders, matched against a `MarketSimulator`."""

    def __init__(
        self,
        simulator: MarketSimulator,
        balances: Mapping[str, Decimal] | None = None,
        *,
        fees: Fees | None = None,
        max_closed_orders: int = 10_000,
    ) -> None:
        self.simulator = simulator
        self.fees = fees or Fees()
        self._reserve_rate = 1 + max(self.fees.maker, self.fees.taker)
        start = DEFAULT_BALANCES if balances is None else balances
        self._wallets = {code: _Wallet(Decimal(value), _ZERO) for code, value in start.items()}
        self._orders: dict[str, _Order] = {}
        self._by_client: dict[str, _Order] = {}
        self._open: dict[str, _Order] = {}
        self._closed: deque[str] = deque()
        self._next_id = 1
        self._max_closed = max_closed_orders

    @property
    def exchange_id(self) -> str:
        return self.simulator.exchange_id

    # -- reads -----------------------------------------------------------------------------------------

    def balances(self, now_ms: int) -> list[Balance]:
        with _exact():
            self._sync(step_of(now_ms))
            return [
                Balance(code, wallet.free, wallet.used, wallet.free + wallet.used)
                for code, wallet in sorted(self._wallets.items())
            ]

    def fetch_order(
        self, symbol: str | None, order_id: str | None, client_order_id: str | None, now_ms: int
    ) -> Order:
        with _exact():
            self._sync(step_of(now_ms))
            return self._to_domain(self._find(symbol, order_id, client_order_id))

    def open_orders(self, symbol: str | None, now_ms: int) -> list[Order]:
        with _exact():
            self._sync(step_of(now_ms))
            return [self._to_domain(o) for o in self._open.values() if symbol is None or o.symbol == symbol]

    # -- writes ----------------------------------------------------------------------------------------

    def create_order(self, request: OrderRequest, now_ms: int) -> Order:
        with _exact():
            step = step_of(now_ms)
            self._sync(step)
            market = self.simulator.market(request.market.symbol)
            amount, price, tif = self._validate(request, market)
            buy = request.side is Side.BUY
            fills = self._takeable(market.symbol, step, buy, amount, price)
            taken = sum((a for _, a in fills), _ZERO)
            if tif == "PO" and fills:
                raise self._invalid(f"post-only order at {price} would trade at once against {fills[0][0]}")
            if tif == "FOK" and taken < amount:
                fills = []
            order = _Order(
                id=str(self._next_id),
                client_order_id=request.client_order_id or None,
                symbol=market.symbol,
                side=request.side,
                type=request.type,
                price=price,
                amount=amount,
                time_in_force=tif,
                timestamp=now_ms,
                evaluated_step=step,
            )
            self._reserve(order, market, fills)
            self._next_id += 1
            self._orders[order.id] = order
            if order.client_order_id is not None:
                self._by_client[order.client_order_id] = order
            for fill_price, fill_amount in fills:
                self._fill(order, fill_price, fill_amount, self.fees.taker, now_ms)
            if order.remaining == 0:
                self._finish(order, OrderStatus.CLOSED)
            elif order.rests:
                self._open[order.id] = order
            else:
                self._finish(order, OrderStatus.EXPIRED)
            return self._to_domain(order)

    def cancel_order(
        self, symbol: str | None, order_id: str | None, client_order_id: str | None, now_ms: int
    ) -> Order:
        with _exact():
            self._sync(step_of(now_ms))
            order = self._find(symbol, order_id, client_order_id)
            if order.status is not OrderStatus.OPEN:
                raise self._invalid(
                    f"order {order.id} is {order.status.value}; only open orders can be canceled"
                )
            self._finish(order, OrderStatus.CANCELED)
            return self._to_domain(order)

    # -- validation and funds --------------------------------------------------------------------------

    def _invalid(self, message: str) -> InvalidOrder:
        return InvalidOrder(message, exchange=self.exchange_id)

    def _validate(self, request: OrderRequest, market: Market) -> tuple[Decimal, Decimal | None, str]:
        symbol, limits = market.symbol, market.limits
        if request.client_order_id and request.client_order_id in self._by_client:
            raise self._invalid(f"duplicate client order id {request.client_order_id!r}")
        tif = (request.time_in_force or "GTC").upper()
        if tif not in TIME_IN_FORCE:
            raise self._invalid(
                f"time in force {tif[:16]!r} is not supported; use one of {', '.join(TIME_IN_FORCE)}"
            )
        amount = self._on_grid(
            "amount", request.amount, limits.amount.min, limits.amount.max, market.precision.amount, symbol
        )
        price: Decimal | None = None
        if request.type is OrderType.MARKET:
            if tif == "PO":
                raise self._invalid("a post-only order needs a limit price")
            tif = "FOK" if tif == "FOK" else "IOC"
        else:
            if request.price is None:
                raise self._invalid("a limit order needs a price")
            price = self._on_grid(
                "price", request.price, limits.price.min, limits.price.max, market.precision.price, symbol
            )
            cost = amount * price
            if limits.cost.min is not None and cost < limits.cost.min:
                raise self._invalid(f"cost {cost} is below the minimum {limits.cost.min} for {symbol}")
        return amount, price, tif

    def _on_grid(
        self,
        what: str,
        value: Decimal,
        low: Decimal | None,
        high: Decimal | None,
        step: Decimal | None,
        symbol: str,
    ) -> Decimal:
        if not value.is_finite() or value <= 0:
            raise self._invalid(f"{what} must be a positive number, got {value}")
        if low is not None and value < low:
            raise self._invalid(f"{what} {value} is below the minimum {low} for {symbol}")
        if high is not None and value > high:
            raise self._invalid(f"{what} {value} is above the maximum {high} for {symbol}")
        if step is None:
            return value
        if value % step != 0:
            raise self._invalid(f"{what} {value} is not a multiple of the {what} step {step} for {symbol}")
        return value.quantize(step)

    def _takeable(
        self, symbol: str, step: int, buy: bool, amount: Decimal, limit: Decimal | None
    ) -> list[tuple[Decimal, Decimal]]:
        """The fills the simulated book offers now: best level first, at `limit` or better."""
        bids, asks = self.simulator.book(symbol, step)
        levels: tuple[OrderBookLevel, ...] = asks if buy else bids
        fills = []
        left = amount
        for level in levels:
            if left == 0 or (limit is not None and (level.price > limit if buy else level.price < limit)):
                break
            take = min(left, level.amount)
            fills.append((level.price, take))
            left -= take
        return fills

    def _wallet(self, code: str) -> _Wallet:
        wallet = self._wallets.get(code)
        if wallet is None:
            wallet = self._wallets[code] = _Wallet(_ZERO, _ZERO)
        return wallet

    def _reserve(self, order: _Order, market: Market, fills: list[tuple[Decimal, Decimal]]) -> None:
        """Check the funds an order needs, and hold them as used when it can rest."""
        if order.side is Side.BUY:
            code = market.quote
            if order.rests:
                assert order.price is not None
                need = order.amount * order.price * self._reserve_rate
            else:
                need = sum((p * a * (1 + self.fees.taker) for p, a in fills), _ZERO)
        else:
            code, need = market.base, order.amount
        wallet = self._wallet(code)
        if wallet.free < need:
            raise InsufficientFunds(
                f"insufficient {code} for this order: needs {need}, free {wallet.free}",
                exchange=self.exchange_id,
            )
        if order.rests:
            wallet.free -= need
            wallet.used += need
            order.reserved = need

    # -- fills -----------------------------------------------------------------------------------------

    def _fill(self, order: _Order, price: Decimal, amount: Decimal, rate: Decimal, now_ms: int) -> None:
        market = self.simulator.market(order.symbol)
        base, quote = self._wallet(market.base), self._wallet(market.quote)
        cost = price * amount
        fee = cost * rate
        if order.side is Side.BUY:
            base.free += amount
            if order.rests:
                assert order.price is not None
                held = amount * order.price * self._reserve_rate
                quote.used -= held
                order.reserved -= held
                quote.free += held - cost - fee
            else:
                quote.free -= cost + fee
        else:
            if order.rests:
                base.used -= amount
                order.reserved -= amount
            else:
                base.free -= amount
            quote.free += cost - fee
        order.filled += amount
        order.cost += cost
        order.fee += fee
        order.fills += 1
        order.last_trade_timestamp = now_ms

    def _sync(self, step: int) -> None:
        """Fill resting orders from every print since they were last looked at, up to `step`."""
        for order in list(self._open.values()):
            if order.evaluated_step >= step:
                continue
            assert order.price is not None
            buy = order.side is Side.BUY
            for at, printed in self.simulator.crossings(
                order.symbol, order.evaluated_step + 1, step, order.price, buy=buy
            ):
                self._fill(order, order.price, min(order.remaining, printed), self.fees.maker, at * STEP_MS)
                if order.remaining == 0:
                    self._finish(order, OrderStatus.CLOSED)
                    break
            order.evaluated_step = step

    def _finish(self, order: _Order, status: OrderStatus) -> None:
        order.status = status
        if order.reserved:
            market = self.simulator.market(order.symbol)
            wallet = self._wallet(market.quote if order.side is Side.BUY else market.base)
            wallet.used -= order.reserved
            wallet.free += order.reserved
            order.reserved = _ZERO
        self._open.pop(order.id, None)
        self._closed.append(order.id)
        while len(self._closed) > self._max_closed:
            old = self._orders.pop(self._closed.popleft(), None)
            if old is not None and old.client_order_id is not None:
                self._by_client.pop(old.client_order_id, None)

    # -- lookups and output ----------------------------------------------------------------------------

    def _find(self, symbol: str | None, order_id: str | None, client_order_id: str | None) -> _Order:
        if order_id is None and client_order_id is None:
            raise BadRequest("an order id or a client order id is required", exchange=self.exchange_id)
        order = (
            self._orders.get(order_id) if order_id is not None else self._by_client.get(client_order_id or "")
        )
        if (
            order is None
            or (client_order_id is not None and order.client_order_id != client_order_id)
            or (symbol is not None and order.symbol != symbol)
        ):
            wanted = order_id if order_id is not None else f"with client order id {client_order_id}"
            where = f" on {symbol}" if symbol is not None else ""
            raise OrderNotFound(f"no order {wanted}{where}", exchange=self.exchange_id)
        return order

    def _to_domain(self, order: _Order) -> Order:
        market = self.simulator.market(order.symbol)
        average = None
        if order.filled:
            tick = market.precision.price or Decimal("1e-8")
            average = _DISPLAY.divide(order.cost, order.filled).quantize(tick, context=_DISPLAY)
        return Order(
            id=order.id,
            client_order_id=order.client_order_id,
            exchange_id=self.exchange_id,
            symbol=order.symbol,
            type=order.type,
            side=order.side,
            price=order.price if order.type is OrderType.LIMIT else average,
            amount=order.amount,
            filled=order.filled,
            remaining=order.remaining,
            cost=order.cost,
            status=order.status,
            timestamp=order.timestamp,
            fee=Fee(order.fee, market.quote),
            info={
                "timeInForce": order.time_in_force,
                "average": None if average is None else str(average),
                "fills": order.fills,
                "lastTradeTimestamp": order.last_trade_timestamp,
            },
        )

    # -- persistence -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The account as plain JSON-able data (Decimals as strings)."""
        return {
            "version": SNAPSHOT_VERSION,
            "next_id": self._next_id,
            "balances": {
                code: {"free": str(w.free), "used": str(w.used)} for code, w in sorted(self._wallets.items())
            },
            "orders": [_order_to_dict(o) for o in self._orders.values()],
        }

    @classmethod
    def restore(
        cls,
        simulator: MarketSimulator,
        data: Mapping[str, Any],
        *,
        fees: Fees | None = None,
        max_closed_orders: int = 10_000,
    ) -> MatchingEngine:
        """An engine from `snapshot()` output; ValueError if the data is not a snapshot this version reads."""
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(
                f"paper account snapshot version {data.get('version')!r} is not {SNAPSHOT_VERSION}"
            )
        engine = cls(simulator, {}, fees=fees, max_closed_orders=max_closed_orders)
        try:
            engine._next_id = int(data["next_id"])
            for code, wallet in data["balances"].items():
                engine._wallets[str(code)] = _Wallet(Decimal(wallet["free"]), Decimal(wallet["used"]))
            for raw in data["orders"]:
                order = _order_from_dict(raw)
                simulator.market(order.symbol)  # a market this simulator knows
                engine._orders[order.id] = order
                if order.client_order_id is not None:
                    engine._by_client[order.client_order_id] = order
                if order.status is OrderStatus.OPEN:
                    engine._open[order.id] = order
                else:
                    engine._closed.append(order.id)
        except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation, GatewayError) as exc:
            raise ValueError(f"malformed paper account snapshot: {exc!r}") from exc
        return engine


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _order_to_dict(order: _Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "client_order_id": order.client_order_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "type": order.type.value,
        "price": _text(order.price),
        "amount": str(order.amount),
        "time_in_force": order.time_in_force,
        "timestamp": order.timestamp,
        "filled": str(order.filled),
        "cost": str(order.cost),
        "fee": str(order.fee),
        "status": order.status.value,
        "reserved": str(order.reserved),
        "evaluated_step": order.evaluated_step,
        "fills": order.fills,
        "last_trade_timestamp": order.last_trade_timestamp,
    }


def _order_from_dict(raw: Mapping[str, Any]) -> _Order:
    price = raw["price"]
    last_trade = raw["last_trade_timestamp"]
    return _Order(
        id=str(raw["id"]),
        client_order_id=None if raw["client_order_id"] is None else str(raw["client_order_id"]),
        symbol=str(raw["symbol"]),
        side=Side(raw["side"]),
        type=OrderType(raw["type"]),
        price=None if price is None else Decimal(price),
        amount=Decimal(raw["amount"]),
        time_in_force=str(raw["time_in_force"]),
        timestamp=int(raw["timestamp"]),
        filled=Decimal(raw["filled"]),
        cost=Decimal(raw["cost"]),
        fee=Decimal(raw["fee"]),
        status=OrderStatus(raw["status"]),
        reserved=Decimal(raw["reserved"]),
        evaluated_step=int(raw["evaluated_step"]),
        fills=int(raw["fills"]),
        last_trade_timestamp=None if last_trade is None else int(last_trade),
    )
