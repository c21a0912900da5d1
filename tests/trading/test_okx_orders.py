"""OKX orders and balances: recorded answers (tests/fixtures/ccxt-static/response/okx.json) through our
parsers, against the unified result ccxt recorded for each and against ccxt 4.5.90 parsing the same payload
now; then the trading adapter through a real VenueClient over httpx.MockTransport: what each call sends,
that an order is never sent twice, how venue errors map (OKX reports a failed order inside an HTTP 200, with
code "1" and the reason in the item's sCode), and that no credential leaves in an error or a log.

Where our model says more than ccxt's result, the difference is named per case and asserted: the answer to
an order placement carries only ids and a time, so our order is the request, open and unfilled, timed by the
answer (ccxt: amounts, status and time empty). Algo orders (conditional, trigger) are not modelled.
"""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt
import httpx
import msgspec
import pytest

from exchangeql.errors import (
    AuthenticationFailed,
    BadRequest,
    ExchangeUnavailable,
    GatewayError,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)
from exchangeql.exchanges.base import Method, Support
from exchangeql.exchanges.okx import constants as c
from exchangeql.exchanges.okx import parsing
from exchangeql.exchanges.okx import schemas as wire
from exchangeql.exchanges.okx.adapter import OkxAdapter
from exchangeql.exchanges.okx.errors import ERRORS
from exchangeql.exchanges.okx.signing import OkxSigner
from exchangeql.models import MarketIndex, Order, OrderRequest, OrderStatus, OrderType, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.trading.accounts import AccountConfig
from exchangeql.trading.credentials import Credentials, Secret
from exchangeql.trading.service import AccountVenue
from exchangeql.transport.client import build_venue_client

from . import unified

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RESPONSES = json.loads((FIXTURES / "ccxt-static" / "response" / "okx.json").read_text())["methods"]
INSTRUMENTS = {
    kind: (FIXTURES / "okx" / f"instruments_{kind}.json").read_bytes() for kind in ("SPOT", "SWAP")
}
INDEX = MarketIndex.of(
    m
    for body in INSTRUMENTS.values()
    for m in parsing.parse_markets(msgspec.json.decode(body, type=wire.Instruments, strict=False).data)
)
MARKETS = INDEX.by_symbol
RAW_MARKETS = [m["info"] for m in json.loads((FIXTURES / "okx" / "ccxt_markets.json").read_text()).values()]
CLIENT_ORDER_ID = "eq0123456789abcdef0123456789abcd"


def _case(method: str, description: str, index: int = 0) -> dict[str, Any]:
    cases = [k for k in RESPONSES[method] if k["description"] == description]
    return cases[index]


ACK = {
    "timestamp": (1758827099512, None),
    "amount": (Decimal("0.01"), None),
    "filled": (Decimal(0), None),
    "remaining": (Decimal("0.01"), None),
    "cost": (Decimal(0), None),
    "status": ("open", None),
}
OPEN_SWAP_ORDER = "fetch swap limit open order with take profit and stop loss"
ORDER_CASES: list[tuple[str, str, dict[str, tuple[Any, Any]]]] = [
    ("createOrder", "type2 & type3 together", ACK),
    ("fetchOrder", "fetch spot order", {}),
    ("fetchOpenOrders", OPEN_SWAP_ORDER, {}),
]


def _parsed(method: str, description: str) -> list[Order]:
    case = _case(method, description)
    if method == "createOrder":
        symbol, kind, side, amount = case["input"][:4]
        request = OrderRequest(
            MARKETS[symbol], Side(side), OrderType(kind), Decimal(str(amount)), None, CLIENT_ORDER_ID
        )
        (ack,) = msgspec.convert(case["httpResponse"], wire.OrderAcks, strict=False).data
        return [parsing.parse_new_order(ack, request)]
    orders = msgspec.convert(case["httpResponse"], wire.Orders, strict=False).data
    return parsing.parse_orders(orders, INDEX)


@pytest.mark.parametrize(
    ("method", "description", "expected"), ORDER_CASES, ids=[d for _, d, _ in ORDER_CASES]
)
def test_orders_match_ccxts_recorded_result(
    method: str, description: str, expected: dict[str, tuple[Any, Any]]
) -> None:
    recorded = _case(method, description)["parsedResponse"]
    recorded = recorded if isinstance(recorded, list) else [recorded]
    ours = _parsed(method, description)
    assert len(ours) == len(recorded) == 1
    assert (
        unified.differences(unified.order_fields(ours[0]), unified.ccxt_order_fields(recorded[0])) == expected
    )


@pytest.fixture(scope="module")
def oracle() -> Any:
    exchange = ccxt.okx()
    exchange.number = str  # exact decimal strings
    exchange.set_markets([exchange.parse_market(info) for info in RAW_MARKETS])
    return exchange


@pytest.mark.parametrize(
    ("method", "description", "expected"), ORDER_CASES, ids=[d for _, d, _ in ORDER_CASES]
)
def test_orders_match_ccxt_4_5_90(
    method: str, description: str, expected: dict[str, tuple[Any, Any]], oracle: Any
) -> None:
    case = _case(method, description)
    (payload,) = case["httpResponse"]["data"]
    market = oracle.market(case["input"][0]) if method == "createOrder" else None
    theirs = oracle.parse_order(payload, market)
    if method == "createOrder":  # ccxt's create_order sets these from its arguments after parsing
        theirs["type"], theirs["side"] = case["input"][1], case["input"][2]
    (ours,) = _parsed(method, description)
    assert unified.differences(unified.order_fields(ours), unified.ccxt_order_fields(theirs)) == expected


def test_values_of_a_filled_spot_market_order() -> None:
    (order,) = _parsed("fetchOrder", "fetch spot order")
    assert (order.symbol, order.type, order.side, order.status) == (
        "LTC/USDT",
        OrderType.MARKET,
        Side.BUY,
        OrderStatus.CLOSED,
    )
    assert (order.price, order.amount, order.filled, order.cost) == (
        Decimal("101.58"),  # avgPx: a market order has no px
        Decimal("0.1"),
        Decimal("0.1"),
        Decimal("10.158"),
    )
    assert order.fee is not None and (order.fee.cost, order.fee.currency) == (Decimal("0.0001"), "LTC")


def test_algo_orders_are_left_out() -> None:
    case = _case("fetchOpenOrders", "fetchOpenOrders trigger with since = 0")
    orders = msgspec.convert(case["httpResponse"], wire.Orders, strict=False).data
    assert [o.ordType for o in orders] == ["conditional"]
    assert parsing.parse_orders(orders, INDEX) == []


@pytest.mark.parametrize("index", [0, 1], ids=["type swap", "no params"])
def test_balances_match_ccxts_recorded_result_and_ccxt_4_5_90(index: int, oracle: Any) -> None:
    case = _case("fetchBalance", "spot balance", index)
    ours = parsing.parse_balances(msgspec.convert(case["httpResponse"], wire.Balances, strict=False).data)
    recorded = case["parsedResponse"]
    theirs = oracle.parse_trading_balance(case["httpResponse"])
    meta = ("info", "free", "used", "total", "timestamp", "datetime")
    assert [b.currency for b in ours] == [k for k in recorded if k not in meta]
    for balance in ours:
        values = (balance.free, balance.used, balance.total)
        for unified_balance in (recorded[balance.currency], theirs[balance.currency]):
            assert values == tuple(Decimal(str(unified_balance[k])) for k in ("free", "used", "total"))
    btc = next(b for b in ours if b.currency == "BTC")
    assert btc.used == Decimal("0.4000000000000001")  # eq - availEq, exactly as the venue's strings say


def test_balances_without_avail_eq_use_avail_bal_and_frozen_bal() -> None:
    detail = {"ccy": "USDT", "eq": "100.5", "availEq": "", "availBal": "90", "frozenBal": "10.5"}
    (balance,) = parsing.parse_balances([msgspec.convert({"details": [detail]}, wire.AccountBalance)])
    assert (balance.free, balance.used, balance.total) == (Decimal(90), Decimal("10.5"), Decimal("100.5"))


# --- the adapter over the transport ----------------------------------------------------------------------

KEY = "CANARYKEY-okx-0f3b5a1c-api-key"
SECRET = "CANARYSECRETOKX0F3B5A1C9D7E2B4A"
PASSPHRASE = "CANARYPASS okx passphrase"
CANARIES = (KEY, SECRET, PASSPHRASE)
NOW = 1_712_410_901_848

ANSWERS: dict[str, bytes] = {
    c.BATCH_ORDERS: json.dumps(_case("createOrder", "type2 & type3 together")["httpResponse"]).encode(),
    c.ORDER: json.dumps(_case("fetchOrder", "fetch spot order")["httpResponse"]).encode(),
    c.ORDERS_PENDING: json.dumps(_case("fetchOpenOrders", OPEN_SWAP_ORDER)["httpResponse"]).encode(),
    c.ACCOUNT_BALANCE: json.dumps(_case("fetchBalance", "spot balance", 1)["httpResponse"]).encode(),
    # The documented answer shape of a cancel (none recorded): the order's ids, sCode "0".
    c.CANCEL_ORDER: b'{"code":"0","msg":"","data":[{"clOrdId":"","ordId":"1339107111507525632",'
    b'"sCode":"0","sMsg":""}]}',
}


def failed(s_code: str, s_msg: str) -> bytes:
    """A failed order request as OKX answers it: HTTP 200, code "1", the reason in the item."""
    item = {
        "clOrdId": CLIENT_ORDER_ID,
        "ordId": "",
        "sCode": s_code,
        "sMsg": s_msg,
        "tag": "",
        "ts": str(NOW),
    }
    return json.dumps({"code": "1", "data": [item], "msg": "All operations failed"}).encode()


class Venue:
    def __init__(self, answers: dict[str, tuple[int, bytes]] | None = None) -> None:
        self.answers = answers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == c.INSTRUMENTS:
            return httpx.Response(200, content=INSTRUMENTS[request.url.params["instType"]])
        status, body = self.answers.get(path, (200, ANSWERS[path]))
        return httpx.Response(status, content=body)

    @property
    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def trading(venue: Venue) -> OkxAdapter:
    client = build_venue_client(
        "okx",
        ExchangeSettings(),
        errors=ERRORS,
        default_rate_limit=c.RATE_LIMIT,
        deadline_s=5,
        transport=httpx.MockTransport(venue),
    )
    credentials = Credentials(Secret(KEY), Secret(SECRET), Secret(PASSPHRASE))
    return OkxAdapter(client, signer=OkxSigner(credentials, clock=lambda: NOW))


def limit_buy(tif: str | None = None) -> OrderRequest:
    return OrderRequest(
        MARKETS["LTC/USDT"],
        Side.BUY,
        OrderType.LIMIT,
        Decimal("2.000"),
        Decimal("50.0"),
        CLIENT_ORDER_ID,
        tif,
    )


def test_trading_capabilities_are_declared() -> None:
    adapter = trading(Venue())
    traded = (Method.FETCH_BALANCE, Method.CREATE_ORDER, Method.CANCEL_ORDER, Method.FETCH_ORDER)
    assert all(adapter.capabilities[m] is Support.NATIVE for m in (*traded, Method.FETCH_OPEN_ORDERS))
    assert adapter.order_arrival_window_ms == c.ORDER_EXPIRY_MS + c.CLOCK_SKEW_MS
    assert re.match(adapter.client_order_id_pattern, CLIENT_ORDER_ID)  # the gateway's generated form
    assert not re.match(adapter.client_order_id_pattern, "6d1b345e-2821-40e2-ad83-4ecb18a06876")  # hyphens
    assert not re.match(adapter.client_order_id_pattern, "a" * 33)


@pytest.mark.parametrize(
    ("tif", "ord_type"),
    [(None, "limit"), ("GTC", "limit"), ("PO", "post_only"), ("IOC", "ioc"), ("FOK", "fok")],
)
async def test_create_order_posts_one_order_once_with_its_expiry(tif: str | None, ord_type: str) -> None:
    venue = Venue()
    order = await trading(venue).create_order(limit_buy(tif))
    (request,) = venue.requests
    assert (request.method, request.url.path) == ("POST", c.BATCH_ORDERS)
    assert json.loads(request.content) == [
        {
            "instId": "LTC-USDT",
            "side": "buy",
            "ordType": ord_type,
            "sz": "2",
            "tdMode": "cash",
            "tgtCcy": "base_ccy",
            "px": "50",
            "clOrdId": CLIENT_ORDER_ID,
        }
    ]
    assert request.headers["expTime"] == str(NOW + c.ORDER_EXPIRY_MS)
    assert (order.id, order.status, order.amount, order.timestamp) == (
        "2896576259728695296",
        OrderStatus.OPEN,
        Decimal("2.000"),
        1758827099512,
    )


async def test_an_order_answered_503_is_not_sent_again() -> None:
    venue = Venue({c.BATCH_ORDERS: (503, b"<html>503 Service Temporarily Unavailable</html>")})
    with pytest.raises(ExchangeUnavailable):
        await trading(venue).create_order(limit_buy())
    assert venue.paths == [c.BATCH_ORDERS]


async def test_cancel_then_reports_the_order() -> None:
    venue = Venue()
    order = await trading(venue).cancel_order(MARKETS["LTC/USDT"], None, CLIENT_ORDER_ID)
    assert venue.paths == [c.CANCEL_ORDER, c.ORDER]
    assert json.loads(venue.requests[0].content) == {"instId": "LTC-USDT", "clOrdId": CLIENT_ORDER_ID}
    # the cancel answered the venue's id: the lookup uses it
    assert venue.requests[1].url.query.decode() == "instId=LTC-USDT&ordId=1339107111507525632"
    assert order.id == "1339107111507525632"


async def test_an_order_is_found_by_client_order_id() -> None:
    venue = Venue()
    await trading(venue).fetch_order(MARKETS["LTC/USDT"], None, CLIENT_ORDER_ID)
    assert venue.requests[0].url.query.decode() == f"instId=LTC-USDT&clOrdId={CLIENT_ORDER_ID}"


async def test_an_order_lookup_needs_its_instrument() -> None:
    venue = Venue()
    with pytest.raises(BadRequest, match="symbol is required"):
        await trading(venue).fetch_order(None, "1339107111507525632", None)
    assert venue.requests == []


async def test_open_orders_of_every_instrument_load_the_markets_once() -> None:
    venue = Venue()
    adapter = trading(venue)
    (order,) = await adapter.fetch_open_orders(None)
    await adapter.fetch_open_orders(None)
    assert venue.paths.count(c.INSTRUMENTS) == 2  # SPOT and SWAP, once
    assert venue.paths.count(c.ORDERS_PENDING) == 2
    assert (order.symbol, order.type, order.price, order.amount) == (
        "ADA/USDT:USDT",
        OrderType.LIMIT,
        Decimal("0.2"),
        Decimal(50),
    )


ERROR_CASES = [
    (
        c.BATCH_ORDERS,
        200,
        failed("51008", "Order failed. Insufficient USDT balance in account."),
        InsufficientFunds,
    ),
    (
        c.BATCH_ORDERS,
        200,
        failed("51121", "Order quantity must be a multiple of the lot size."),
        InvalidOrder,
    ),
    (c.BATCH_ORDERS, 200, failed("51016", "Duplicated client order ID"), InvalidOrder),
    (c.BATCH_ORDERS, 401, b'{"msg":"Invalid Sign","code":"50113"}', AuthenticationFailed),
    (c.BATCH_ORDERS, 429, b'{"msg":"Too Many Requests","code":"50011"}', RateLimited),
    (c.ORDER, 200, b'{"code":"51603","msg":"Order does not exist","data":[]}', OrderNotFound),
    (
        c.CANCEL_ORDER,
        200,
        failed("51400", "Order cancellation failed as the order does not exist."),
        OrderNotFound,
    ),
    (
        c.ACCOUNT_BALANCE,
        401,
        b'{"msg":"OK-ACCESS-PASSPHRASE incorrect","code":"50105"}',
        AuthenticationFailed,
    ),
]


@pytest.mark.parametrize(
    ("path", "status", "body", "error"), ERROR_CASES, ids=[f"{p} {b[-60:]!r}" for p, _, b, _ in ERROR_CASES]
)
async def test_venue_errors_map_and_carry_no_credential(
    path: str, status: int, body: bytes, error: type[GatewayError], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    venue = Venue({path: (status, body)})
    adapter = trading(venue)
    with pytest.raises(error) as raised:
        if path == c.BATCH_ORDERS:
            await adapter.create_order(limit_buy())
        elif path == c.CANCEL_ORDER:
            await adapter.cancel_order(MARKETS["LTC/USDT"], "1339107111507525632", None)
        elif path == c.ORDER:
            await adapter.fetch_order(MARKETS["LTC/USDT"], "1", None)
        else:
            await adapter.fetch_balance()
    assert raised.value.exchange == "okx"
    assert venue.paths.count(path) == 1  # never retried
    unified.assert_no_canary(raised.value, caplog, CANARIES)


def test_a_failed_order_reports_the_items_reason_not_the_envelopes() -> None:
    error = ERRORS.from_body(failed("51008", "Order failed. Insufficient USDT balance in account."))
    assert isinstance(error, InsufficientFunds)
    assert "Insufficient USDT balance" in error.message and "51008" in error.message
    assert ERRORS.from_body(ANSWERS[c.BATCH_ORDERS]) is None  # the recorded acknowledgement: sCode "0"


async def test_a_venue_quoting_the_credentials_back_does_not_leak_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    quoted = failed("50113", f"Invalid Sign for key {KEY} and passphrase {PASSPHRASE} ({SECRET})")
    venue = Venue({c.BATCH_ORDERS: (200, quoted)})
    with pytest.raises(AuthenticationFailed) as raised:
        await trading(venue).create_order(limit_buy())
    assert "[redacted]" in raised.value.message
    unified.assert_no_canary(raised.value, caplog, CANARIES)


def test_the_gateway_generates_client_order_ids_okx_accepts() -> None:
    """The trading service's own id generator, given this adapter: every id it makes passes the venue's rule
    (and the service's), so no order is refused for its client order id."""
    account = AccountConfig("main", "okx", False, "native", Credentials())
    venue = AccountVenue(account, trading(Venue()), Settings())
    generated = {venue.new_client_order_id() for _ in range(200)}
    assert len(generated) == 200
    for client_order_id in generated:
        assert re.match(c.CLIENT_ORDER_ID_PATTERN, client_order_id), client_order_id
        assert re.match(r"^[A-Za-z0-9_.:/-]{1,36}$", client_order_id)
        assert client_order_id.startswith("eq") and len(client_order_id) == 32
    assert venue.arrival_window_ms == c.ORDER_EXPIRY_MS + c.CLOCK_SKEW_MS
