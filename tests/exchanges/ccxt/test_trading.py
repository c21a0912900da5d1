"""Trading passes through to ccxt: our client order id goes along, orders come back as ours, POSTs go once.

Credentials arrive with the trading layer; here the ccxt instance gets the fixed test credentials ccxt's
own static tests use (apiKey "key", secret "secretsecret"), so that ccxt signs and sends the request.
The answers are hitbtc's recorded createOrder and fetchOpenOrders answers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from exchangeql.errors import ExchangeUnavailable
from exchangeql.exchanges.ccxt_bridge import CcxtAdapter
from exchangeql.models import Market, Order, OrderRequest, OrderStatus, OrderType, Side

from . import Upstream, ccxt_adapter, differences, load_fixture

CLIENT_ORDER_ID = "exq-0001"


def unified_order(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "clientOrderId": order.client_order_id,
        "symbol": order.symbol,
        "type": order.type.value,
        "side": order.side.value,
        "price": order.price,
        "amount": order.amount,
        "filled": order.filled,
        "remaining": order.remaining,
        "cost": order.cost,
        "status": order.status.value,
        "timestamp": order.timestamp,
    }


def _signed_in(adapter: CcxtAdapter) -> dict[str, Market]:
    adapter.exchange.apiKey, adapter.exchange.secret = "key", "secretsecret"
    return {m.symbol: m for m in adapter.set_markets(load_fixture("hitbtc").unified_markets())}


def _limit_buy(market: Market) -> OrderRequest:
    # the recorded case's input: ['TRX/USDT', 'limit', 'buy', 50, 0.05]
    return OrderRequest(market, Side.BUY, OrderType.LIMIT, Decimal("50"), Decimal("0.05"), CLIENT_ORDER_ID)


async def test_create_order_sends_our_client_order_id_once() -> None:
    (case,) = load_fixture("hitbtc").of("createOrder")
    upstream = Upstream(case.routes())
    async with ccxt_adapter("hitbtc", upstream) as adapter:
        markets = _signed_in(adapter)
        order = await adapter.create_order(_limit_buy(markets["TRX/USDT"]))
    (request,) = upstream.requests
    assert request.method == "POST" and request.url.path == "/api/3/spot/order"
    sent = json.loads(request.content)
    assert sent["clientOrderId"] == CLIENT_ORDER_ID  # handed to ccxt as its unified param
    assert (sent["quantity"], sent["price"], sent["side"], sent["type"]) == ("50", "0.05", "buy", "limit")
    assert "key" not in request.url.query.decode()  # hitbtc signs in a header, never in the URL
    assert not differences(unified_order(order), case.parsed())
    assert order.status is OrderStatus.OPEN and order.filled == 0 and order.remaining == 50


async def test_create_order_is_never_retried() -> None:
    upstream = Upstream()
    upstream.responder = lambda request: httpx.Response(503, text="Service Unavailable")
    async with ccxt_adapter("hitbtc", upstream) as adapter:
        markets = _signed_in(adapter)
        with pytest.raises(ExchangeUnavailable):
            await adapter.create_order(_limit_buy(markets["TRX/USDT"]))
    # a GET would have been tried 3 times; an order may have reached the venue, so it is sent once
    assert [r.method for r in upstream.requests] == ["POST"]


async def test_open_orders_come_back_as_ours() -> None:
    (case,) = load_fixture("hitbtc").of("fetchOpenOrders")
    upstream = Upstream(case.routes())
    async with ccxt_adapter("hitbtc", upstream) as adapter:
        markets = _signed_in(adapter)
        orders = await adapter.fetch_open_orders(markets["TRX/USDT"])
    (request,) = upstream.requests
    assert request.method == "GET" and request.url.path == "/api/3/spot/order"
    assert request.url.params["symbol"] == "TRXUSDT"
    assert not differences([unified_order(o) for o in orders], case.parsed())
