"""ccxt's errors in our hierarchy: the one table, venue error bodies through the transport, clean messages.

The venue error bodies below follow luno's documented error shape ({"error": message, "error_code": code},
the shape ccxt's luno.handle_errors reads); the messages are illustrative, no error answer was recorded.
Market data (markets, a ticker) comes from the recordings, as elsewhere.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from exchangeql.errors import (
    AuthenticationFailed,
    BadRequest,
    BadSymbol,
    ErrorCode,
    ExchangeUnavailable,
    GatewayError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    PermissionDenied,
    RateLimited,
    Timeout,
    UpstreamDecodeError,
)
from exchangeql.exchanges.ccxt_convert import CCXT_ERRORS, error_class, gateway_error, scrub
from exchangeql.models import Market, OrderRequest, OrderType, Side
from exchangeql.settings import RateLimit
from exchangeql.transport.errors import ErrorClass

from . import Upstream, ccxt_adapter, load_fixture

FAST = RateLimit(weight=1000, per_seconds=1)  # retries without waiting for luno's 200 ms spacing

# ccxt class -> ours: the brief's list, and the subclasses that must land on the specific side.
EXPECTED: list[tuple[str, ErrorClass]] = [
    ("BadSymbol", BadSymbol),
    ("RateLimitExceeded", RateLimited),
    ("DDoSProtection", RateLimited),
    ("RequestTimeout", Timeout),
    ("NetworkError", ExchangeUnavailable),
    ("ExchangeNotAvailable", ExchangeUnavailable),
    ("OnMaintenance", ExchangeUnavailable),
    ("ExchangeError", ExchangeUnavailable),
    ("AuthenticationError", AuthenticationFailed),
    ("AccountSuspended", AuthenticationFailed),
    ("PermissionDenied", PermissionDenied),
    ("AccountNotEnabled", PermissionDenied),
    ("InsufficientFunds", InsufficientFunds),
    ("InvalidOrder", InvalidOrder),
    ("DuplicateOrderId", InvalidOrder),
    ("OrderNotFound", OrderNotFound),
    ("NotSupported", NotSupported),
    ("BadRequest", BadRequest),
    ("ArgumentsRequired", BadRequest),
    ("BadResponse", UpstreamDecodeError),
    ("NullResponse", UpstreamDecodeError),
]


def _ccxt_error(name: str, message: str = "luno something went wrong") -> Exception:
    import ccxt

    error: Exception = getattr(ccxt, name)(message)
    return error


@pytest.mark.parametrize(("name", "ours"), EXPECTED)
def test_ccxt_error_maps_into_our_hierarchy(name: str, ours: ErrorClass) -> None:
    error = gateway_error(_ccxt_error(name), "luno", retry_after=2.0)
    assert type(error) is ours
    assert error.exchange == "luno" and error.code is ours.code
    assert error.message == "something went wrong"  # the exchange id is ours to show, not ccxt's prefix
    if isinstance(error, RateLimited):
        assert error.retry_after == 2.0


def test_every_ccxt_error_class_has_a_home() -> None:
    from ccxt.base import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.BaseError)]
    assert len(classes) > 30
    for cls in classes:
        mapped = error_class(cls("x"))
        assert issubclass(mapped, GatewayError)
        # the table names real ccxt classes only
    assert set(CCXT_ERRORS) <= {c.__name__ for c in classes}


def test_scrub_strips_query_strings_and_keys() -> None:
    message = (
        "luno GET https://api.luno.com/api/1/orders?pair=XBTUSDT&signature=9f8e7d6c5b4a 401 Unauthorized "
        '{"apiKey": "abc", "detail": "key AKIAIOSFODNN7EXAMPLEKEYVALUE0123456789 rejected for my-key-123"}'
    )
    clean = scrub(message, "luno", secrets=["my-key-123"])
    assert clean.startswith("GET https://api.luno.com/api/1/orders 401 Unauthorized")
    for leaked in (
        "?",
        "pair=",
        "9f8e7d6c5b4a",
        '"abc"',
        "AKIAIOSFODNN7EXAMPLEKEYVALUE0123456789",
        "my-key-123",
    ):
        assert leaked not in clean
    assert "[redacted]" in clean
    assert len(scrub("too long " * 100, "luno")) == 200


# --- venue error bodies through the transport ----------------------------------------------------------


def _luno_error(code: str, message: str) -> bytes:
    return f'{{"error": "{message}", "error_code": "{code}"}}'.encode()


@pytest.fixture
def btc_usdt() -> Market:
    return next(m for m in _luno_markets() if m.symbol == "BTC/USDT")


def _luno_markets() -> list[Market]:
    from exchangeql.exchanges.ccxt_convert import markets

    unified = load_fixture("luno").unified_markets()
    return markets(unified.values(), "luno", 4)


async def _ticker_error(
    btc_usdt: Market, status: int, body: bytes, headers: dict[str, str] | None = None
) -> tuple[GatewayError, Upstream]:
    upstream = Upstream()
    upstream.responder = lambda request: httpx.Response(status, content=body, headers=headers)
    async with ccxt_adapter("luno", upstream, FAST) as adapter:
        adapter.set_markets(load_fixture("luno").unified_markets())
        with pytest.raises(GatewayError) as raised:
            await adapter.fetch_ticker(btc_usdt)
    assert all(r.url.path == "/api/1/ticker" for r in upstream.requests)
    return raised.value, upstream


CASES: list[tuple[int, bytes, type[GatewayError], int]] = [
    # (HTTP status, body, our error, requests sent: GETs of transient errors are retried, 3 attempts)
    (200, _luno_error("ErrInvalidMarketPair", "Market pair is invalid"), BadSymbol, 1),  # error with 200
    (400, _luno_error("ErrInvalidMarketPair", "Market pair is invalid"), BadSymbol, 1),
    (500, _luno_error("ErrInternal", "Something went wrong"), ExchangeUnavailable, 3),
    (
        400,
        _luno_error("ErrInsufficientPerms", "You do not have the required permissions"),
        PermissionDenied,
        1,
    ),
    # ccxt's generic ExchangeError: on a 2xx it is ExchangeUnavailable; otherwise the status decides
    (200, _luno_error("ErrMarketUnavailable", "Market not available"), ExchangeUnavailable, 1),
    (400, _luno_error("ErrSomethingNew", "A code ccxt does not know"), BadRequest, 1),
    (503, _luno_error("ErrSomethingNew", "A code ccxt does not know"), ExchangeUnavailable, 3),
    # not the venue's error shape: the status decides
    (502, b"<html><body>Bad gateway</body></html>", ExchangeUnavailable, 3),
    (404, b"not found", BadRequest, 1),
]


@pytest.mark.parametrize(("status", "body", "ours", "attempts"), CASES)
async def test_venue_error_body_becomes_our_error(
    btc_usdt: Market, status: int, body: bytes, ours: type[GatewayError], attempts: int
) -> None:
    error, upstream = await _ticker_error(btc_usdt, status, body)
    assert type(error) is ours and error.exchange == "luno"
    assert len(upstream.requests) == attempts
    if body.startswith(b"{"):
        assert body.decode().split('"')[3] in error.message  # the venue's own words are kept


async def test_venue_rate_limit_code_is_retried_after_the_venues_pause(btc_usdt: Market) -> None:
    body = _luno_error("ErrTooManyRequests", "You are exceeding the allowed request rate limit")
    error, upstream = await _ticker_error(btc_usdt, 429, body, {"Retry-After": "0"})
    assert isinstance(error, RateLimited) and error.code is ErrorCode.RATE_LIMITED
    assert error.retry_after == 0.0
    assert len(upstream.requests) == 3


async def test_unparseable_success_body_is_a_decode_error(btc_usdt: Market) -> None:
    # a 200 that is not the venue's JSON (a captive portal, a CDN page): ccxt's parser cannot read it
    error, _ = await _ticker_error(btc_usdt, 200, b"<html>maintenance</html>")
    assert isinstance(error, UpstreamDecodeError)


async def test_credentials_never_reach_the_message(btc_usdt: Market) -> None:
    upstream = Upstream()
    # A venue echoing the key it rejects: the key must not come back out in our error.
    body = _luno_error("ErrApiKeyRevoked", "API key luno-key-0001 has been revoked")
    upstream.responder = lambda request: httpx.Response(401, content=body)
    async with ccxt_adapter("luno", upstream, FAST) as adapter:
        adapter.set_markets(load_fixture("luno").unified_markets())
        adapter.exchange.apiKey, adapter.exchange.secret = "luno-key-0001", "luno-secret-0001"
        with pytest.raises(AuthenticationFailed) as raised:
            await adapter.fetch_balance()
    assert "luno-key-0001" not in str(raised.value) and "luno-secret-0001" not in str(raised.value)
    assert "[redacted]" in raised.value.message and "has been revoked" in raised.value.message
    (request,) = upstream.requests
    assert request.headers["Authorization"].startswith("Basic ")  # ccxt signed it; our message shows none


# --- errors ccxt raises before any request --------------------------------------------------------------


async def test_unknown_market_is_bad_symbol_without_a_request(btc_usdt: Market) -> None:
    upstream = Upstream()
    async with ccxt_adapter("luno", upstream) as adapter:
        adapter.set_markets(load_fixture("luno").unified_markets())
        unknown = Market(**{**_fields(btc_usdt), "symbol": "DOGE/USDT", "id": "DOGEUSDT"})
        with pytest.raises(BadSymbol):
            await adapter.fetch_ticker(unknown)
    assert upstream.requests == []


async def test_trading_without_credentials_is_authentication_failed(btc_usdt: Market) -> None:
    upstream = Upstream()
    order = OrderRequest(
        btc_usdt, Side.BUY, OrderType.LIMIT, btc_usdt.limits.amount.min or Decimal(1), None, "c-1"
    )
    async with ccxt_adapter("luno", upstream) as adapter:
        adapter.set_markets(load_fixture("luno").unified_markets())
        with pytest.raises(AuthenticationFailed) as raised:
            await adapter.create_order(order)
    assert "apiKey" in raised.value.message
    assert upstream.requests == []


def _fields(market: Market) -> dict[str, Any]:
    return {name: getattr(market, name) for name in Market.__dataclass_fields__}
