"""The OKX adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

Asserts what goes on the wire (path, query, weight), what comes back, and how failures are mapped,
including OKX's habit of answering errors with HTTP 200 and a code other than "0".
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
    OrderNotFound,
    PermissionDenied,
    RateLimited,
    Timeout,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.okx.adapter import SPEC, OkxAdapter
from exchangeql.exchanges.okx.errors import ERRORS
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

# (path, the query value that picks the body) -> recorded body
BODIES = {
    ("/api/v5/public/instruments", "SPOT"): "instruments_SPOT.json",
    ("/api/v5/public/instruments", "SWAP"): "instruments_SWAP.json",
    ("/api/v5/market/ticker", "BTC-USDT"): "ticker_BTC-USDT.json",
    ("/api/v5/market/tickers", "SPOT"): "ticker_BTC-USDT.json",
    ("/api/v5/market/tickers", "SWAP"): "tickers_SWAP_docs.json",
    ("/api/v5/market/books", "BTC-USDT"): "books_BTC-USDT.json",
    ("/api/v5/market/books", "BTC-USDT-SWAP"): "books_BTC-USDT-SWAP.json",
    ("/api/v5/market/trades", "BTC-USDT"): "trades_BTC-USDT.json",
    ("/api/v5/market/candles", "BTC-USDT"): "candles_BTC-USDT_1H.json",
    ("/api/v5/market/history-candles", "BTC-USDT"): "candles_BTC-USDT_1H.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and instrument, and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/okx")  # the replay server's mount point
        params = request.url.params
        key = params.get("instId") or params.get("instType")
        return httpx.Response(
            200, content=recorded(BODIES[path, key]), headers={"Content-Type": "application/json"}
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
        "okx",
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
    assert NATIVE_SPECS["okx"] is SPEC
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("okx", "OKX", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (40, 2)
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
    assert " ".join(adapter.timeframes) == "1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M 3M"
    assert (adapter.timeframes["1h"], adapter.timeframes["1d"]) == ("1H", "1Dutc")  # UTC-aligned days


async def test_private_methods_are_not_supported(btc: Market) -> None:
    adapter = _adapter(Venue())
    with pytest.raises(NotSupported) as caught:
        await adapter.fetch_balance()
    assert caught.value.exchange == "okx"
    with pytest.raises(NotSupported):
        await adapter.fetch_open_orders(btc)


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets_asks_for_spot_and_swaps(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert sorted(str(r.url) for r in venue.requests) == [
        "https://www.okx.com/api/v5/public/instruments?instType=SPOT",
        "https://www.okx.com/api/v5/public/instruments?instType=SWAP",
    ]
    assert len(markets) == 16
    assert [m.symbol for m in markets][:2] == ["BTC/USDT", "ETH/USDT"]  # spot first
    assert markets[-1].symbol == "SUSHI/USDT:USDT"


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/ticker?instId=BTC-USDT"
    assert (ticker.symbol, ticker.last, ticker.average) == (
        "BTC/USDT",
        Decimal("73384.8"),
        Decimal("72775.8"),
    )


async def test_fetch_all_tickers_is_one_call_per_instrument_type(venue: Venue, index: MarketIndex) -> None:
    calls = len(venue.requests)
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert sorted(str(r.url) for r in venue.requests[calls:]) == [
        "https://www.okx.com/api/v5/market/tickers?instType=SPOT",
        "https://www.okx.com/api/v5/market/tickers?instType=SWAP",
    ]
    assert [t.symbol for t in tickers] == ["BTC/USDT", "BTC/USD:BTC"]


async def test_fetch_some_tickers_asks_only_their_types(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["ETH/USDT"]]
    calls = len(venue.requests)
    tickers = await _adapter(venue).fetch_tickers(index, wanted)
    assert [str(r.url) for r in venue.requests[calls:]] == [
        "https://www.okx.com/api/v5/market/tickers?instType=SPOT"
    ]
    assert [t.symbol for t in tickers] == ["BTC/USDT"]  # the venue answered for BTC-USDT only
    swaps = await _adapter(venue).fetch_tickers(index, [index.by_symbol["ETH/USDT:USDT"]])
    assert venue.last.url.params["instType"] == "SWAP" and swaps == []  # asked for, not answered
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


@pytest.mark.parametrize(("limit", "sent"), [(None, "100"), (1, "1"), (2, "2"), (400, "400"), (1000, "400")])
async def test_fetch_order_book_size(venue: Venue, btc: Market, limit: int | None, sent: str) -> None:
    book = await _adapter(venue).fetch_order_book(btc, limit)
    assert dict(venue.last.url.params) == {"instId": "BTC-USDT", "sz": sent}
    assert len(book.bids) == (1 if limit == 1 else 2)
    assert book.timestamp == 1712265035051


async def test_fetch_swap_order_book(venue: Venue, index: MarketIndex) -> None:
    book = await _adapter(venue).fetch_order_book(index.by_symbol["BTC/USDT:USDT"], 2)
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/books?instId=BTC-USDT-SWAP&sz=2"
    assert (book.symbol, book.bids[0].amount) == ("BTC/USDT:USDT", Decimal("13807"))


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
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/trades?instId=BTC-USDT&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("497859870", Side.SELL, Decimal("69.41620854"))
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "500"  # the venue's maximum
    await _adapter(venue).fetch_trades(btc, None)
    assert dict(venue.last.url.params) == {"instId": "BTC-USDT"}


async def test_fetch_ohlcv_recent(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 2)
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/candles?instId=BTC-USDT&bar=1H&limit=2"
    assert [c.timestamp for c in candles] == [1706634000000, 1706637600000]  # the last two, oldest first
    await _adapter(venue).fetch_ohlcv(btc, "1d", None, 1000)
    assert (venue.last.url.params["bar"], venue.last.url.params["limit"]) == ("1Dutc", "300")


async def test_fetch_ohlcv_since_asks_for_a_window_of_history(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert venue.last.url.path == "/api/v5/market/history-candles"
    assert dict(venue.last.url.params) == {
        "instId": "BTC-USDT",
        "bar": "1H",
        # Newer than since - 1 and older than since + 3 hours: the three candles from `since` on.
        "before": "1706628190999",
        "after": str(1706628191000 + 3 * 3600 * 1000),
        "limit": "3",
    }
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]
    assert candles[0].close == Decimal("43495.9")
    await _adapter(venue).fetch_ohlcv(btc, "1h", 1706628191000, None)
    assert venue.last.url.params["limit"] == "100"


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "1s", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "okx", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = OkxAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, [btc])
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    await adapter.fetch_ohlcv(btc, "1m", 1706628191000, None)
    assert limiter.weights == [2, 2, 2, 2, 1, 1, 1, 2]


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/okx").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/okx/api/v5/market/ticker?instId=BTC-USDT"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


UNKNOWN_INSTRUMENT = b'{"code":"51001","msg":"Instrument ID does not exist","data":[]}'
TOO_MANY = b'{"msg":"Too Many Requests","code":"50011"}'


async def test_an_unknown_instrument_with_status_200_is_bad_symbol(btc: Market) -> None:
    venue = _answer(200, UNKNOWN_INSTRUMENT)
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert (caught.value.exchange, caught.value.code) == ("okx", ErrorCode.BAD_SYMBOL)
    assert "Instrument ID does not exist" in caught.value.message and "51001" in caught.value.message
    assert len(venue.requests) == 1  # a client error is not retried


async def test_429_with_retry_after_is_rate_limited(btc: Market) -> None:
    venue = _answer(429, TOO_MANY, {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_order_book(btc, 5)
    assert caught.value.retry_after == 30.0
    assert len(venue.requests) == 1  # 30 s is past the request deadline: no retry


async def test_a_rate_limit_code_with_status_200_is_rate_limited(btc: Market) -> None:
    with pytest.raises(RateLimited):
        await _adapter(_answer(200, TOO_MANY)).fetch_trades(btc, None)


async def test_a_busy_venue_is_retried_then_unavailable(btc: Market) -> None:
    venue = _answer(200, b'{"code":"50013","msg":"Systems are busy. Please try again later.","data":[]}')
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert len(venue.requests) == 3  # transient: retried


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert "HTTP 502" in caught.value.message
    assert len(venue.requests) == 3


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("ticker_BTC-USDT.json")[:100])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "okx"
    assert "/api/v5/market/ticker" in caught.value.message
    assert len(venue.requests) == 1  # the same bytes would come back: not retried


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b'{"code":"0","msg":"","data":[{"instId":"BTC-USDT"}]}',  # a ticker without its required ts
        b'{"code":"0","msg":"","data":[]}',  # no ticker at all
        b'{"code":"0","msg":"","data":[{"instId":"BTC-USDT","ts":"1","last":["1"]}]}',  # wrong type
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


async def test_an_empty_book_answer_is_an_upstream_decode_error(btc: Market) -> None:
    with pytest.raises(UpstreamDecodeError, match="no book"):
        await _adapter(_answer(200, b'{"code":"0","msg":"","data":[]}')).fetch_order_book(btc, 5)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, UNKNOWN_INSTRUMENT, BadSymbol),
        (200, b'{"code":"51000","msg":"Parameter sz error","data":[]}', BadRequest),
        (200, b'{"code":"50004","msg":"Endpoint request timeout","data":[]}', Timeout),
        (200, b'{"code":"51008","msg":"Order failed. Insufficient balance","data":[]}', InsufficientFunds),
        (200, b'{"code":"51603","msg":"Order does not exist","data":[]}', OrderNotFound),
        (401, b'{"code":"50113","msg":"Invalid Sign","data":[]}', AuthenticationFailed),
        (200, b'{"code":"50110","msg":"Your IP is not in the whitelist","data":[]}', PermissionDenied),
        (200, b'{"code":"59999","msg":"something new","data":[]}', ExchangeUnavailable),  # unknown code
        (429, TOO_MANY, RateLimited),
        (403, b"<html>WAF</html>", PermissionDenied),
        (503, b"Service Unavailable", ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_body(body) if status == 200 else ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped is not None and mapped.exchange == "okx"


def test_success_envelopes_are_not_errors() -> None:
    assert ERRORS.from_body(recorded("ticker_BTC-USDT.json")) is None
    assert ERRORS.from_body(b"[1, 2]") is None
    assert ERRORS.from_body(b"<html>") is None
