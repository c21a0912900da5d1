"""The Coinbase Exchange adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

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
    NotSupported,
    PermissionDenied,
    RateLimited,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.coinbaseexchange.adapter import SPEC, CoinbaseExchangeAdapter, candle_window
from exchangeql.exchanges.coinbaseexchange.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

BODIES = {
    "/products": "products.json",
    "/products/BTC-USDT/ticker": "ticker_BTC-USDT.json",
    "/products/BTC-USDT/book": "book_level2.json",
    "/products/BTC-USDT/trades": "trades_BTC-USDT.json",
    "/products/BTC-USDT/candles": "candles_BTC-USDT_3600.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/coinbaseexchange")  # the replay server's mount point
        return httpx.Response(
            200, content=recorded(BODIES[path]), headers={"Content-Type": "application/json"}
        )

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
        "coinbaseexchange",
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


def test_spec_is_a_native_engine() -> None:
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == (
        "coinbaseexchange",
        "Coinbase Exchange",
        Engine.NATIVE,
        (),
    )
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (10, 1)  # 10 requests/s per IP
    assert SPEC.errors is ERRORS


def test_factory_needs_a_client() -> None:
    with pytest.raises(ValueError, match="needs a VenueClient"):
        SPEC.factory(None, Settings())


def test_capabilities_say_tickers_is_not_offered() -> None:
    adapter = _adapter(Venue())
    native = {Method.FETCH_MARKETS, Method.FETCH_TICKER, Method.FETCH_ORDER_BOOK}
    native |= {Method.FETCH_TRADES, Method.FETCH_OHLCV}
    assert {m for m, s in adapter.capabilities.items() if s is Support.NATIVE} == native
    assert adapter.capabilities[Method.FETCH_TICKERS] is Support.NONE
    assert all(adapter.capabilities[m] is Support.NONE for m in set(Method) - native)
    assert dict(adapter.timeframes) == {
        "1m": "60",
        "5m": "300",
        "15m": "900",
        "1h": "3600",
        "6h": "21600",
        "1d": "86400",
    }


async def test_fetch_tickers_is_not_supported_and_calls_nothing(venue: Venue, index: MarketIndex) -> None:
    calls = len(venue.requests)
    with pytest.raises(NotSupported, match="no all-tickers endpoint") as caught:
        await _adapter(venue).fetch_tickers(index, None)
    assert caught.value.exchange == "coinbaseexchange"
    assert len(venue.requests) == calls


async def test_private_methods_are_not_supported(btc: Market) -> None:
    with pytest.raises(NotSupported):
        await _adapter(Venue()).fetch_balance()


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products"
    assert venue.last.method == "GET"
    assert [m.symbol for m in markets][:2] == ["BTC/USDT", "BTC/USD"]
    assert len(markets) == 6


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products/BTC-USDT/ticker"
    assert (ticker.symbol, ticker.last, ticker.timestamp) == ("BTC/USDT", Decimal("73367.8"), 1710328241270)


async def test_fetch_order_book_level_2_cut_to_the_limit(venue: Venue, btc: Market) -> None:
    book = await _adapter(venue).fetch_order_book(btc, 5)
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products/BTC-USDT/book?level=2"
    assert [level.price for level in book.bids] == [Decimal("6247.58")]
    assert book.nonce == 13051505638
    await _adapter(venue).fetch_order_book(btc, None)
    assert venue.last.url.params["level"] == "2"


async def test_a_one_level_book_asks_for_level_1(venue: Venue, btc: Market) -> None:
    await _adapter(venue).fetch_order_book(btc, 1)
    assert venue.last.url.params["level"] == "1"


async def test_a_non_positive_limit_is_rejected_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="limit must be positive"):
        await _adapter(venue).fetch_order_book(btc, 0)
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_trades(btc, -1)
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_ohlcv(btc, "1h", None, 0)
    assert len(venue.requests) == calls


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await _adapter(venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products/BTC-USDT/trades?limit=1"
    assert (trade.id, trade.side, trade.cost) == ("18502034", Side.BUY, Decimal("5.4572710024"))
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"  # the venue's maximum
    await _adapter(venue).fetch_trades(btc, None)
    assert "limit" not in venue.last.url.params


async def test_fetch_ohlcv_without_since_sends_only_the_granularity(venue: Venue, btc: Market) -> None:
    (candle,) = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"granularity": "3600"}
    assert (candle.timestamp, candle.open, candle.low) == (
        1710327600000,
        Decimal("73243.33"),
        Decimal("73241.5"),
    )


async def test_fetch_ohlcv_with_since_asks_for_a_window(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1710324000000, 2)
    assert dict(venue.last.url.params) == {
        "granularity": "3600",
        "start": "2024-03-13T10:00:00.000Z",
        "end": "2024-03-13T11:00:00.000Z",  # two aligned hours: the second one opens at the end
    }
    assert [c.timestamp for c in candles] == [1710327600000]  # the recording's candle is after since


@pytest.mark.parametrize(
    ("since", "limit", "granularity", "window"),
    [
        (3_600_000, 2, 3600, (3_600_000, 7_200_000)),  # aligned: the last candle opens at the end
        (3_600_001, 2, 3600, (3_600_001, 10_800_001)),  # not aligned: two whole steps
        (0, None, 60, (0, 299 * 60_000)),  # no limit: the venue's 300
        (0, 1000, 60, (0, 299 * 60_000)),  # capped at 300
    ],
)
def test_candle_window(since: int, limit: int | None, granularity: int, window: tuple[int, int]) -> None:
    assert candle_window(since, limit, granularity) == window


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "4h", None, None)  # Coinbase has 1h and 6h, no 4h
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_one_request(btc: Market) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "coinbaseexchange", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = CoinbaseExchangeAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1, 1, 1, 1, 1]


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/coinbaseexchange").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/coinbaseexchange/products/BTC-USDT/ticker"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


async def test_unknown_product_is_bad_symbol(btc: Market) -> None:
    venue = _answer(404, b'{"message":"NotFound"}')
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "coinbaseexchange"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert "NotFound" in caught.value.message
    assert len(venue.requests) == 1  # a client error is not retried


async def test_429_is_rate_limited(btc: Market) -> None:
    venue = _answer(429, b'{"message":"Public rate limit exceeded"}', {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_order_book(btc, 5)
    assert caught.value.retry_after == 30.0
    assert len(venue.requests) == 1  # 30 s is past the request deadline: no retry


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert "HTTP 502" in caught.value.message
    assert len(venue.requests) == 3  # transient: retried


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("ticker_BTC-USDT.json")[:90])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "coinbaseexchange"
    assert "/products/BTC-USDT/ticker" in caught.value.message
    assert len(venue.requests) == 1  # the same bytes would come back: not retried


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b'{"sequence":"x"}',  # the right JSON type, wrong field types
        b"[]",  # a list where an object is expected
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_order_book(btc, 5)


async def test_an_error_body_with_status_200_is_mapped(btc: Market) -> None:
    with pytest.raises(BadSymbol):
        await _adapter(_answer(200, b'{"message":"NotFound"}')).fetch_trades(btc, 1)
    # A ticker's fields are mostly optional: the error body must still not pass for an empty ticker.
    with pytest.raises(RateLimited):
        await _adapter(_answer(200, b'{"message":"Public rate limit exceeded"}')).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, b'{"message":"NotFound"}', BadSymbol),
        (400, b'{"message":"Product not found"}', BadSymbol),
        (400, b'{"message":"Invalid granularity"}', BadRequest),
        (401, b'{"message":"Invalid API Key"}', AuthenticationFailed),
        (400, b'{"message":"Insufficient funds"}', InsufficientFunds),
        (403, b"<html>WAF</html>", PermissionDenied),
        (503, b'{"message":"service under maintenance"}', ExchangeUnavailable),
        (500, b"Internal Server Error", ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "coinbaseexchange"
