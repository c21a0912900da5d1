"""The Binance adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

Asserts what goes on the wire (path, query, weight), what comes back, and how failures are mapped.
"""

from __future__ import annotations

import dataclasses
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
    PermissionDenied,
    RateLimited,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.binance.adapter import SPEC, BinanceAdapter, depth_limit
from exchangeql.exchanges.binance.errors import ERRORS
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client
from exchangeql.transport.replay import load_recordings, match_route

from . import recorded

BODIES = {
    "/api/v3/exchangeInfo": "exchange_info.json",
    "/api/v3/ticker/24hr": "ticker_24hr_BTCUSDT.json",
    "/api/v3/depth": "depth_BTCUSDT.json",
    "/api/v3/aggTrades": "agg_trades_BTCUSDT.json",
    "/api/v3/klines": "klines_BTCUSDT_1h.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/binance")  # the replay server's mount point
        body = recorded(BODIES[path])
        if path == "/api/v3/ticker/24hr" and "symbol" not in request.url.params:
            body = b"[" + body + b"]"  # the list form: every recorded ticker
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
        "binance",
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
    assert NATIVE_SPECS["binance"] is SPEC
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("binance", "Binance", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (6000, 60)
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
    assert " ".join(adapter.timeframes) == "1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M"


async def test_private_methods_are_not_supported(btc: Market) -> None:
    adapter = _adapter(Venue())
    with pytest.raises(NotSupported) as caught:
        await adapter.fetch_balance()
    assert caught.value.exchange == "binance"
    with pytest.raises(NotSupported):
        await adapter.fetch_open_orders(btc)


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api.binance.com/api/v3/exchangeInfo?showPermissionSets=false"
    assert venue.last.method == "GET"
    assert len(markets) == 7
    assert markets[0].symbol == "BTC/USDT" and markets[0].precision.price == Decimal("0.01")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/ticker/24hr?symbol=BTCUSDT"
    assert ticker.symbol == "BTC/USDT"
    assert (ticker.last, ticker.average) == (Decimal("73369.84"), Decimal("72775.46"))


async def test_fetch_all_tickers_is_one_call_without_symbol(venue: Venue, index: MarketIndex) -> None:
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/ticker/24hr"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]


async def test_fetch_some_tickers_sends_a_json_array(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["ETH/USDT"]]
    tickers = await _adapter(venue).fetch_tickers(index, wanted)
    assert venue.last.url.params["symbols"] == '["BTCUSDT","ETHUSDT"]'
    assert venue.last.url.path == "/api/v3/ticker/24hr"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]  # the venue answered for BTCUSDT only
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_more_than_100_tickers_are_fetched_whole_and_filtered(venue: Venue, btc: Market) -> None:
    # 100+ symbols in a list weigh as much as all of them (80): one unfiltered call, no huge URL.
    others = [dataclasses.replace(btc, id=f"X{i}USDT", symbol=f"X{i}/USDT") for i in range(100)]
    wanted = [btc, *others]
    tickers = await _adapter(venue).fetch_tickers(MarketIndex.of(wanted), wanted)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/ticker/24hr"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    limited = await _adapter(venue).fetch_tickers(MarketIndex.of(wanted), others)
    assert limited == []  # BTCUSDT was answered but not asked for


@pytest.mark.parametrize(
    ("requested", "sent"),
    [(1, 5), (5, 5), (6, 10), (20, 20), (51, 100), (101, 500), (1000, 1000), (4999, 5000)],
)
def test_depth_limit_is_the_smallest_allowed_size_that_holds_the_request(requested: int, sent: int) -> None:
    assert depth_limit(requested) == sent


async def test_fetch_order_book_rounds_the_limit_up_and_trims(venue: Venue, btc: Market) -> None:
    book = await _adapter(venue).fetch_order_book(btc, 1)
    assert dict(venue.last.url.params) == {"symbol": "BTCUSDT", "limit": "5"}
    assert [level.price for level in book.bids] == [Decimal("42574.3")]
    assert [level.price for level in book.asks] == [Decimal("42574.31")]
    assert book.nonce == 25445101


async def test_fetch_order_book_without_limit_uses_the_venue_default(venue: Venue, btc: Market) -> None:
    book = await _adapter(venue).fetch_order_book(btc, None)
    assert dict(venue.last.url.params) == {"symbol": "BTCUSDT"}
    assert len(book.bids) == len(book.asks) == 2


async def test_a_non_positive_limit_is_rejected_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="limit must be positive"):
        await _adapter(venue).fetch_order_book(btc, 0)
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_trades(btc, -1)
    with pytest.raises(BadRequest):
        await _adapter(venue).fetch_ohlcv(btc, "1m", None, 0)
    assert len(venue.requests) == calls


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await _adapter(venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/aggTrades?symbol=BTCUSDT&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("2913537567", Side.BUY, Decimal("79.830183"))
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"  # the venue's maximum


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert dict(venue.last.url.params) == {
        "symbol": "BTCUSDT",
        "interval": "1h",
        "startTime": "1706628191000",
        "limit": "3",
    }
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]
    assert candles[0].close == Decimal("43488.71")


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "2m", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "binance", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = BinanceAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_tickers(index, list(index.markets))
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_order_book(btc, 1000)
    await adapter.fetch_order_book(btc, 5000)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [20, 2, 80, 2, 5, 50, 250, 4, 2]


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    # The replay server mounts binance under /binance.
    await _adapter(venue, upstream="http://127.0.0.1:9000/binance").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/binance/api/v3/ticker/24hr?symbol=BTCUSDT"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


async def test_invalid_symbol_is_bad_symbol(btc: Market) -> None:
    venue = _answer(400, b'{"code":-1121,"msg":"Invalid symbol."}')
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "binance"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert "Invalid symbol." in caught.value.message and "-1121" in caught.value.message
    assert len(venue.requests) == 1  # a client error is not retried


async def test_429_with_retry_after_is_rate_limited(btc: Market) -> None:
    body = b'{"code":-1003,"msg":"Too much request weight used; please use WebSocket Streams."}'
    venue = _answer(429, body, {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_order_book(btc, 5)
    assert caught.value.retry_after == 30.0
    assert caught.value.exchange == "binance"
    assert len(venue.requests) == 1  # 30 s is past the request deadline: no retry


async def test_418_ip_ban_is_rate_limited(btc: Market) -> None:
    body = b'{"code":-1003,"msg":"Way too much request weight used; IP banned until 1710328245391."}'
    with pytest.raises(RateLimited):
        await _adapter(_answer(418, body, {"Retry-After": "120"})).fetch_trades(btc, None)


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert caught.value.code is ErrorCode.EXCHANGE_UNAVAILABLE
    assert "HTTP 502" in caught.value.message
    assert len(venue.requests) == 3  # transient: retried


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("ticker_24hr_BTCUSDT.json")[:100])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.code is ErrorCode.EXCHANGE_UNAVAILABLE
    assert caught.value.exchange == "binance"
    assert "/api/v3/ticker/24hr" in caught.value.message
    assert len(venue.requests) == 1  # the same bytes would come back: not retried


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b'{"symbol":"BTCUSDT"}',  # the right JSON type, missing every required key
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"code":-1003,"msg":"Too much request weight used."}', RateLimited),
        (b'{"code":-1121,"msg":"Invalid symbol."}', BadSymbol),
    ],
)
async def test_a_venue_error_body_with_status_200_is_mapped(
    btc: Market, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        await _adapter(_answer(200, body)).fetch_ticker(btc)
    assert type(caught.value) is error


async def test_a_list_where_an_object_is_expected_is_an_upstream_decode_error(btc: Market) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, recorded("agg_trades_BTCUSDT.json"))).fetch_order_book(btc, 5)


INSUFFICIENT_BALANCE = b'{"code":-2010,"msg":"Account has insufficient balance for requested action."}'


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, INSUFFICIENT_BALANCE, InsufficientFunds),
        (400, b'{"code":-2010,"msg":"Order would immediately match and take."}', InvalidOrder),
        (400, b'{"code":-1013,"msg":"Filter failure: LOT_SIZE"}', InvalidOrder),
        (400, b'{"code":-1100,"msg":"Illegal characters found in parameter \'symbol\'."}', BadRequest),
        (
            401,
            b'{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}',
            AuthenticationFailed,
        ),
        (400, b'{"code":-2013,"msg":"Order does not exist."}', OrderNotFound),
        (403, b"<html>WAF</html>", PermissionDenied),
        (451, b'{"code":0,"msg":"Service unavailable from a restricted location."}', PermissionDenied),
        (503, b"Service Unavailable", ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "binance"


def test_generic_rejection_keeps_its_code_in_the_message() -> None:
    mapped = ERRORS.from_response(400, INSUFFICIENT_BALANCE)
    assert mapped.message.endswith("(code -2010)")


# --- the replay recordings --------------------------------------------------------------------------------


async def test_replay_recordings_answer_every_public_method() -> None:
    """Our adapter against the bundled recordings, routed by the replay server's own matching rule."""
    recording = load_recordings()["binance"]
    assert recording.rate_limit is not None
    assert (recording.rate_limit.weight, recording.rate_limit.per_seconds) == (6000, 60)
    assert all(route.provenance for route in recording.routes)
    served: list[str | None] = []

    def replay(request: httpx.Request) -> httpx.Response:
        route = match_route(recording.routes, request.method, request.url.path, dict(request.url.params))
        assert route is not None, f"no recording for {request.url}"
        served.append(route.fetch)
        return httpx.Response(route.status, content=bytes(route.body))

    adapter = _adapter(replay)
    index = MarketIndex.of(await adapter.fetch_markets())
    btc = index.by_symbol["BTC/USDT"]
    ticker = await adapter.fetch_ticker(btc)
    tickers = await adapter.fetch_tickers(index, None)
    book = await adapter.fetch_order_book(btc, 5)
    trades = await adapter.fetch_trades(btc, 10)
    candles = await adapter.fetch_ohlcv(btc, "1h", None, 3)
    assert served == [route.fetch for route in recording.routes]  # each route answers its own method
    assert tickers == [ticker]
    assert (len(index.markets), len(book.bids), len(trades), len(candles)) == (7, 2, 1, 3)
