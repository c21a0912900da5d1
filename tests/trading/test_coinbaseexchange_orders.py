"""Coinbase Exchange orders and balances through our parsers, against ccxt 4.5.90 parsing the same payload;
then the trading adapter through a real VenueClient over httpx.MockTransport: what each call sends, that an
order is never sent twice, how venue errors map, and that no credential leaves in an error or a log.

The ccxt recordings (ccxt-static response/coinbaseexchange.json) hold no private answer, so there is no
recorded unified result to compare with: the payloads are the venue's documented examples (see
tests/fixtures/coinbaseexchange/PROVENANCE.md), and variants of the documented order with the fields each
test names changed, to reach a filled market order and a canceled one.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt
import httpx
import msgspec
import pytest

from exchangeql.errors import (
    AuthenticationFailed,
    BadSymbol,
    GatewayError,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)
from exchangeql.exchanges.base import Method, Support
from exchangeql.exchanges.coinbaseexchange import constants as c
from exchangeql.exchanges.coinbaseexchange import parsing
from exchangeql.exchanges.coinbaseexchange.adapter import CoinbaseExchangeAdapter
from exchangeql.exchanges.coinbaseexchange.errors import ERRORS
from exchangeql.exchanges.coinbaseexchange.schemas import Account, Product
from exchangeql.exchanges.coinbaseexchange.schemas import Order as WireOrder
from exchangeql.exchanges.coinbaseexchange.signing import CoinbaseExchangeSigner
from exchangeql.models import Balance, MarketIndex, Order, OrderRequest, OrderStatus, OrderType, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.trading.accounts import AccountConfig
from exchangeql.trading.credentials import Credentials, Secret
from exchangeql.trading.service import DEFAULT_ARRIVAL_WINDOW_MS, AccountVenue
from exchangeql.transport.client import build_venue_client

from . import unified

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "coinbaseexchange"
PRODUCTS = (FIXTURES / "products.json").read_bytes()
ORDER_DOCS = (FIXTURES / "order_docs.json").read_bytes()
ORDERS_DOCS = (FIXTURES / "orders_docs.json").read_bytes()
ACCOUNTS_DOCS = (FIXTURES / "accounts_docs.json").read_bytes()
INDEX = MarketIndex.of(parsing.parse_markets(msgspec.json.decode(PRODUCTS, type=list[Product])))
MARKETS = INDEX.by_symbol
DOCS_ORDER_ID = "a9625b04-fc66-4999-a876-543c3684d702"
CLIENT_ORDER_ID = "6d1b345e-2821-40e2-ad83-4ecb18a06876"

_DOCUMENTED = json.loads(ORDER_DOCS)
# Variants of the documented order; each names the fields it changes.
FILLED_MARKET = {
    **{k: v for k, v in _DOCUMENTED.items() if k not in ("price", "time_in_force", "post_only", "max_floor")},
    "type": "market",
    "size": "0.30000000",
    "filled_size": "0.30000000",
    "executed_value": "20193.2100000000000000",
    "fill_fees": "30.2898150000000000",
    "status": "done",
    "done_reason": "filled",
    "done_at": "2020-03-11T20:48:46.731Z",
    "client_oid": CLIENT_ORDER_ID,
}
CANCELED_PARTLY = {
    **_DOCUMENTED,
    "filled_size": "0.25000000",
    "executed_value": "2.5000000000000000",
    "status": "done",
    "done_reason": "canceled",
}
THIRDS = {**FILLED_MARKET, "executed_value": "100.0000000000000000"}  # an average of 333.33...
PAYLOADS = {
    "documented": _DOCUMENTED,
    "filled market": FILLED_MARKET,
    "canceled": CANCELED_PARTLY,
    "thirds": THIRDS,
}


def _parse(payload: dict[str, Any]) -> Order:
    order = parsing.parse_order(msgspec.convert(payload, WireOrder), MARKETS["BTC/USD"])
    assert order is not None
    return order


@pytest.fixture(scope="module")
def oracle() -> Any:
    exchange = ccxt.coinbaseexchange()
    exchange.number = str  # exact decimal strings
    products = json.loads(PRODUCTS)
    exchange.fetch = lambda url, method="GET", headers=None, body=None: products
    exchange.set_markets(exchange.fetch_markets())
    return exchange


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_orders_match_ccxt_4_5_90(name: str, oracle: Any) -> None:
    ours = unified.order_fields(_parse(PAYLOADS[name]))
    theirs = unified.ccxt_order_fields(oracle.parse_order(PAYLOADS[name]))
    different = unified.differences(ours, theirs)
    assert not different, different


def test_values_of_the_documented_and_variant_orders() -> None:
    documented = _parse(_DOCUMENTED)
    assert (documented.id, documented.symbol, documented.status, documented.type) == (
        DOCS_ORDER_ID,
        "BTC/USD",
        OrderStatus.OPEN,
        OrderType.LIMIT,
    )
    assert (documented.price, documented.amount, documented.remaining) == (
        Decimal(10),
        Decimal(1),
        Decimal(1),
    )
    assert documented.timestamp == 1583959726622
    market = _parse(FILLED_MARKET)
    assert (market.status, market.price, market.cost) == (
        OrderStatus.CLOSED,
        Decimal("67310.7"),  # executed_value / filled_size: the average fill price
        Decimal("20193.21"),
    )
    assert market.fee is not None and (market.fee.cost, market.fee.currency) == (Decimal("30.289815"), "USD")
    assert market.client_order_id == CLIENT_ORDER_ID
    canceled = _parse(CANCELED_PARTLY)
    assert (canceled.status, canceled.filled, canceled.remaining) == (
        OrderStatus.CANCELED,
        Decimal("0.25"),
        Decimal("0.75"),
    )
    assert _parse(THIRDS).price == Decimal("333.333333333333333333")  # cut at 18 decimals, as ccxt


def test_stop_orders_are_left_out_of_lists() -> None:
    stop = {**_DOCUMENTED, "type": "stop", "stop": "loss", "stop_price": "9.00000000"}  # changed: type, stop
    payload = msgspec.convert([_DOCUMENTED, stop], list[WireOrder])
    assert [o.id for o in parsing.parse_orders(payload, INDEX.by_id)] == [DOCS_ORDER_ID]


def test_balances_match_ccxt_4_5_90(oracle: Any) -> None:
    ours = parsing.parse_balances(msgspec.json.decode(ACCOUNTS_DOCS, type=list[Account]))
    assert ours == [Balance("USD", Decimal(0), Decimal(0), Decimal(0))]
    theirs = oracle.parse_balance(json.loads(ACCOUNTS_DOCS))
    assert tuple(Decimal(str(theirs["USD"][k])) for k in ("free", "used", "total")) == (0, 0, 0)
    # Which field is which (the documented account holds zeros only): a variant with the three distinct.
    distinct = [{**json.loads(ACCOUNTS_DOCS)[0], "balance": "3.5", "hold": "1.25", "available": "2.25"}]
    (balance,) = parsing.parse_balances(msgspec.convert(distinct, list[Account]))
    theirs = oracle.parse_balance(distinct)["USD"]
    assert (balance.free, balance.used, balance.total) == (Decimal("2.25"), Decimal("1.25"), Decimal("3.5"))
    assert (balance.free, balance.used, balance.total) == tuple(
        Decimal(str(theirs[k])) for k in ("free", "used", "total")
    )


def test_client_oid_must_be_a_uuid() -> None:
    assert re.match(c.CLIENT_ORDER_ID_PATTERN, CLIENT_ORDER_ID)
    assert not re.match(c.CLIENT_ORDER_ID_PATTERN, "eq0123456789abcdef0123456789abcd")  # the gateway then
    # generates a UUID for this venue (trading/service.py, AccountVenue.new_client_order_id)


# --- the adapter over the transport ----------------------------------------------------------------------

KEY = "CANARYKEYcoinbase0api0key0value"
SECRET_TEXT = b"CANARYSECRETcoinbase0secret0value"
SECRET = "Q0FOQVJZU0VDUkVUY29pbmJhc2Uwc2VjcmV0MHZhbHVl"  # base64 of SECRET_TEXT
PASSPHRASE = "CANARYPASScoinbase0passphrase"
CANARIES = (KEY, SECRET, SECRET_TEXT.decode(), PASSPHRASE)
NOW = 1_705_259_439_563


class Venue:
    """Answers (method, path) from `answers`, else the documented example for it; keeps every request."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, bytes]] | None = None) -> None:
        self.answers = answers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.raw_path.decode().split("?")[0])
        if key in self.answers:
            status, body = self.answers[key]
            return httpx.Response(status, content=body)
        return httpx.Response(200, content=self.default(request))

    @staticmethod
    def default(request: httpx.Request) -> bytes:
        path = request.url.path
        if path == c.PRODUCTS:
            return PRODUCTS
        if path == c.ACCOUNTS:
            return ACCOUNTS_DOCS
        if path == c.ORDERS and request.method == "GET":
            return ORDERS_DOCS
        if request.method == "DELETE":
            return json.dumps(DOCS_ORDER_ID).encode()
        return ORDER_DOCS

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.url.raw_path.decode()) for r in self.requests]


def trading(venue: Venue) -> CoinbaseExchangeAdapter:
    client = build_venue_client(
        "coinbaseexchange",
        ExchangeSettings(),
        errors=ERRORS,
        default_rate_limit=c.RATE_LIMIT,
        deadline_s=5,
        transport=httpx.MockTransport(venue),
    )
    credentials = Credentials(Secret(KEY), Secret(SECRET), Secret(PASSPHRASE))
    return CoinbaseExchangeAdapter(client, signer=CoinbaseExchangeSigner(credentials, clock=lambda: NOW))


def limit_buy(tif: str | None = None) -> OrderRequest:
    return OrderRequest(
        MARKETS["BTC/USD"],
        Side.BUY,
        OrderType.LIMIT,
        Decimal("1.00000000"),
        Decimal("10.00"),
        CLIENT_ORDER_ID,
        tif,
    )


def test_trading_capabilities_are_declared() -> None:
    adapter = trading(Venue())
    traded = (Method.FETCH_BALANCE, Method.CREATE_ORDER, Method.CANCEL_ORDER, Method.FETCH_ORDER)
    assert all(adapter.capabilities[m] is Support.NATIVE for m in (*traded, Method.FETCH_OPEN_ORDERS))
    assert adapter.client_order_id_pattern == c.CLIENT_ORDER_ID_PATTERN
    assert not hasattr(adapter, "order_arrival_window_ms")  # the gateway's default window applies


async def test_create_order_posts_json_once_and_parses_the_answer() -> None:
    venue = Venue()
    order = await trading(venue).create_order(limit_buy("PO"))
    (request,) = venue.requests
    assert (request.method, request.url.path) == ("POST", c.ORDERS)
    assert request.content == (
        b'{"type":"limit","side":"buy","product_id":"BTC-USD",'
        b'"client_oid":"6d1b345e-2821-40e2-ad83-4ecb18a06876","post_only":true,"price":"10","size":"1"}'
    )
    assert request.headers["CB-ACCESS-TIMESTAMP"] == str(NOW // 1000)
    assert (order.id, order.status, order.symbol) == (DOCS_ORDER_ID, OrderStatus.OPEN, "BTC/USD")


async def test_market_orders_are_sized_in_the_base_currency() -> None:
    venue = Venue()
    request = OrderRequest(
        MARKETS["BTC/USD"], Side.SELL, OrderType.MARKET, Decimal("0.0010"), None, CLIENT_ORDER_ID
    )
    await trading(venue).create_order(request)
    assert json.loads(venue.requests[0].content) == {
        "type": "market",
        "side": "sell",
        "product_id": "BTC-USD",
        "client_oid": CLIENT_ORDER_ID,
        "size": "0.001",
    }


async def test_an_order_answered_503_is_not_sent_again() -> None:
    venue = Venue({("POST", c.ORDERS): (503, b'{"message":"service unavailable"}')})
    with pytest.raises(GatewayError) as raised:
        await trading(venue).create_order(limit_buy())
    assert raised.value.code.value == "EXCHANGE_UNAVAILABLE"
    assert venue.calls == [("POST", c.ORDERS)]


async def test_an_order_is_found_by_client_order_id() -> None:
    venue = Venue()
    order = await trading(venue).fetch_order(MARKETS["BTC/USD"], None, CLIENT_ORDER_ID)
    assert venue.calls == [("GET", f"/orders/client:{CLIENT_ORDER_ID}")]
    assert order.id == DOCS_ORDER_ID


async def test_cancel_looks_the_order_up_cancels_it_and_reports_it_again() -> None:
    canceled = json.dumps({**_DOCUMENTED, "status": "done", "done_reason": "canceled"}).encode()  # variant
    venue = Venue()
    adapter = trading(venue)
    venue.answers[("GET", f"/orders/{DOCS_ORDER_ID}")] = (200, canceled)
    order = await adapter.cancel_order(MARKETS["BTC/USD"], None, CLIENT_ORDER_ID)
    assert venue.calls == [
        ("GET", f"/orders/client:{CLIENT_ORDER_ID}"),
        ("DELETE", f"/orders/client:{CLIENT_ORDER_ID}?product_id=BTC-USD"),
        ("GET", f"/orders/{DOCS_ORDER_ID}"),
    ]
    assert (order.id, order.status) == (DOCS_ORDER_ID, OrderStatus.CANCELED)


async def test_an_order_purged_after_its_cancel_is_reported_canceled_unfilled() -> None:
    venue = Venue({("GET", f"/orders/{DOCS_ORDER_ID}"): (404, b'{"message":"NotFound"}')})
    venue.answers[("GET", "/orders/first")] = (200, ORDER_DOCS)
    order = await trading(venue).cancel_order(MARKETS["BTC/USD"], "first", None)
    assert [m for m, _ in venue.calls] == ["GET", "DELETE", "GET"]
    assert (order.id, order.status, order.filled, order.remaining) == (
        DOCS_ORDER_ID,
        OrderStatus.CANCELED,
        Decimal(0),
        Decimal(1),
    )


async def test_an_order_id_cannot_name_another_path() -> None:
    venue = Venue()
    await trading(venue).fetch_order(MARKETS["BTC/USD"], "../accounts?x=1", None)
    assert venue.calls == [("GET", "/orders/..%2Faccounts%3Fx%3D1")]


ERROR_CASES = [
    (("POST", c.ORDERS), 400, b'{"message":"Insufficient funds"}', InsufficientFunds),
    (("POST", c.ORDERS), 400, b'{"message":"size is too small. Minimum size is 0.00001"}', InvalidOrder),
    (("POST", c.ORDERS), 400, b'{"message":"price too precise"}', InvalidOrder),
    (("POST", c.ORDERS), 401, b'{"message":"Invalid API Key"}', AuthenticationFailed),
    (("POST", c.ORDERS), 400, b'{"message":"invalid signature"}', AuthenticationFailed),
    (("POST", c.ORDERS), 429, b'{"message":"Private rate limit exceeded"}', RateLimited),
    (("GET", "/orders/nope"), 404, b'{"message":"NotFound"}', OrderNotFound),
    (("DELETE", f"/orders/{DOCS_ORDER_ID}"), 400, b'{"message":"Order already done"}', OrderNotFound),
    (("GET", c.ACCOUNTS), 401, b'{"message":"Invalid Passphrase"}', AuthenticationFailed),
]


@pytest.mark.parametrize(
    ("where", "status", "body", "error"),
    ERROR_CASES,
    ids=[f"{w[0]} {w[1]} {s}" for w, s, _, _ in ERROR_CASES],
)
async def test_venue_errors_map_and_carry_no_credential(
    where: tuple[str, str],
    status: int,
    body: bytes,
    error: type[GatewayError],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    venue = Venue({where: (status, body)})
    adapter = trading(venue)
    with pytest.raises(error) as raised:
        if where == ("POST", c.ORDERS):
            await adapter.create_order(limit_buy())
        elif where[0] == "DELETE":
            await adapter.cancel_order(MARKETS["BTC/USD"], DOCS_ORDER_ID, None)
        elif where[1] == c.ACCOUNTS:
            await adapter.fetch_balance()
        else:
            await adapter.fetch_order(MARKETS["BTC/USD"], "nope", None)
    assert raised.value.exchange == "coinbaseexchange"
    assert [(m, p.split("?")[0]) for m, p in venue.calls].count(where) == 1  # never retried
    unified.assert_no_canary(raised.value, caplog, CANARIES)


async def test_a_missing_product_is_still_a_bad_symbol_on_market_data() -> None:
    venue = Venue({("GET", "/products/NOPE-USD/ticker"): (404, b'{"message":"NotFound"}')})
    with pytest.raises(BadSymbol):
        await trading(venue).endpoints.product_ticker("NOPE-USD")


async def test_a_venue_quoting_the_credentials_back_does_not_leak_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    quoted = json.dumps({"message": f"invalid signature for {KEY} with passphrase {PASSPHRASE}"}).encode()
    venue = Venue({("POST", c.ORDERS): (400, quoted)})
    with pytest.raises(AuthenticationFailed) as raised:
        await trading(venue).create_order(limit_buy())
    assert "[redacted]" in raised.value.message
    unified.assert_no_canary(raised.value, caplog, CANARIES)


def test_the_gateway_generates_client_order_ids_coinbaseexchange_accepts() -> None:
    """The trading service's own id generator, given this adapter: every id it makes passes the venue's rule
    (and the service's), so no order is refused for its client order id."""
    account = AccountConfig("main", "coinbaseexchange", False, "native", Credentials())
    venue = AccountVenue(account, trading(Venue()), Settings())
    generated = {venue.new_client_order_id() for _ in range(200)}
    assert len(generated) == 200
    for client_order_id in generated:
        assert re.match(c.CLIENT_ORDER_ID_PATTERN, client_order_id), client_order_id
        assert re.match(r"^[A-Za-z0-9_.:/-]{1,36}$", client_order_id)
        assert str(uuid.UUID(client_order_id)) == client_order_id
    assert venue.arrival_window_ms == DEFAULT_ARRIVAL_WINDOW_MS
