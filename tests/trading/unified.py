"""ccxt unified calls (as recorded in request vectors) made on our adapters, for the signing tests."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest

from exchangeql.errors import GatewayError
from exchangeql.exchanges.base import Adapter
from exchangeql.models import Market, Order, OrderRequest, OrderType, Side


def our_call(
    adapter: Adapter,
    markets: Mapping[str, Market],
    method: str,
    args: list[Any],
    client_order_id: str,
    *,
    default_symbol: str | None = None,
) -> Awaitable[Any]:
    """The adapter call for a ccxt unified call's arguments (amounts as the exact decimal of the JSON).

    `default_symbol` stands in where a recorded cancel or lookup names no symbol (Kraken needs none)."""
    if method == "createOrder":
        symbol, kind, side, amount = args[:4]
        price = args[4] if len(args) > 4 else None
        params = args[5] if len(args) > 5 and args[5] else {}
        tif = "PO" if params.get("postOnly") else params.get("timeInForce")
        request = OrderRequest(
            markets[symbol],
            Side(side),
            OrderType(kind),
            Decimal(str(amount)),
            None if price is None else Decimal(str(price)),
            params.get("clientOrderId", client_order_id),
            tif,
        )
        return adapter.create_order(request)
    if method in ("cancelOrder", "fetchOrder"):
        order_id, *rest = args
        symbol = rest[0] if rest and isinstance(rest[0], str) else default_symbol
        client = next((r.get("clientOrderId") for r in rest if isinstance(r, dict)), None)
        assert symbol is not None, f"{method} names no symbol"
        if method == "cancelOrder":
            return adapter.cancel_order(markets[symbol], order_id, client)
        return adapter.fetch_order(markets[symbol], order_id, client)
    if method == "fetchOpenOrders":
        return adapter.fetch_open_orders(markets[args[0]] if args and args[0] else None)
    assert method == "fetchBalance", method
    return adapter.fetch_balance()


async def requests_only(call: Awaitable[Any]) -> None:
    """Only the requests matter to a signing test; what is made of the answers is tested elsewhere."""
    with contextlib.suppress(GatewayError):
        await call


# --- orders: ours against ccxt's unified dicts, and credentials kept out of errors ---------------------


def order_fields(order: Order) -> dict[str, Any]:
    """Our Order in ccxt's unified shape (the fields our model carries)."""
    return {
        "id": order.id,
        "clientOrderId": order.client_order_id,
        "timestamp": order.timestamp,
        "symbol": order.symbol,
        "type": order.type.value,
        "side": order.side.value,
        "price": order.price,
        "amount": order.amount,
        "cost": order.cost,
        "filled": order.filled,
        "remaining": order.remaining,
        "status": order.status.value,
        "fee": None if order.fee is None else (order.fee.cost, order.fee.currency),
    }


def ccxt_order_fields(order: Mapping[str, Any]) -> dict[str, Any]:
    """The same fields of a ccxt unified order (recorded parsedResponse, or ccxt's parse_order)."""
    fee = order.get("fee")
    keys = ("id", "clientOrderId", "timestamp", "symbol", "type", "side", "price", "amount", "cost")
    return {
        **{k: order.get(k) for k in (*keys, "filled", "remaining", "status")},
        "fee": None if not fee or fee.get("cost") is None else (fee["cost"], fee.get("currency")),
    }


def same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        return all(same(a, b) for a, b in zip(ours, theirs, strict=True))
    if isinstance(ours, Decimal | int) and not isinstance(ours, bool) and theirs is not None:
        return Decimal(str(theirs)) == Decimal(ours)
    return bool(ours == theirs)


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (v, theirs[k]) for k, v in ours.items() if not same(v, theirs[k])}


def assert_no_canary(error: GatewayError, caplog: pytest.LogCaptureFixture, canaries: Iterable[str]) -> None:
    """No credential in the error's text, its repr, or any log record (message or arguments)."""
    texts = [str(error), repr(error), error.message, *(r.getMessage() for r in caplog.records)]
    texts += [str(r.args) for r in caplog.records]
    for text in texts:
        for canary in canaries:
            assert canary not in text, text
