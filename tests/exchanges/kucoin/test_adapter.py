"""The KuCoin adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

Asserts what goes on the wire (path, query, weight), what comes back, and how failures are mapped,
including KuCoin's habit of answering errors with HTTP 200 and an error code in the envelope.
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
    NotSupported,
    PermissionDenied,
    RateLimited,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.kucoin.adapter import SPEC, KucoinAdapter, book_depth, candle_window
from exchangeql.exchanges.kucoin.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

BODIES = {
    "/api/v2/symbols": "symbols.json",
    "/api/v1/market/stats": "stats_BTC-USDT.json",
    "/api/v1/market/allTickers": "all_tickers.json",
    "/api/v1/market/orderbook/level2_20": "orderbook_level2_20_BTC-USDT.json",
    "/api/v1/market/orderbook/level2_100": "orderbook_level2_20_BTC-USDT.json",
    "/api/v1/market/histories": "histories_BTC-USDT.json",
    "/api/v1/market/candles": "candles_BTC-USDT_1hour.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/kucoin")  # the replay server's mount point
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
        "kucoin",
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
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("kucoin", "KuCoin", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (2000, 30)  # the public pool, per IP
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
    assert " ".join(adapter.timeframes) == "1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w 1M"
    assert adapter.timeframes["1h"] == "1hour"


async def test_private_methods_are_not_supported() -> None:
    with pytest.raises(NotSupported):
        await _adapter(Venue()).fetch_open_orders(None)


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api.kucoin.com/api/v2/symbols"
    assert (len(markets), markets[0].symbol, markets[0].precision.price) == (7, "BTC/USDT", Decimal("0.1"))


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/stats?symbol=BTC-USDT"
    assert (ticker.symbol, ticker.last, ticker.percentage) == ("BTC/USDT", Decimal("67400"), Decimal("0.89"))


async def test_fetch_all_tickers_is_one_call(venue: Venue, index: MarketIndex) -> None:
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/allTickers"
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USDT", Decimal("11328.9"))]


async def test_fetch_some_tickers_filters_the_snapshot(venue: Venue, index: MarketIndex) -> None:
    eth = index.by_symbol["ETH/USDT"]
    assert await _adapter(venue).fetch_tickers(index, [eth]) == []  # the snapshot has BTC-USDT only
    assert [
        t.symbol for t in await _adapter(venue).fetch_tickers(index, [eth, index.by_symbol["BTC/USDT"]])
    ] == ["BTC/USDT"]
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


@pytest.mark.parametrize(
    ("requested", "depth"), [(1, 20), (20, 20), (21, 100), (100, 100), (500, 100), (None, 100)]
)
def test_book_depth(requested: int | None, depth: int) -> None:
    assert book_depth(requested) == depth


async def test_fetch_order_book_picks_the_path_by_limit(venue: Venue, btc: Market) -> None:
    book = await _adapter(venue).fetch_order_book(btc, 1)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/orderbook/level2_20?symbol=BTC-USDT"
    assert ([b.price for b in book.bids], book.nonce) == ([Decimal("67539.7")], 11149534850)
    await _adapter(venue).fetch_order_book(btc, None)
    assert venue.last.url.path == "/api/v1/market/orderbook/level2_100"


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
    (trade,) = await _adapter(venue).fetch_trades(btc, 5)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/histories?symbol=BTC-USDT"
    assert (trade.id, trade.side, trade.cost) == (None, Side.SELL, Decimal("305.10392622"))


async def test_fetch_ohlcv_with_since_asks_for_a_window(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert dict(venue.last.url.params) == {
        "symbol": "BTC-USDT",
        "type": "1hour",
        "startAt": "1706628191",
        "endAt": "1706638991",  # since + 3 hours, in seconds
    }
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]


async def test_fetch_ohlcv_without_since_keeps_the_latest(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"symbol": "BTC-USDT", "type": "1hour"}
    assert [c.timestamp for c in candles] == [1706637600000]


def test_candle_window_caps_at_1500() -> None:
    assert candle_window(1_000, None, 60) == (1, (1_000 + 1500 * 60_000) // 1000)
    assert candle_window(1_000, 5000, 60) == candle_window(1_000, 1500, 60)


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "1s", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "kucoin", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = KucoinAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(btc, 20)
    await adapter.fetch_order_book(btc, 100)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [4, 15, 15, 2, 4, 3, 3]


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/kucoin").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/kucoin/api/v1/market/stats?symbol=BTC-USDT"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


UNKNOWN_PAIR = b'{"code":"400100","msg":"This pair is not provided at present."}'


@pytest.mark.parametrize("status", [200, 400])
async def test_unknown_pair_is_bad_symbol_with_any_status(btc: Market, status: int) -> None:
    venue = _answer(status, UNKNOWN_PAIR)
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_order_book(btc, 20)
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert caught.value.exchange == "kucoin"
    assert "This pair is not provided at present." in caught.value.message
    assert "400100" in caught.value.message
    assert len(venue.requests) == 1


async def test_rate_limit_with_status_200_is_rate_limited(btc: Market) -> None:
    body = b'{"code":"429000","msg":"Too many requests. System-level rate limit exceeded."}'
    with pytest.raises(RateLimited):
        await _adapter(_answer(200, body)).fetch_markets()


async def test_429_is_rate_limited_with_retry_after(btc: Market) -> None:
    body = b'{"code":"429000","msg":"Too many requests. System-level rate limit exceeded."}'
    venue = _answer(429, body, {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.retry_after == 30.0
    assert len(venue.requests) == 1


async def test_an_envelope_without_data_for_a_symbol_is_bad_symbol(btc: Market) -> None:
    with pytest.raises(BadSymbol, match="no data for BTC-USDT"):
        await _adapter(_answer(200, b'{"code":"200000","data":null}')).fetch_ticker(btc)


async def test_markets_without_data_are_an_upstream_decode_error() -> None:
    with pytest.raises(UpstreamDecodeError, match="no data"):
        await _adapter(_answer(200, b'{"code":"200000"}')).fetch_markets()


async def test_an_error_envelope_whose_data_has_another_shape_is_still_mapped(btc: Market) -> None:
    body = b'{"code":"400100","msg":"This pair is not provided at present.","data":"n/a"}'
    with pytest.raises(BadSymbol):
        await _adapter(_answer(200, body)).fetch_trades(btc, 1)


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert len(venue.requests) == 3


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("stats_BTC-USDT.json")[:120])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert "/api/v1/market/stats" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b'{"code":"200000","data":{"bids":"x"}}',  # the envelope, the wrong data
        b'{"data":{}}',  # no code at all
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_order_book(btc, 20)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, UNKNOWN_PAIR, BadSymbol),
        (400, b'{"code":"400100","msg":"pageSize should not greater than 500"}', BadRequest),
        (401, b'{"code":"400003","msg":"KC-API-KEY not exists"}', AuthenticationFailed),
        (403, b'{"code":"400006","msg":"Invalid request ip"}', PermissionDenied),
        (400, b'{"code":"200004","msg":"Balance insufficient"}', InsufficientFunds),
        (429, b'{"code":"429000","msg":"Too many requests"}', RateLimited),
        (500, b'{"code":"500000","msg":"Internal Server Error"}', ExchangeUnavailable),
        (404, b'{"code":"404000","msg":"Url Not Found"}', BadRequest),
        (403, b"<html>WAF</html>", PermissionDenied),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "kucoin"


def test_a_success_envelope_is_not_an_error() -> None:
    assert ERRORS.from_body(recorded("stats_BTC-USDT.json")) is None


async def test_renamed_ids_are_sent_as_the_venue_spells_them(venue: Venue, btc: Market) -> None:
    wax = dataclasses.replace(btc, id="WAX-USDT", symbol="WAXP/USDT", base="WAXP", base_id="WAX")
    await _adapter(venue).fetch_ticker(wax)
    assert venue.last.url.params["symbol"] == "WAX-USDT"
