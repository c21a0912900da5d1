"""The Gemini adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

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
    BadSymbol,
    ErrorCode,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    RateLimited,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.gemini.adapter import SPEC, GeminiAdapter
from exchangeql.exchanges.gemini.errors import ERRORS
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

BODIES = {
    "/v1/symbols": recorded("symbols.json"),
    "/v1/pubticker/btcusdt": recorded("pubticker_btcusdt.json"),
    "/v1/pubticker/usdcusd": recorded("pubticker_usdcusd.json"),
    "/v1/pubticker/btcgusdperp": recorded("pubticker_btcgusdperp.json"),
    "/v1/trades/btcusdt": recorded("trades_btcusdt.json"),
    "/v2/candles/btcusdt/1hr": recorded("candles_btcusdt_1hr.json"),
}
# Gemini's documented unknown-symbol answer (https://docs.gemini.com/error-codes): what unrecorded
# paths (price feed, order book) get here, so the tests check their requests.
INVALID_SYMBOL = b'{"result":"error","reason":"InvalidSymbol","message":"An invalid symbol was specified"}'

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = BODIES.get(request.url.path.removeprefix("/gemini"))
        if body is None:
            return httpx.Response(400, content=INVALID_SYMBOL)
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
        "gemini",
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
    assert NATIVE_SPECS["gemini"] is SPEC
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("gemini", "Gemini", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (120, 60)
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
    assert dict(adapter.timeframes) == {
        "1m": "1m",
        "5m": "5m",
        "15m": "15m",
        "30m": "30m",
        "1h": "1hr",
        "6h": "6hr",
        "1d": "1day",
    }


async def test_private_methods_are_not_supported() -> None:
    with pytest.raises(NotSupported) as caught:
        await _adapter(Venue()).fetch_balance()
    assert caught.value.exchange == "gemini"


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets_is_one_request(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert [str(r.url) for r in venue.requests] == ["https://api.gemini.com/v1/symbols"]
    assert len(markets) == 10


async def test_fetch_ticker(venue: Venue, btc: Market, index: MarketIndex) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.gemini.com/v1/pubticker/btcusdt"
    assert (ticker.symbol, ticker.last, ticker.vwap) == ("BTC/USDT", Decimal("73268.24"), Decimal("73268.24"))
    perp = await _adapter(venue).fetch_ticker(index.by_symbol["BTC/GUSD:GUSD"])
    assert str(venue.last.url) == "https://api.gemini.com/v1/pubticker/btcgusdperp"
    assert (perp.symbol, perp.base_volume) == ("BTC/GUSD:GUSD", Decimal("41.7433"))


async def test_fetch_tickers_asks_the_price_feed(venue: Venue, index: MarketIndex) -> None:
    with pytest.raises(BadSymbol):  # no price feed recorded: the request is what is checked here
        await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.gemini.com/v1/pricefeed"
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_fetch_tickers_filters_the_price_feed(btc: Market, index: MarketIndex) -> None:
    # A price feed of two entries, built from the recorded BTCUSDT ticker (no feed is recorded).
    body = b'[{"pair":"BTCUSDT","price":"73268.24","percentChange24h":"0.0000"},' + (
        b'{"pair":"ETHUSDT","price":"73268.24","percentChange24h":"0.0000"}]'
    )
    feed = _answer(200, body)
    tickers = await _adapter(feed).fetch_tickers(index, [btc])
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USDT", Decimal("73268.24"))]
    assert [t.symbol for t in await _adapter(feed).fetch_tickers(index, None)] == ["BTC/USDT", "ETH/USDT"]


async def test_fetch_order_book_sends_both_limits(venue: Venue, btc: Market) -> None:
    with pytest.raises(BadSymbol):
        await _adapter(venue).fetch_order_book(btc, 5)
    assert str(venue.last.url) == "https://api.gemini.com/v1/book/btcusdt?limit_bids=5&limit_asks=5"
    with pytest.raises(BadSymbol):
        await _adapter(venue).fetch_order_book(btc, None)
    assert str(venue.last.url) == "https://api.gemini.com/v1/book/btcusdt"  # the venue's default, 50


async def test_a_non_positive_limit_is_rejected_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="limit must be positive"):
        await _adapter(venue).fetch_order_book(btc, 0)  # 0 would mean the whole book at Gemini
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_trades(btc, -1)
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_ohlcv(btc, "1m", None, 0)
    assert len(venue.requests) == calls


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await _adapter(venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.gemini.com/v1/trades/btcusdt?limit_trades=1"
    assert (trade.id, trade.side, trade.cost) == ("2840140831246421", Side.BUY, Decimal("21.1899076904"))
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit_trades"] == "500"  # the venue's maximum


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    (candle,) = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 1)
    assert str(venue.last.url) == "https://api.gemini.com/v2/candles/btcusdt/1hr"
    assert (candle.timestamp, candle.close) == (1710324000000, Decimal("73268.24"))
    assert await _adapter(venue).fetch_ohlcv(btc, "1h", 1710324000001, None) == []  # since: cut here


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "4h", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_one_request(btc: Market) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "gemini", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = GeminiAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1h", None, None)
    assert limiter.weights == [1] * 4


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/gemini").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/gemini/v1/pubticker/btcusdt"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


async def test_invalid_symbol_is_bad_symbol(btc: Market) -> None:
    venue = _answer(400, INVALID_SYMBOL)
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "gemini"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert (
        "An invalid symbol was specified" in caught.value.message and "InvalidSymbol" in caught.value.message
    )
    assert len(venue.requests) == 1


async def test_429_with_retry_after_is_rate_limited(btc: Market) -> None:
    body = b'{"result":"error","reason":"RateLimit","message":"Requests were made too frequently."}'
    venue = _answer(429, body, {"Retry-After": "30"})
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
    venue = _answer(200, recorded("pubticker_btcusdt.json")[:60])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert "/v1/pubticker/btcusdt" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize("body", [b"<!DOCTYPE html><html></html>", b"", b'{"bid":"1"}', b"[]"])
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


async def test_an_error_body_with_status_200_is_still_mapped(btc: Market) -> None:
    with pytest.raises(BadSymbol):
        await _adapter(_answer(200, INVALID_SYMBOL)).fetch_trades(btc, None)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            b'{"result":"error","reason":"InvalidPrice","message":"Invalid price for symbol"}',
            InvalidOrder,
        ),
        (
            406,
            b'{"result":"error","reason":"InsufficientFunds","message":"Insufficient funds"}',
            InsufficientFunds,
        ),
        (404, b'{"result":"error","reason":"OrderNotFound","message":"Order 1 not found"}', OrderNotFound),
        (
            400,
            b'{"result":"error","reason":"InvalidSignature","message":"bad signature"}',
            AuthenticationFailed,
        ),
        (
            503,
            b'{"result":"error","reason":"Unknown","message":"The Gemini Exchange is currently undergoing '
            b'maintenance."}',
            ExchangeUnavailable,
        ),
        (406, b"<html></html>", InsufficientFunds),
        (404, b"<html></html>", BadRequest),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "gemini"


def test_data_is_no_error() -> None:
    assert ERRORS.from_body(recorded("pubticker_btcusdt.json")) is None
    assert ERRORS.from_body(recorded("symbols.json")) is None
