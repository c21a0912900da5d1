"""The Bitstamp adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

Asserts what goes on the wire (path, query, weight), what comes back, and how failures are mapped.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from exchangeql.errors import (
    AuthenticationFailed,
    BadRequest,
    ErrorCode,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    PermissionDenied,
    RateLimited,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.bitstamp.adapter import SPEC, BitstampAdapter
from exchangeql.exchanges.bitstamp.errors import ERRORS
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

# The all-pairs answer: the recorded ticker with the `pair` key that form adds (a variant).
ALL_TICKERS = b"[" + recorded("ticker_btcusdt.json").strip()[:-1] + b',"pair":"BTC/USDT"}]'

BODIES = {
    "/api/v2/markets/": recorded("markets.json"),
    "/api/v2/ticker/btcusdt/": recorded("ticker_btcusdt.json"),
    "/api/v2/ticker/": ALL_TICKERS,
    "/api/v2/transactions/btcusdt/": recorded("transactions_btcusdt.json"),
    "/api/v2/ohlc/btcusdt/": recorded("ohlc_btcusdt_3600.json"),
}
# No order book is recorded (nor exemplified in Bitstamp's documentation): that path answers the
# documented error shape, and the tests check the request.
NO_BOOK = b'{"status":"error","reason":"Unknown validation error.","response_code":"400.001"}'

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = BODIES.get(request.url.path.removeprefix("/bitstamp"))
        if body is None:
            return httpx.Response(400, content=NO_BOOK)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


class RecordingLimiter:
    """A RateLimiter that grants everything and keeps the weights charged."""

    def __init__(self) -> None:
        self.weights: list[float] = []

    async def acquire(self, weight: float, max_wait: float) -> None:
        self.weights.append(weight)

    def pause(self, seconds: float) -> None:
        return None


def _client(handler: Handler, upstream: str | None = None) -> VenueClient:
    assert SPEC.errors is not None and SPEC.rate_limit is not None
    return build_venue_client(
        "bitstamp",
        ExchangeSettings(upstream=upstream),
        errors=SPEC.errors,
        default_rate_limit=SPEC.rate_limit,
        deadline_s=5.0,
        transport=httpx.MockTransport(handler),
    )


def _adapter(handler: Handler, upstream: str | None = None) -> Adapter:
    return SPEC.factory(_client(handler, upstream), Settings())


@pytest.fixture
def venue() -> Venue:
    return Venue()


@pytest.fixture
async def index(venue: Venue) -> MarketIndex:
    return MarketIndex.of(await _adapter(venue).fetch_markets())


@pytest.fixture
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


# --- the spec ---------------------------------------------------------------------------------------------


def test_spec_is_registered_as_a_native_engine() -> None:
    assert NATIVE_SPECS["bitstamp"] is SPEC
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("bitstamp", "Bitstamp", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (8000, 600)
    assert SPEC.errors is ERRORS


def test_factory_needs_a_client() -> None:
    with pytest.raises(ValueError, match="needs a VenueClient"):
        SPEC.factory(None, Settings())


def test_capabilities_public_native_private_none() -> None:
    adapter = _adapter(Venue())
    public = {Method.FETCH_MARKETS, Method.FETCH_TICKER, Method.FETCH_TICKERS}
    public |= {Method.FETCH_ORDER_BOOK, Method.FETCH_TRADES, Method.FETCH_OHLCV}
    assert {m for m, s in adapter.capabilities.items() if s is Support.NATIVE} == public
    assert all(adapter.capabilities[m] is Support.NONE for m in set(Method) - public)
    assert " ".join(adapter.timeframes) == "1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 3d"
    assert adapter.timeframes["3d"] == "259200"


async def test_private_methods_are_not_supported(btc: Market) -> None:
    with pytest.raises(NotSupported) as caught:
        await _adapter(Venue()).fetch_balance()
    assert caught.value.exchange == "bitstamp"


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/markets/"
    assert len(markets) == 10
    assert [m.symbol for m in markets if m.settle] == ["BTC/USD:USD", "ETH/USD:USD"]


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ticker/btcusdt/"
    assert (ticker.symbol, ticker.last, ticker.average) == ("BTC/USDT", Decimal("73285"), Decimal("72366"))


async def test_fetch_tickers_is_one_call_for_all_pairs(venue: Venue, index: MarketIndex) -> None:
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ticker/"
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USDT", Decimal("73285"))]
    some = await _adapter(venue).fetch_tickers(index, [index.by_symbol["BTC/USD"]])
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ticker/"  # no list form: filtered here
    assert some == []
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_fetch_order_book_asks_for_the_pair(venue: Venue, btc: Market) -> None:
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_order_book(btc, 5)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/order_book/btcusdt/"  # no limit: cut here


async def test_a_non_positive_limit_is_rejected_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="limit must be positive"):
        await _adapter(venue).fetch_order_book(btc, 0)
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_trades(btc, -1)
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_ohlcv(btc, "1m", None, 0)
    assert len(venue.requests) == calls


async def test_fetch_trades_asks_for_the_last_hour(venue: Venue, btc: Market) -> None:
    (trade,) = await _adapter(venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/transactions/btcusdt/?time=hour"
    assert (trade.id, trade.side, trade.cost) == ("326595342", Side.BUY, Decimal("40.49774136"))


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    (candle,) = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 1)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ohlc/btcusdt/?step=3600&limit=1"
    assert (candle.timestamp, candle.close) == (1710327600000, Decimal("73285"))
    await _adapter(venue).fetch_ohlcv(btc, "3d", 1710327600000, None)
    assert dict(venue.last.url.params) == {"step": "259200", "limit": "1000", "start": "1710327600"}


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "1w", None, None)  # ccxt's "1w" is three days: not offered
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_one_request(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "bitstamp", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = BitstampAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1] * 5


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/bitstamp").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/bitstamp/api/v2/ticker/btcusdt/"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


RATE_LIMITED = (
    b'{"status":"error","reason":"Request rejected due to exceeded rate limit.","response_code":"400.002"}'
)


async def test_the_documented_rate_limit_code_is_rate_limited(btc: Market) -> None:
    venue = _answer(400, RATE_LIMITED)
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "bitstamp"
    assert "400.002" in caught.value.message


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (RATE_LIMITED, RateLimited),
        (b'{"status":"error","reason":"Invalid nonce","code":"API0004"}', AuthenticationFailed),
        (b'{"error":"No permission found"}', PermissionDenied),
        (
            b'{"error":"Bitstamp.net is under scheduled maintenance. We\'ll be back soon."}',
            ExchangeUnavailable,
        ),
    ],
)
async def test_a_venue_error_body_with_status_200_is_mapped(
    btc: Market, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        await _adapter(_answer(200, body)).fetch_ticker(btc)
    assert type(caught.value) is error


async def test_429_with_retry_after_is_rate_limited(btc: Market) -> None:
    venue = _answer(429, b"Too Many Requests", {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_trades(btc, None)
    assert caught.value.retry_after == 30.0
    assert len(venue.requests) == 1


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert "HTTP 502" in caught.value.message
    assert len(venue.requests) == 3  # transient: retried


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("ticker_btcusdt.json")[:100])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.code is ErrorCode.EXCHANGE_UNAVAILABLE
    assert "/api/v2/ticker/btcusdt/" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize(
    "body",
    [b"<!DOCTYPE html><html><body>Not Found</body></html>", b"", b'{"last":"1"}', b"[]"],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, b'{"status":"error","reason":{"__all__":["Minimum order size is 5.0 EUR."]}}', InvalidOrder),
        (
            400,
            b'{"status":"error","reason":{"__all__":["You have only 0.001 BTC available. '
            b'Check your account balance for details."]}}',
            InsufficientFunds,
        ),
        (400, b'{"status":"error","reason":"Order not found."}', OrderNotFound),
        (403, b'{"status":"error","reason":"Invalid signature","code":"API0005"}', AuthenticationFailed),
        (
            400,
            b'{"response_code":"400.009","response_explanation":"Insufficient balance"}',
            InsufficientFunds,
        ),
        (404, b"<html>Not Found</html>", BadRequest),
        (503, b"Service Unavailable", ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "bitstamp"


def test_data_is_no_error() -> None:
    assert ERRORS.from_body(recorded("ticker_btcusdt.json")) is None
    assert ERRORS.from_body(recorded("markets.json")) is None
