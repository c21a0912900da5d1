"""A local Binance spot upstream for trading tests: it checks signatures, keeps orders, and records every
order request it receives, whatever it then answers.

Served in-process (httpx.ASGITransport) or as a real server on 127.0.0.1 in a thread (`serving`), so a real
gateway process can reach it through EXCHANGEQL_UPSTREAM_BINANCE.

What it answers is shaped by Binance's recorded answers (tests/fixtures/ccxt-static/response/binance.json:
createOrder, fetchOrder, fetchBalance spot cases) and exchangeInfo (tests/fixtures/binance/
exchange_info.json); per order, the fields a venue fills in (ids, quantities, status) are set from the
request. Error bodies use Binance's documented codes and messages
(https://developers.binance.com/docs/binance-spot-api-docs/errors).

Fault modes, set by the test:
- new_order = "ok" | "hang" (take the order, then never answer) | "503_after_take" | "503_before_take"
  | "insufficient" (-2010) | "429" (-1003) | "echo_credentials" (reject, quoting the API key and secret
  back: a careless venue) | "500_echo" (the same in a 500: an unknown outcome)
- delay_s: how long a new order takes to be answered
- lookup = "ok" | "503"
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..conftest import free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_RESPONSES = json.loads((FIXTURES / "ccxt-static" / "response" / "binance.json").read_text())["methods"]
NEW_ORDER_TEMPLATE = _RESPONSES["createOrder"][0]["httpResponse"]  # "spot +selfTradePrevention +iceberg"
QUERY_ORDER_TEMPLATE = _RESPONSES["fetchOrder"][0]["httpResponse"]  # "Fetch spot closed order"
ACCOUNT_BODY = _RESPONSES["fetchBalance"][0]["httpResponse"]  # "Spot balance"
EXCHANGE_INFO = (FIXTURES / "binance" / "exchange_info.json").read_bytes()


def _error(status: int, code: int, msg: str) -> JSONResponse:
    return JSONResponse({"code": code, "msg": msg}, status_code=status)


@dataclass
class FakeBinance:
    api_key: str
    secret: str
    new_order: str = "ok"
    lookup: str = "ok"
    delay_s: float = 0.0
    echo_key_in_auth_errors: bool = False  # a careless venue quotes the key it did not accept
    received: list[dict[str, str]] = field(default_factory=list)  # every order POST, as received
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # by client order id
    release: threading.Event = field(default_factory=threading.Event)  # ends "hang"
    _next_id: int = 9780331417
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- helpers ------------------------------------------------------------------------------------------

    def client_order_ids(self) -> list[str]:
        with self._lock:
            return [r["newClientOrderId"] for r in self.received]

    def wait_received(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the upstream received {len(self.received)} orders, not {count}")
            time.sleep(0.01)

    def _authenticate(self, request: Request, payload: str) -> JSONResponse | None:
        key = request.headers.get("x-mbx-apikey")
        if key != self.api_key:
            quoted = f" {key}" if self.echo_key_in_auth_errors else ""
            return _error(401, -2015, f"Invalid API-key{quoted}, IP, or permissions for action.")
        unsigned, _, signature = payload.rpartition("&signature=")
        expected = hmac.new(self.secret.encode(), unsigned.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return _error(400, -1022, "Signature for this request is not valid.")
        return None

    def _order_body(self, order: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(template)
        for key in list(body):
            if key in order:
                body[key] = order[key]
        body.pop("icebergQty", None)
        return body

    # --- endpoints ----------------------------------------------------------------------------------------

    async def exchange_info(self, request: Request) -> Response:
        return Response(EXCHANGE_INFO, media_type="application/json")

    async def order(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._new_order(request)
        payload = request.url.query
        if (failure := self._authenticate(request, payload)) is not None:
            return failure
        params = dict(parse_qsl(payload))
        if request.method == "GET" and self.lookup == "503":
            return Response("Service Unavailable", status_code=503)
        order = self._find(params)
        if order is None:
            return _error(400, -2013, "Order does not exist.")
        if request.method == "DELETE":
            if order["status"] not in ("NEW", "PARTIALLY_FILLED"):
                return _error(400, -2011, "Unknown order sent.")
            order["status"] = "CANCELED"
        return JSONResponse(self._order_body(order, QUERY_ORDER_TEMPLATE))

    def _find(self, params: dict[str, str]) -> dict[str, Any] | None:
        with self._lock:
            if "origClientOrderId" in params:
                return self.orders.get(params["origClientOrderId"])
            return next((o for o in self.orders.values() if o["orderId"] == params.get("orderId")), None)

    async def _new_order(self, request: Request) -> Response:
        payload = (await request.body()).decode()
        params = dict(parse_qsl(payload))
        with self._lock:
            self.received.append(params)
        if self.new_order in ("echo_credentials", "500_echo"):
            key = request.headers.get("x-mbx-apikey")
            status, code = (400, -1013) if self.new_order == "echo_credentials" else (500, -1000)
            return _error(status, code, f"Filter failure: LOT_SIZE for key {key} and secret {self.secret}")
        if (failure := self._authenticate(request, payload)) is not None:
            return failure
        if self.new_order == "503_before_take":
            return Response("Service Unavailable", status_code=503)
        if self.new_order == "insufficient":
            return _error(400, -2010, "Account has insufficient balance for requested action.")
        if self.new_order == "429":
            return _error(429, -1003, "Too many requests; current limit is 6000 request weight per 1 MINUTE.")
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        client_order_id = params["newClientOrderId"]
        with self._lock:
            if client_order_id in self.orders:
                return _error(400, -2010, "Duplicate order sent.")
            now = int(time.time() * 1000)
            self._next_id += 1
            order = {
                "symbol": params["symbol"],
                "orderId": str(self._next_id),
                "clientOrderId": client_order_id,
                "transactTime": str(now),
                "time": str(now),
                "updateTime": str(now),
                "workingTime": str(now),
                "price": params.get("price", "0"),
                "origQty": params["quantity"],
                "executedQty": "0",
                "cummulativeQuoteQty": "0",
                "status": "NEW",
                "timeInForce": params.get("timeInForce", "GTC"),
                "type": params["type"],
                "side": params["side"],
            }
            self.orders[client_order_id] = order
        if self.new_order == "hang":
            # A threading.Event: the test thread releases it (an asyncio.Event belongs to the server's loop).
            await asyncio.to_thread(self.release.wait)
            return Response("", status_code=504)
        if self.new_order == "503_after_take":
            return Response("Service Unavailable", status_code=503)
        return JSONResponse(self._order_body(order, NEW_ORDER_TEMPLATE))

    async def open_orders(self, request: Request) -> Response:
        payload = request.url.query
        if (failure := self._authenticate(request, payload)) is not None:
            return failure
        symbol = dict(parse_qsl(payload)).get("symbol")
        with self._lock:
            found = [
                self._order_body(o, QUERY_ORDER_TEMPLATE)
                for o in self.orders.values()
                if o["status"] in ("NEW", "PARTIALLY_FILLED") and symbol in (None, o["symbol"])
            ]
        return JSONResponse(found)

    async def account(self, request: Request) -> Response:
        if (failure := self._authenticate(request, request.url.query)) is not None:
            return failure
        return JSONResponse(ACCOUNT_BODY)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v3/exchangeInfo", self.exchange_info),
                Route("/api/v3/order", self.order, methods=["GET", "POST", "DELETE"]),
                Route("/api/v3/openOrders", self.open_orders),
                Route("/api/v3/account", self.account),
            ]
        )


@contextlib.contextmanager
def serving(venue: FakeBinance) -> Iterator[str]:
    """The upstream as a real HTTP server on 127.0.0.1, in a thread; yields its origin."""
    port = free_port()
    config = uvicorn.Config(venue.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"fake binance :{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake binance upstream did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        venue.release.set()
        server.should_exit = True
        thread.join(timeout=10)
