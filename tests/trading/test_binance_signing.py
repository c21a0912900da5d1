"""Binance signed requests: what our adapter puts on the wire, against ccxt's recorded request vectors and
against ccxt 4.5.90 signing the same call live (differential).

Vectors: tests/fixtures/ccxt-static/request/binance.json, every spot REST case (/api/v3/...) of the methods
we trade with, compared by ccxt's own rules (README.md there): skipKeys are not compared (nonces and
signatures vary), an urlencoded body or query compares as a dictionary. Each case is classified below; a
new recorded case fails the test until it is.

Differential: the same inputs, keys, timestamp and recvWindow given to our adapter and to ccxt, whose
`fetch` is replaced to capture the request. Method, URL, body (signature included) and the auth headers
must be equal as strings.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ccxt.async_support as ccxt_async
import httpx
import msgspec
import pytest

from exchangeql.errors import InvalidOrder
from exchangeql.exchanges.binance import constants as c
from exchangeql.exchanges.binance import parsing
from exchangeql.exchanges.binance.adapter import BinanceAdapter, create
from exchangeql.exchanges.binance.errors import ERRORS
from exchangeql.exchanges.binance.schemas import ExchangeInfo
from exchangeql.exchanges.binance.signing import BinanceSigner, hmac_sha256_hex
from exchangeql.models import OrderRequest, OrderType, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.trading.credentials import Credentials, Secret
from exchangeql.trading.service import OrderInput, check_order
from exchangeql.transport.client import build_venue_client

from .upstream import ACCOUNT_BODY, NEW_ORDER_TEMPLATE, QUERY_ORDER_TEMPLATE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VECTORS = json.loads((FIXTURES / "ccxt-static" / "request" / "binance.json").read_text())
SKIP_KEYS = set(VECTORS["skipKeys"])
CCXT_KEY, CCXT_SECRET = "key", "secretsecret"  # ccxt's credentials when a vector file names none
TRADED = ("createOrder", "cancelOrder", "fetchOrder", "fetchOpenOrders", "fetchBalance")

MARKETS = {
    m.symbol: m
    for m in parsing.parse_markets(
        msgspec.json.decode(
            (FIXTURES / "binance" / "exchange_info.json").read_bytes(), type=ExchangeInfo, strict=False
        )
    )
}

# Vectors our adapter reproduces.
COMPARED = {
    "Spot limit buy order",
    "Spot limit buy with postOnly",
    "Spot cancelOrder",
    "Spot fetchOrder",
    "Spot one orders",
    "Spot fetch balance",
}
# Vectors whose input the gateway refuses before signing (ccxt silently changes it instead).
REFUSED = {
    "spot order with weird amount": "amount 0.0007856509959147719 is off BTC/USDT's step; ccxt truncates",
    "spot order with weird price/amount": "amount and price off LTC/USDT's steps; ccxt truncates",
    "Spot market buy order": "a market order with a price; ccxt turns it into quoteOrderQty = amount * price",
}
# Order features our OrderRequest does not express (stop, trailing, iceberg, self-trade mode, test orders).
NOT_MODELLED = {
    "spot +selfTradePrevention +iceberg",
    "Spot limit buy with triggerPrice",
    "Spot limit buy with test endpoint",
    "spot create a trailing limit stop loss order",
    "spot create a trailing limit take profit order",
    "spot trailingPercent market buy order with stopLossOrTakeProfit param",
}


def spot_cases() -> list[dict[str, Any]]:
    return [
        case
        for method in TRADED
        for case in VECTORS["methods"][method]
        if urlsplit(case["url"]).path.startswith("/api/v3/")
    ]


class Wire:
    """Captures the request and answers with a recorded Binance body of the right shape."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == c.ACCOUNT:
            return httpx.Response(200, json=ACCOUNT_BODY)
        if request.url.path == c.OPEN_ORDERS:
            return httpx.Response(200, json=[QUERY_ORDER_TEMPLATE])
        return httpx.Response(
            200, json=NEW_ORDER_TEMPLATE if request.method == "POST" else QUERY_ORDER_TEMPLATE
        )


def adapter(
    wire: Wire, *, timestamp: int, key: str, secret: str, sandbox: bool, recv_window: int
) -> BinanceAdapter:
    client = build_venue_client(
        "binance",
        ExchangeSettings(),
        errors=ERRORS,
        default_rate_limit=c.RATE_LIMIT,
        deadline_s=5,
        transport=httpx.MockTransport(wire),
    )
    signer = BinanceSigner(
        Credentials(Secret(key), Secret(secret)), recv_window_ms=recv_window, clock=lambda: timestamp
    )
    return BinanceAdapter(client, signer=signer, base_url=c.TESTNET_URL if sandbox else c.BASE_URL)


def our_call(a: BinanceAdapter, method: str, args: list[Any], client_order_id: str) -> Awaitable[Any]:
    """The adapter call for a ccxt unified call's arguments (amounts as the exact decimal of the JSON)."""
    if method == "createOrder":
        symbol, kind, side, amount, price, *rest = args
        params = rest[0] if rest else {}
        tif = "PO" if params.get("postOnly") else params.get("timeInForce")
        request = OrderRequest(
            MARKETS[symbol],
            Side(side),
            OrderType(kind),
            Decimal(str(amount)),
            None if price is None else Decimal(str(price)),
            client_order_id,
            tif,
        )
        return a.create_order(request)
    if method == "cancelOrder":
        order_id, symbol, *rest = args
        client = rest[0].get("clientOrderId") if rest else None
        return a.cancel_order(MARKETS[symbol], order_id or None, client)
    if method == "fetchOrder":
        order_id, symbol, *rest = args
        client = rest[0].get("clientOrderId") if rest else None
        return a.fetch_order(MARKETS[symbol], order_id or None, client)
    if method == "fetchOpenOrders":
        return a.fetch_open_orders(MARKETS[args[0]] if args and args[0] else None)
    assert method == "fetchBalance"
    return a.fetch_balance()


def _sent(request: httpx.Request) -> tuple[str, dict[str, str]]:
    """(origin and path, parameters) of a request: the body for a POST, else the query."""
    url = request.url
    text = request.content.decode() if request.method == "POST" else url.query.decode()
    return f"{url.scheme}://{url.host}{url.path}", dict(parse_qsl(text, keep_blank_values=True))


def _skip(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in SKIP_KEYS}


def test_every_spot_vector_is_classified() -> None:
    descriptions = [case["description"] for case in spot_cases()]
    assert len(descriptions) == len(set(descriptions))
    assert set(descriptions) == COMPARED | set(REFUSED) | NOT_MODELLED


@pytest.mark.parametrize(
    "case", [c for c in spot_cases() if c["description"] in COMPARED], ids=lambda c: c["description"]
)
async def test_request_equals_the_recorded_vector(case: dict[str, Any]) -> None:
    expected_url = case["url"]
    parts = urlsplit(expected_url)
    expected_params = dict(parse_qsl(case["output"] if case.get("output") else parts.query))
    wire = Wire()
    a = adapter(
        wire,
        timestamp=int(expected_params["timestamp"]),
        key=CCXT_KEY,
        secret=CCXT_SECRET,
        sandbox=parts.netloc == "testnet.binance.vision",
        recv_window=int(expected_params["recvWindow"]),
    )
    await our_call(
        a, case["method"], case["input"], client_order_id=expected_params.get("newClientOrderId", "x")
    )
    (request,) = wire.requests
    where, params = _sent(request)
    assert where == f"{parts.scheme}://{parts.netloc}{parts.path}"
    assert _skip(params) == _skip(expected_params)
    assert set(params) == set(expected_params)  # skipped keys present too (order: see the differential test)
    assert request.headers["X-MBX-APIKEY"] == CCXT_KEY
    if request.method == "POST":
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    # The signature is HMAC-SHA256 over exactly what was sent before it, with the account's secret.
    unsigned, _, signature = (
        request.content.decode() if request.method == "POST" else request.url.query.decode()
    ).rpartition("&signature=")
    assert signature == hmac_sha256_hex(CCXT_SECRET, unsigned)


@pytest.mark.parametrize(
    "case", [c for c in spot_cases() if c["description"] in REFUSED], ids=lambda c: c["description"]
)
def test_inputs_ccxt_would_silently_change_are_refused(case: dict[str, Any]) -> None:
    symbol, kind, side, amount, price, *_ = case["input"]
    request = OrderInput(
        account="main",
        symbol=symbol,
        side=Side(side),
        type=OrderType(kind),
        amount=Decimal(str(amount)),
        price=None if price is None else Decimal(str(price)),
        idempotency_key="k",
    )
    with pytest.raises(InvalidOrder) as refused:
        check_order(MARKETS[symbol], request)
    rule = refused.value.message
    assert "precision.amount" in rule or "takes no price" in rule, rule


async def test_the_on_grid_form_of_a_refused_vector_signs_as_recorded() -> None:
    """'spot order with weird price/amount': what ccxt sent after truncating is what we send for it."""
    (case,) = [c for c in spot_cases() if c["description"] == "spot order with weird price/amount"]
    expected = dict(parse_qsl(case["output"]))
    wire = Wire()
    a = adapter(
        wire,
        timestamp=int(expected["timestamp"]),
        key=CCXT_KEY,
        secret=CCXT_SECRET,
        sandbox=True,
        recv_window=10000,
    )
    args = ["LTC/USDT", "limit", "buy", expected["quantity"], expected["price"]]
    check_order(
        MARKETS["LTC/USDT"],
        OrderInput(
            "main",
            "LTC/USDT",
            Side.BUY,
            OrderType.LIMIT,
            Decimal(expected["quantity"]),
            Decimal(expected["price"]),
            "k",
        ),
    )
    await our_call(a, "createOrder", args, expected["newClientOrderId"])
    assert _skip(_sent(wire.requests[0])[1]) == _skip(expected)


# --- differential: ccxt 4.5.90 signs the same call --------------------------------------------------------

TIMESTAMP = 1698772601904
KEYS = [
    (CCXT_KEY, CCXT_SECRET),
    (
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    ),
]


class _Captured(Exception):
    pass


def _oracle(key: str, secret: str, sandbox: bool, recv_window: int) -> Any:
    exchange = ccxt_async.binance({"apiKey": key, "secret": secret, "enableRateLimit": False})
    exchange.options["recvWindow"] = recv_window
    exchange.options["crossMarginPairsData"] = []
    exchange.options["isolatedMarginPairsData"] = []
    raw = json.loads((FIXTURES / "binance" / "ccxt_markets.json").read_text())
    exchange.set_markets([exchange.parse_market(m["info"]) for m in raw.values() if m.get("type") == "spot"])
    if sandbox:
        exchange.set_sandbox_mode(True)
    exchange.nonce = lambda: TIMESTAMP
    exchange.milliseconds = lambda: TIMESTAMP
    return exchange


async def _ccxt_request(
    oracle: Any, call: Callable[[Any], Awaitable[Any]]
) -> tuple[str, str, str | None, dict[str, str]]:
    captured: list[tuple[str, str, str | None, dict[str, str]]] = []

    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        captured.append((method, url, body, dict(headers or {})))
        raise _Captured

    oracle.fetch = fetch
    with pytest.raises(_Captured):
        await call(oracle)
    return captured[0]


CALLS: list[tuple[str, list[Any], dict[str, Any]]] = [
    ("createOrder", ["LTC/USDT", "limit", "buy", "0.2", "50"], {}),
    ("createOrder", ["BTC/USDT", "limit", "sell", "0.00123", "65432.1"], {"timeInForce": "IOC"}),
    ("createOrder", ["BTC/USDT", "limit", "buy", "0.5", "20000.01"], {"timeInForce": "FOK"}),
    ("createOrder", ["ETH/USDT", "limit", "buy", "1.5", "1800"], {"postOnly": True}),
    ("createOrder", ["LTC/USDT", "market", "sell", "0.2", None], {}),
    ("createOrder", ["BTC/USDT", "market", "buy", "0.001", None], {}),
    ("cancelOrder", ["464950", "LTC/USDT"], {}),
    ("cancelOrder", [None, "LTC/USDT"], {"clientOrderId": "eq0123456789abcdef0123456789abcd"}),
    ("fetchOrder", ["465138", "LTC/USDT"], {}),
    ("fetchOrder", [None, "BTC/USDT"], {"clientOrderId": "eq0123456789abcdef0123456789abcd"}),
    ("fetchOpenOrders", ["LTC/USDT"], {}),
    ("fetchBalance", [], {}),
]

_CCXT_METHOD = {
    "createOrder": "create_order",
    "cancelOrder": "cancel_order",
    "fetchOrder": "fetch_order",
    "fetchOpenOrders": "fetch_open_orders",
    "fetchBalance": "fetch_balance",
}


@pytest.mark.parametrize("sandbox", [False, True], ids=["live", "testnet"])
@pytest.mark.parametrize("keys", KEYS, ids=["ccxt-keys", "long-keys"])
@pytest.mark.parametrize(
    ("method", "args", "params"), CALLS, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(CALLS)]
)
async def test_we_sign_exactly_what_ccxt_signs(
    method: str, args: list[Any], params: dict[str, Any], keys: tuple[str, str], sandbox: bool
) -> None:
    key, secret = keys
    client_order_id = params.get("clientOrderId", "eqfedcba9876543210fedcba98765432")
    oracle = _oracle(key, secret, sandbox, recv_window=c.RECV_WINDOW_MS)
    ccxt_params = dict(params)
    if method == "createOrder":
        ccxt_params["clientOrderId"] = client_order_id
    try:
        ccxt_method, ccxt_url, ccxt_body, ccxt_headers = await _ccxt_request(
            oracle, lambda o: getattr(o, _CCXT_METHOD[method])(*args, params=ccxt_params)
        )
    finally:
        await oracle.close()
    wire = Wire()
    ours = adapter(
        wire, timestamp=TIMESTAMP, key=key, secret=secret, sandbox=sandbox, recv_window=c.RECV_WINDOW_MS
    )
    our_args = [*args, params] if params else args
    await our_call(ours, method, our_args, client_order_id)
    (request,) = wire.requests
    assert request.method == ccxt_method
    assert str(request.url) == ccxt_url
    assert (request.content.decode() or None) == ccxt_body
    for name, value in ccxt_headers.items():
        assert request.headers[name] == value
    assert {h.lower() for h in ccxt_headers} >= {"x-mbx-apikey"}


async def test_credentials_never_show_in_reprs() -> None:
    credentials = Credentials(Secret("apikey-canary-1234"), Secret("secret-canary-5678"))
    client = build_venue_client(
        "binance", ExchangeSettings(), errors=ERRORS, default_rate_limit=c.RATE_LIMIT, deadline_s=5
    )
    trading = create(client, Settings(), credentials=credentials)
    assert isinstance(trading, BinanceAdapter) and trading.signer is not None
    texts = [
        repr(credentials),
        str(credentials.secret),
        f"{credentials.api_key}",
        repr(trading.signer),
        repr(vars(trading.signer)),  # the attributes themselves are Secrets
    ]
    for text in texts:
        assert "canary" not in text, text
    with pytest.raises(TypeError):  # nor can a Secret be pickled into a cache
        __import__("pickle").dumps(credentials.secret)
    await client.http.aclose()
