"""ccxt unified calls (as recorded in request vectors) made on our adapters, for the signing tests."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Mapping
from decimal import Decimal
from typing import Any

from exchangeql.errors import GatewayError
from exchangeql.exchanges.base import Adapter
from exchangeql.models import Market, OrderRequest, OrderType, Side


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
