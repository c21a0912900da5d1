"""Coinbase Exchange signed requests: what our adapter puts on the wire, against ccxt's recorded request
vectors and against ccxt 4.5.90 signing the same requests (differential).

Vectors: tests/fixtures/ccxt-static/request/coinbaseexchange.json, every case of the methods we trade with,
compared by ccxt's rules (README.md there): the recorded host is the old api.pro.coinbase.com, so only the
path is compared; JSON bodies compare as dictionaries; the file skips no key. Each case is classified below;
a new recorded case fails the test until it is. Where our request differs, the difference is named and
asserted: every order carries the gateway's client_oid; ccxt forwards its own `type` option into the
accounts query; and a cancel names its product as the venue asks ("it is highly recommended that you
specify the product id as a query string"), where ccxt sends the unified symbol in a DELETE body.

Differential: every request our adapter sends (lookups around a cancel included) is signed again by ccxt's
own `sign()` with the same path, parameters, timestamp and keys; URL, body and headers must be equal as
strings, signature included. And for order placement, ccxt's create_order run on the same unified inputs
must build the very body we send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ccxt.async_support as ccxt_async
import httpx
import msgspec
import pytest

from exchangeql.errors import AuthenticationFailed
from exchangeql.exchanges.coinbaseexchange import constants as c
from exchangeql.exchanges.coinbaseexchange import parsing
from exchangeql.exchanges.coinbaseexchange.adapter import CoinbaseExchangeAdapter, create
from exchangeql.exchanges.coinbaseexchange.errors import ERRORS
from exchangeql.exchanges.coinbaseexchange.schemas import Product
from exchangeql.exchanges.coinbaseexchange.signing import CoinbaseExchangeSigner
from exchangeql.models import Market
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.trading.credentials import Credentials, Secret
from exchangeql.transport.client import build_venue_client

from . import unified

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VECTORS = json.loads((FIXTURES / "ccxt-static" / "request" / "coinbaseexchange.json").read_text())
CCXT_KEY, CCXT_SECRET, CCXT_PASSWORD = "key", "secretsecret", "password"  # ccxt's defaults
TRADED = ("createOrder", "cancelOrder", "fetchOrder", "fetchOpenOrders", "fetchBalance")
PRODUCTS = (FIXTURES / "coinbaseexchange" / "products.json").read_bytes()
MARKETS: dict[str, Market] = {
    m.symbol: m for m in parsing.parse_markets(msgspec.json.decode(PRODUCTS, type=list[Product]))
}
CLIENT_ORDER_ID = "6d1b345e-2821-40e2-ad83-4ecb18a06876"
ORDER_DOCS = (FIXTURES / "coinbaseexchange" / "order_docs.json").read_bytes()
DOCS_ORDER_ID = "a9625b04-fc66-4999-a876-543c3684d702"

# Vectors our adapter reproduces: description -> (keys only ours has, keys only the vector has), in the body
# of a POST or the query of a GET.
COMPARED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Spot limit buy": (frozenset({"client_oid"}), frozenset()),
    "Spot market buy": (frozenset({"client_oid"}), frozenset()),
    "Spot market sell": (frozenset({"client_oid"}), frozenset()),
    "Spot limit buy with postOnly": (frozenset({"client_oid"}), frozenset()),
    "Fetch spot order": (frozenset(), frozenset()),
    "fetch spot open orders": (frozenset(), frozenset()),
    "Fetch spot Balance": (frozenset(), frozenset({"type"})),  # ccxt's own option, forwarded
}
# The product of a cancel: in the query, as the venue's id (ours); in a DELETE body, as the unified symbol.
CANCEL = "Cancel spot order"
NOT_MODELLED = {
    "Spot limit buy with triggerPrice": "stop orders",
    "Fetch swap Balance": "no swap accounts on Coinbase Exchange",
}


def traded_cases() -> list[dict[str, Any]]:
    return [case for method in TRADED for case in VECTORS["methods"].get(method, [])]


# What the fake venue answers: the venue's documented examples (see fixtures/coinbaseexchange/PROVENANCE.md).
def answer(request: httpx.Request) -> bytes:
    path = request.url.path
    if path == c.PRODUCTS:
        return PRODUCTS
    if path == c.ACCOUNTS:
        return (FIXTURES / "coinbaseexchange" / "accounts_docs.json").read_bytes()
    if path == c.ORDERS and request.method == "GET":
        return (FIXTURES / "coinbaseexchange" / "orders_docs.json").read_bytes()
    if request.method == "DELETE":
        return json.dumps(DOCS_ORDER_ID).encode()  # the documented answer: the canceled order's id
    return ORDER_DOCS


class Wire:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, content=answer(request))

    @property
    def signed(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != c.PRODUCTS]


def adapter(
    wire: Wire,
    *,
    timestamp_ms: int,
    key: str = CCXT_KEY,
    secret: str = CCXT_SECRET,
    password: str = CCXT_PASSWORD,
    sandbox: bool = False,
) -> CoinbaseExchangeAdapter:
    client = build_venue_client(
        "coinbaseexchange",
        ExchangeSettings(),
        errors=ERRORS,
        default_rate_limit=c.RATE_LIMIT,
        deadline_s=5,
        transport=httpx.MockTransport(wire),
    )
    signer = CoinbaseExchangeSigner(
        Credentials(Secret(key), Secret(secret), Secret(password)), clock=lambda: timestamp_ms
    )
    return CoinbaseExchangeAdapter(client, signer=signer, base_url=c.SANDBOX_URL if sandbox else c.BASE_URL)


def our_call(a: CoinbaseExchangeAdapter, method: str, args: list[Any]) -> Awaitable[Any]:
    return unified.our_call(a, MARKETS, method, args, CLIENT_ORDER_ID)


def _expected_sign(secret: str, timestamp: str, method: str, path: str, body: str) -> str:
    """CB-ACCESS-SIGN, written out from the venue's documentation (independently of signing.py)."""
    what = (timestamp + method + path + body).encode()
    return base64.b64encode(hmac.new(base64.b64decode(secret), what, hashlib.sha256).digest()).decode()


def _check_auth(request: httpx.Request, key: str, secret: str, password: str) -> None:
    headers = request.headers
    assert (headers["CB-ACCESS-KEY"], headers["CB-ACCESS-PASSPHRASE"]) == (key, password)
    assert headers["Content-Type"] == "application/json"
    target = request.url.raw_path.decode()
    signature = _expected_sign(
        secret, headers["CB-ACCESS-TIMESTAMP"], request.method, target, request.content.decode()
    )
    assert headers["CB-ACCESS-SIGN"] == signature


def test_every_traded_vector_is_classified() -> None:
    descriptions = [case["description"] for case in traded_cases()]
    assert len(descriptions) == len(set(descriptions))
    assert set(descriptions) == set(COMPARED) | {CANCEL} | set(NOT_MODELLED)


@pytest.mark.parametrize(
    "case", [k for k in traded_cases() if k["description"] in COMPARED], ids=lambda k: k["description"]
)
async def test_request_equals_the_recorded_vector(case: dict[str, Any]) -> None:
    wire = Wire()
    await unified.requests_only(
        our_call(adapter(wire, timestamp_ms=1_698_834_065_549), case["method"], case["input"])
    )
    request = wire.signed[0]
    expected = urlsplit(case["url"])
    assert request.url.path == expected.path  # the recorded host is api.pro.coinbase.com (renamed since)
    if case.get("output") is not None:
        assert request.method == "POST"
        ours, theirs = json.loads(request.content), json.loads(case["output"])
    else:
        assert request.method == "GET" and request.content == b""
        ours, theirs = dict(parse_qsl(request.url.query.decode())), dict(parse_qsl(expected.query))
    ours_only, theirs_only = COMPARED[case["description"]]
    assert set(ours) - set(theirs) == ours_only
    assert set(theirs) - set(ours) == theirs_only
    same = set(ours) & set(theirs)
    assert {k: ours[k] for k in same} == {k: theirs[k] for k in same}
    if ours_only:
        assert ours["client_oid"] == CLIENT_ORDER_ID
    _check_auth(request, CCXT_KEY, CCXT_SECRET, CCXT_PASSWORD)


async def test_a_cancel_names_its_product_in_the_query_not_in_a_body() -> None:
    (case,) = [k for k in traded_cases() if k["description"] == CANCEL]
    wire = Wire()
    await unified.requests_only(
        our_call(adapter(wire, timestamp_ms=1_698_834_065_549), "cancelOrder", case["input"])
    )
    methods = [(r.method, r.url.path) for r in wire.signed]
    order_path = urlsplit(case["url"]).path
    assert methods[:2] == [("GET", order_path), ("DELETE", order_path)]
    delete = wire.signed[1]
    assert delete.url.query.decode() == "product_id=XRP-USDT" and delete.content == b""
    assert json.loads(case["output"]) == {"product_id": "XRP/USDT"}  # ccxt's: a unified symbol, in a body
    _check_auth(delete, CCXT_KEY, CCXT_SECRET, CCXT_PASSWORD)


# --- differential: ccxt 4.5.90 signs the same requests ----------------------------------------------------

TIMESTAMP_MS = 1_698_834_065_549
LONG_SECRET = base64.b64encode(hashlib.sha512(b"exchangeql coinbaseexchange differential").digest()).decode()
KEYS = [
    (CCXT_KEY, CCXT_SECRET, CCXT_PASSWORD),
    ("c2d4f6a8b0e1f3a5c7d9e2f4a6b8c0d1", LONG_SECRET, "s0me-l0nger pass phrase"),
]

CALLS: list[tuple[str, list[Any]]] = [
    ("createOrder", ["XRP/USDT", "limit", "buy", "5", "0.5"]),
    ("createOrder", ["BTC/USDT", "limit", "sell", "0.00123", "65432.1", {"timeInForce": "IOC"}]),
    ("createOrder", ["ETH/USDT", "limit", "buy", "1.5", "1800", {"postOnly": True}]),
    ("createOrder", ["ADA/USDT", "limit", "buy", "10", "0.25", {"timeInForce": "FOK"}]),
    ("createOrder", ["BTC/USD", "market", "buy", "0.001", None]),
    ("cancelOrder", [DOCS_ORDER_ID, "BTC/USD"]),
    ("cancelOrder", [None, "BTC/USD", {"clientOrderId": CLIENT_ORDER_ID}]),
    ("fetchOrder", [DOCS_ORDER_ID, "BTC/USD"]),
    ("fetchOrder", [None, "BTC/USD", {"clientOrderId": CLIENT_ORDER_ID}]),
    ("fetchOpenOrders", ["BTC/USD"]),
    ("fetchOpenOrders", []),
    ("fetchBalance", []),
]


def _oracle(key: str, secret: str, password: str, sandbox: bool) -> Any:
    exchange = ccxt_async.coinbaseexchange(
        {"apiKey": key, "secret": secret, "password": password, "enableRateLimit": False}
    )
    if sandbox:
        exchange.set_sandbox_mode(True)
    return exchange


def _ccxt_sign(oracle: Any, request: httpx.Request) -> dict[str, Any]:
    oracle.nonce = lambda: int(request.headers["CB-ACCESS-TIMESTAMP"])
    path = request.url.path.removeprefix("/")
    query = request.url.query.decode()
    if request.method == "GET":
        params: Any = dict(parse_qsl(query, keep_blank_values=True))
    elif request.method == "POST":
        params = json.loads(request.content)
    else:  # ccxt puts a DELETE's parameters in a body: give it the path with our query, as signed
        path, params = (f"{path}?{query}" if query else path), {}
    signed: dict[str, Any] = oracle.sign(path, ["private"], request.method, params)
    return signed


@pytest.mark.parametrize("sandbox", [False, True], ids=["live", "sandbox"])
@pytest.mark.parametrize("keys", KEYS, ids=["ccxt-keys", "long-keys"])
@pytest.mark.parametrize(("method", "args"), CALLS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(CALLS)])
async def test_ccxt_signs_every_request_exactly_as_we_do(
    method: str, args: list[Any], keys: tuple[str, str, str], sandbox: bool
) -> None:
    key, secret, password = keys
    wire = Wire()
    ours = adapter(
        wire, timestamp_ms=TIMESTAMP_MS, key=key, secret=secret, password=password, sandbox=sandbox
    )
    await unified.requests_only(our_call(ours, method, args))
    assert wire.signed
    oracle = _oracle(key, secret, password, sandbox)
    try:
        for request in wire.signed:
            theirs = _ccxt_sign(oracle, request)
            assert str(request.url) == theirs["url"]
            assert (request.content.decode() or None) == theirs["body"]
            assert request.headers["CB-ACCESS-TIMESTAMP"] == str(TIMESTAMP_MS // 1000)
            for name, value in theirs["headers"].items():
                assert request.headers[name] == value
            assert len(theirs["headers"]) == 5
    finally:
        await oracle.close()
    if method == "cancelOrder":
        assert [r.method for r in wire.signed] == ["GET", "DELETE", "GET"]
        expected = c.order_path(args[0], None if args[0] else CLIENT_ORDER_ID)
        assert wire.signed[1].url.raw_path.decode() == f"{expected}?product_id=BTC-USD"


class _Captured(Exception):
    pass


async def _ccxt_order_body(args: list[Any]) -> str:
    """The body ccxt's own create_order builds for the same unified inputs (its fetch captured)."""
    oracle = _oracle(CCXT_KEY, CCXT_SECRET, CCXT_PASSWORD, sandbox=False)
    oracle.nonce = lambda: TIMESTAMP_MS // 1000
    products = json.loads(PRODUCTS)
    captured: list[str] = []

    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        if url.endswith("/products"):
            return products
        captured.append(body)
        raise _Captured

    oracle.fetch = fetch
    symbol, kind, side, amount, price = args[:5]
    params = {"clientOrderId": CLIENT_ORDER_ID, **(args[5] if len(args) > 5 else {})}
    try:
        oracle.set_markets(await oracle.fetch_markets())
        with pytest.raises(_Captured):
            await oracle.create_order(symbol, kind, side, amount, price, params)
    finally:
        await oracle.close()
    return captured[0]


@pytest.mark.parametrize(
    "args", [a for m, a in CALLS if m == "createOrder"], ids=lambda a: f"{a[1]}-{a[2]}-{a[0]}"
)
async def test_ccxt_create_order_builds_the_body_we_send(args: list[Any]) -> None:
    wire = Wire()
    await unified.requests_only(our_call(adapter(wire, timestamp_ms=TIMESTAMP_MS), "createOrder", args))
    request = wire.signed[0]
    assert (request.method, request.url.path) == ("POST", c.ORDERS)
    assert request.content.decode() == await _ccxt_order_body(args)


# --- credentials and settings ----------------------------------------------------------------------------


def test_the_passphrase_is_required() -> None:
    with pytest.raises(AuthenticationFailed, match="lack password"):
        CoinbaseExchangeSigner(Credentials(Secret("apikey-canary-1234"), Secret(LONG_SECRET)))


def test_a_secret_that_is_not_base64_is_refused_without_showing_it() -> None:
    credentials = Credentials(Secret("apikey-canary-1234"), Secret("secret canary!"), Secret("passphrase"))
    with pytest.raises(AuthenticationFailed) as refused:
        CoinbaseExchangeSigner(credentials)
    assert "canary" not in str(refused.value) and "not base64" in refused.value.message


async def test_a_sandbox_account_trades_in_the_sandbox() -> None:
    wire = Wire()
    client = build_venue_client(
        "coinbaseexchange",
        ExchangeSettings(),
        errors=ERRORS,
        default_rate_limit=c.RATE_LIMIT,
        deadline_s=5,
        transport=httpx.MockTransport(wire),
    )
    credentials = Credentials(Secret("apikey-canary-1234"), Secret(LONG_SECRET), Secret("pass-canary-5678"))
    sandbox = create(client, Settings(), credentials=credentials, sandbox=True)
    await sandbox.fetch_balance()
    await sandbox.fetch_markets()
    assert {r.url.host for r in wire.requests} == {"api-public.sandbox.exchange.coinbase.com"}
    live = create(client, Settings(), credentials=credentials)
    await live.fetch_balance()
    assert wire.requests[-1].url.host == "api.exchange.coinbase.com"
    assert isinstance(live, CoinbaseExchangeAdapter) and live.signer is not None
    for text in (repr(live.signer), repr(vars(live.signer)), repr(credentials)):
        assert "canary" not in text and LONG_SECRET not in text, text
    await client.http.aclose()
