"""Kraken private requests: what our adapter puts on the wire, against ccxt's recorded request vectors and
against ccxt 4.5.90 signing the same requests (differential).

Vectors: tests/fixtures/ccxt-static/request/kraken.json, every case of the methods we trade with, compared
by ccxt's rules (README.md there): skipKeys ("nonce") are not compared, an urlencoded body compares as a
dictionary. Our nonce is set to the vector's, so the bodies match whole. Each case is classified below; a
new recorded case fails the test until it is. Where our request differs from the recorded one, the keys that
differ are named and asserted: ours adds `cl_ord_id` (every order carries the gateway's client order id) and
`deadline` (bounds an order request in flight); ccxt forwards its own `type` option into BalanceEx.

Differential: every request our adapter sends (follow-up lookups included) is signed again by ccxt's own
`sign()` with the same path, parameters, nonce and keys; URL, body and headers must be equal as strings,
signature included. And for order placement, ccxt's create_order run on the same unified inputs must build
the very body we send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import ccxt.async_support as ccxt_async
import httpx
import msgspec
import pytest

from exchangeql.errors import AuthenticationFailed
from exchangeql.exchanges.kraken import constants as c
from exchangeql.exchanges.kraken import parsing
from exchangeql.exchanges.kraken.adapter import KrakenAdapter, create, rfc3339
from exchangeql.exchanges.kraken.errors import ERRORS
from exchangeql.exchanges.kraken.schemas import AssetPair, Envelope
from exchangeql.exchanges.kraken.signing import IncreasingNonce, KrakenSigner
from exchangeql.models import Market
from exchangeql.settings import ExchangeSettings, Settings, SettingsError
from exchangeql.trading.credentials import Credentials, Secret
from exchangeql.transport.client import build_venue_client

from . import unified

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VECTORS = json.loads((FIXTURES / "ccxt-static" / "request" / "kraken.json").read_text())
RESPONSES = json.loads((FIXTURES / "ccxt-static" / "response" / "kraken.json").read_text())["methods"]
SKIP_KEYS = set(VECTORS["skipKeys"])
CCXT_KEY, CCXT_SECRET = "key", "secretsecret"  # ccxt's credentials when a vector file names none
TRADED = ("createOrder", "cancelOrder", "fetchOrder", "fetchOpenOrders", "fetchBalance")
ASSET_PAIRS = (FIXTURES / "kraken" / "asset_pairs.json").read_bytes()
_PAIRS = msgspec.json.decode(ASSET_PAIRS, type=Envelope[dict[str, AssetPair]], strict=False).result
assert _PAIRS is not None
MARKETS: dict[str, Market] = {m.symbol: m for m in parsing.parse_markets(_PAIRS)}
CLIENT_ORDER_ID = "6d1b345e-2821-40e2-ad83-4ecb18a06876"  # a long UUID, as the gateway generates for kraken
SHORT_UUID = "da8e4ad59b78481c93e589746b0cf91f"  # Kraken's other UUID form

# Vectors our adapter reproduces: description -> (keys only ours has, keys only the vector has).
COMPARED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Spot market buy": (frozenset({"cl_ord_id", "deadline"}), frozenset()),
    "Spot market sell": (frozenset({"cl_ord_id", "deadline"}), frozenset()),
    "Spot open orders": (frozenset(), frozenset()),
    "cancel open trailing percent order": (frozenset(), frozenset()),
    "Fetch spot Balance": (frozenset(), frozenset({"type"})),  # ccxt's own option, forwarded
}
# Order features our OrderRequest does not express, or accounts we do not serve.
NOT_MODELLED = {
    "Margin stopLossPrice order (type 2)": "margin (leverage, reduce_only) stop-loss order",
    "Margin takeProfitPrice order (type 2)": "margin take-profit order",
    "Margin trailing order": "margin trailing stop",
    "Margin trailing limit order": "margin trailing stop limit",
    "Stop loss market order (type 2)": "stop-loss trigger",
    "Stop loss limit order (type 2)": "stop-loss-limit trigger",
    "take profit limit order": "take-profit-limit trigger",
    "take profit market order (type 2)": "take-profit trigger",
    "order with multiple oflags combined": "fee-currency flag fcib",
    "Fetch swap Balance": "Kraken Futures balances (another API)",
}

# What the fake venue answers, by path: recorded bodies where ccxt-static has them (AddOrder: "create order";
# QueryOrders: "fetch spot limit order"; OpenOrders: "open stop-loss-limit order"), the documented BalanceEx
# example, and for CancelOrder and ClosedOrders the documented result shape with nothing in it.
ANSWERS: dict[str, bytes] = {
    c.ADD_ORDER: json.dumps(RESPONSES["createOrder"][0]["httpResponse"]).encode(),
    c.QUERY_ORDERS: json.dumps(RESPONSES["fetchOrder"][0]["httpResponse"]).encode(),
    c.OPEN_ORDERS: json.dumps(RESPONSES["fetchOpenOrders"][1]["httpResponse"]).encode(),
    c.CLOSED_ORDERS: b'{"error":[],"result":{"closed":{},"count":0}}',
    c.CANCEL_ORDER: b'{"error":[],"result":{"count":1}}',
    c.BALANCE_EX: (FIXTURES / "kraken" / "balance_ex_docs.json").read_bytes(),
    c.ASSET_PAIRS: ASSET_PAIRS,
}


def traded_cases() -> list[dict[str, Any]]:
    return [case for method in TRADED for case in VECTORS["methods"].get(method, [])]


class Wire:
    """Captures every request and answers each path with its body from ANSWERS."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, content=ANSWERS[request.url.path])


class Clock:
    """Epoch ms for deadlines; the nonce is set separately (the vector's, or a counter)."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def adapter(wire: Wire, *, nonce: int, key: str = CCXT_KEY, secret: str = CCXT_SECRET) -> KrakenAdapter:
    client = build_venue_client(
        "kraken",
        ExchangeSettings(),
        errors=ERRORS,
        default_rate_limit=c.RATE_LIMIT,
        deadline_s=5,
        transport=httpx.MockTransport(wire),
    )
    nonces = iter(range(nonce, nonce + 100))
    signer = KrakenSigner(
        Credentials(Secret(key), Secret(secret)), nonce=lambda: next(nonces), clock=Clock(nonce)
    )
    return KrakenAdapter(client, signer=signer)


def our_call(a: KrakenAdapter, method: str, args: list[Any]) -> Awaitable[Any]:
    return unified.our_call(a, MARKETS, method, args, CLIENT_ORDER_ID, default_symbol="XRP/USD")


def _params(text: str) -> dict[str, str]:
    return dict(parse_qsl(text, keep_blank_values=True))


def _expected_sign(secret: str, path: str, nonce: str, body: str) -> str:
    """Kraken's API-Sign, written out from the venue's documentation (independently of signing.py)."""
    message = path.encode() + hashlib.sha256((nonce + body).encode()).digest()
    return base64.b64encode(hmac.new(base64.b64decode(secret), message, hashlib.sha512).digest()).decode()


def test_every_traded_vector_is_classified() -> None:
    descriptions = [case["description"] for case in traded_cases()]
    assert len(descriptions) == len(set(descriptions))
    assert set(descriptions) == set(COMPARED) | set(NOT_MODELLED)


@pytest.mark.parametrize(
    "case", [k for k in traded_cases() if k["description"] in COMPARED], ids=lambda k: k["description"]
)
async def test_request_equals_the_recorded_vector(case: dict[str, Any]) -> None:
    expected = _params(case["output"])
    wire = Wire()
    a = adapter(wire, nonce=int(expected["nonce"]))
    await unified.requests_only(our_call(a, case["method"], case["input"]))
    request = wire.requests[0]
    assert request.method == "POST"
    assert str(request.url) == case["url"]
    ours = _params(request.content.decode())
    ours_only, theirs_only = COMPARED[case["description"]]
    assert set(ours) - set(expected) == ours_only
    assert set(expected) - set(ours) == theirs_only
    same = set(ours) & set(expected)
    assert {k: ours[k] for k in same - SKIP_KEYS} == {k: expected[k] for k in same - SKIP_KEYS}
    assert ours["nonce"] == expected["nonce"]  # set to the vector's: the whole body is the vector's
    if "cl_ord_id" in ours_only:
        assert ours["cl_ord_id"] == CLIENT_ORDER_ID
        assert ours["deadline"] == rfc3339(int(expected["nonce"]) + c.ORDER_DEADLINE_MS)
    assert request.headers["API-Key"] == CCXT_KEY
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = request.content.decode()
    assert request.headers["API-Sign"] == _expected_sign(CCXT_SECRET, request.url.path, ours["nonce"], body)


# --- differential: ccxt 4.5.90 signs the same requests ----------------------------------------------------

NONCE = 1698834065549
LONG_SECRET = base64.b64encode(hashlib.sha512(b"exchangeql kraken differential").digest()).decode()
KEYS = [(CCXT_KEY, CCXT_SECRET), ("Kq3Vx9T0rWm2yZp8LbN4cDf7GhJ5kSa1QeUo6IiOuYtR3wE2lMn0AbCd", LONG_SECRET)]

CALLS: list[tuple[str, list[Any]]] = [
    ("createOrder", ["LTC/USDT", "market", "buy", "0.1", None]),
    ("createOrder", ["BTC/USD", "limit", "sell", "0.00123", "65432.1"]),
    ("createOrder", ["ETH/USDT", "limit", "buy", "1.5", "1800", {"postOnly": True}]),
    ("createOrder", ["XRP/USD", "limit", "buy", "10", "0.5012", {"timeInForce": "IOC"}]),
    (
        "createOrder",
        ["LTC/USDT", "limit", "buy", "0.1", "50", {"clientOrderId": "da8e4ad59b78481c93e589746b0cf91f"}],
    ),
    ("cancelOrder", ["OR6EGN-KQSEG-AMI6CL", "LTC/USDT"]),
    ("cancelOrder", [None, "LTC/USDT", {"clientOrderId": CLIENT_ORDER_ID}]),
    ("fetchOrder", ["OR6EGN-KQSEG-AMI6CL", "LTC/USDT"]),
    ("fetchOrder", [None, "LTC/USDT", {"clientOrderId": CLIENT_ORDER_ID}]),
    ("fetchOpenOrders", ["LTC/USDT"]),
    ("fetchBalance", []),
]


def _oracle(key: str, secret: str) -> Any:
    exchange = ccxt_async.kraken({"apiKey": key, "secret": secret, "enableRateLimit": False})
    exchange.options["lastNonce"] = 0
    return exchange


def _ccxt_sign(oracle: Any, request: httpx.Request) -> dict[str, Any]:
    pairs = parse_qsl(request.content.decode(), keep_blank_values=True)
    nonce = dict(pairs)["nonce"]
    oracle.nonce = lambda: int(nonce)
    oracle.options["lastNonce"] = 0
    params = {k: v for k, v in pairs if k != "nonce"}
    signed: dict[str, Any] = oracle.sign(
        request.url.path.removeprefix("/0/private/"), ["private"], "POST", params
    )
    return signed


@pytest.mark.parametrize("keys", KEYS, ids=["ccxt-keys", "long-keys"])
@pytest.mark.parametrize(("method", "args"), CALLS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(CALLS)])
async def test_ccxt_signs_every_request_exactly_as_we_do(
    method: str, args: list[Any], keys: tuple[str, str]
) -> None:
    key, secret = keys
    wire = Wire()
    await unified.requests_only(our_call(adapter(wire, nonce=NONCE, key=key, secret=secret), method, args))
    private = [r for r in wire.requests if r.url.path.startswith("/0/private/")]
    assert private
    if method in ("cancelOrder", "fetchOrder") and args[0] is None:  # by client id: open, then closed orders
        assert [r.url.path for r in private][-2:] == [c.OPEN_ORDERS, c.CLOSED_ORDERS]
    oracle = _oracle(key, secret)
    try:
        for request in private:
            theirs = _ccxt_sign(oracle, request)
            assert str(request.url) == theirs["url"]
            assert request.content.decode() == theirs["body"]
            for name, value in theirs["headers"].items():
                assert request.headers[name] == value
            assert {h.lower() for h in theirs["headers"]} == {"api-key", "api-sign", "content-type"}
    finally:
        await oracle.close()


class _Captured(Exception):
    pass


async def _ccxt_order_body(args: list[Any], deadline: str) -> str:
    """The body ccxt's own create_order builds for the same unified inputs (its fetch captured)."""
    oracle = _oracle(CCXT_KEY, CCXT_SECRET)
    oracle.has["fetchCurrencies"] = False
    oracle.nonce = lambda: NONCE
    pairs = json.loads(ASSET_PAIRS)
    captured: list[str] = []

    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        if "/public/AssetPairs" in url:
            return pairs
        captured.append(body)
        raise _Captured

    oracle.fetch = fetch
    symbol, kind, side, amount, price = args[:5]
    extra = args[5] if len(args) > 5 else {}
    params = {"clientOrderId": CLIENT_ORDER_ID, **extra, "deadline": deadline}
    try:
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
    await unified.requests_only(our_call(adapter(wire, nonce=NONCE), "createOrder", args))
    (request,) = wire.requests
    deadline = _params(request.content.decode())["deadline"]
    assert deadline == rfc3339(NONCE + c.ORDER_DEADLINE_MS)
    assert request.content.decode() == await _ccxt_order_body(args, deadline)


# --- credentials and settings ----------------------------------------------------------------------------


def test_the_nonce_only_increases() -> None:
    frozen = IncreasingNonce(lambda: 1_700_000_000_000)
    assert [frozen() for _ in range(3)] == [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002]
    times = iter([5_000, 4_000, 6_000])
    skewed = IncreasingNonce(lambda: next(times))  # the clock stepped back: the nonce does not
    assert [skewed(), skewed(), skewed()] == [5_000, 5_001, 6_000]


async def test_a_sandbox_account_is_refused_at_start_up() -> None:
    client = build_venue_client(
        "kraken", ExchangeSettings(), errors=ERRORS, default_rate_limit=c.RATE_LIMIT, deadline_s=5
    )
    credentials = Credentials(Secret("apikey-canary-1234"), Secret(LONG_SECRET))
    with pytest.raises(SettingsError, match="no spot sandbox"):
        create(client, Settings(), credentials=credentials, sandbox=True)
    live = create(client, Settings(), credentials=credentials)
    assert isinstance(live, KrakenAdapter) and live.signer is not None
    await client.http.aclose()


def test_a_secret_that_is_not_base64_is_refused_without_showing_it() -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        KrakenSigner(Credentials(Secret("apikey-canary-1234"), Secret("not base64 secret-canary!")))
    assert "canary" not in str(refused.value) and "not base64" in refused.value.message


async def test_credentials_never_show_in_reprs() -> None:
    secret = base64.b64encode(b"secret-canary-5678").decode()
    credentials = Credentials(Secret("apikey-canary-1234"), Secret(secret))
    client = build_venue_client(
        "kraken", ExchangeSettings(), errors=ERRORS, default_rate_limit=c.RATE_LIMIT, deadline_s=5
    )
    trading = create(client, Settings(), credentials=credentials)
    assert isinstance(trading, KrakenAdapter) and trading.signer is not None
    for text in (repr(trading.signer), repr(vars(trading.signer)), repr(credentials)):
        assert "canary" not in text and secret not in text, text
    await client.http.aclose()


async def test_a_sandbox_kraken_account_is_refused_at_start_up_naming_the_account(tmp_path: Path) -> None:
    from exchangeql.settings import load_settings
    from exchangeql.trading.runtime import open_trading

    config = tmp_path / "gateway.toml"
    config.write_text(
        f'data_dir = "{tmp_path}"\n[accounts.krk]\nexchange = "kraken"\nsandbox = true\n'
        f'api_key = "apikey-canary-1234"\nsecret = "{LONG_SECRET}"\n'
    )
    with pytest.raises(SettingsError, match=r"^accounts\.krk: .*no spot sandbox"):
        async with open_trading(load_settings(config, environ={})):
            pass
