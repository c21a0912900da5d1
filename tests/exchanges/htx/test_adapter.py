"""The HTX adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

Asserts what goes on the wire (path, query, weight), what comes back, and how failures are mapped,
including HTX's habit of answering errors with HTTP 200 and status "error".
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
    PermissionDenied,
    RateLimited,
    Timeout,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.htx.adapter import SPEC, HtxAdapter, depth_size
from exchangeql.exchanges.htx.errors import ERRORS
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

BODIES = {
    "/v1/common/symbols": "symbols.json",
    "/market/detail/merged": "detail_merged_btcusdt.json",
    "/market/tickers": "tickers_docs.json",
    "/market/depth": "depth_btcusdt_docs.json",
    "/market/history/trade": "history_trade_btcusdt.json",
    "/market/history/kline": "history_kline_btcusdt_60min.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/htx")  # the replay server's mount point
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
        "htx",
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
    assert NATIVE_SPECS["htx"] is SPEC
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("htx", "HTX", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (3000, 300)
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
    assert " ".join(adapter.timeframes) == "1m 5m 15m 30m 1h 4h 1d 1w 1M 1y"
    assert adapter.timeframes["1h"] == "60min"


async def test_private_methods_are_not_supported(btc: Market) -> None:
    adapter = _adapter(Venue())
    with pytest.raises(NotSupported) as caught:
        await adapter.fetch_balance()
    assert caught.value.exchange == "htx"
    with pytest.raises(NotSupported):
        await adapter.fetch_open_orders(btc)


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api.huobi.pro/v1/common/symbols"
    assert len(markets) == 7
    assert markets[0].symbol == "BTC/USDT" and markets[0].precision.price == Decimal("0.01")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.huobi.pro/market/detail/merged?symbol=btcusdt"
    assert (ticker.symbol, ticker.timestamp) == ("BTC/USDT", 1710328245889)
    assert (ticker.last, ticker.average) == (Decimal("73360.54"), Decimal("72755.34"))


async def test_fetch_tickers_is_one_call_for_every_pair(venue: Venue, index: MarketIndex) -> None:
    calls = len(venue.requests)
    # The documented example lists smtusdt and ltcht, which the recorded markets do not hold.
    assert await _adapter(venue).fetch_tickers(index, None) == []
    assert [str(r.url) for r in venue.requests[calls:]] == ["https://api.huobi.pro/market/tickers"]
    assert await _adapter(venue).fetch_tickers(index, [index.by_symbol["ETH/USDT"]]) == []
    assert venue.last.url.params == httpx.QueryParams()  # no filter at the venue: all pairs, then filtered
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


@pytest.mark.parametrize(("requested", "sent"), [(1, 5), (5, 5), (6, 10), (20, 20), (21, None), (150, None)])
def test_depth_size_is_the_smallest_that_holds_the_request(requested: int, sent: int | None) -> None:
    assert depth_size(requested) == sent


async def test_fetch_order_book(venue: Venue, btc: Market) -> None:
    book = await _adapter(venue).fetch_order_book(btc, 2)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "type": "step0", "depth": "5"}
    assert [level.price for level in book.bids] == [Decimal("49790.87"), Decimal("49785.9")]
    assert book.nonce == 136107114472
    full = await _adapter(venue).fetch_order_book(btc, None)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "type": "step0"}
    assert len(full.asks) == 5


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
    assert str(venue.last.url) == "https://api.huobi.pro/market/history/trade?symbol=btcusdt&size=1"
    assert (trade.id, trade.side, trade.cost) == ("102882518915", Side.SELL, Decimal("575.34963632"))
    trades = await _adapter(venue).fetch_trades(btc, None)
    assert venue.last.url.params["size"] == "1000" and len(trades) == 12  # every fill of the aggregates
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["size"] == "2000"  # the venue's maximum


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    (candle,) = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "period": "60min", "size": "1"}
    assert (candle.timestamp, candle.close) == (1710327600000, Decimal("73394.27"))
    await _adapter(venue).fetch_ohlcv(btc, "1d", None, None)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "period": "1day"}


async def test_fetch_ohlcv_since_asks_for_all_the_venue_serves(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1710327600000, 5)
    assert venue.last.url.params["size"] == "2000"
    assert [c.timestamp for c in candles] == [1710327600000]
    assert await _adapter(venue).fetch_ohlcv(btc, "1h", 1710327600001, None) == []


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "3m", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "htx", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = HtxAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1] * 6


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/htx").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/htx/market/detail/merged?symbol=btcusdt"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


INVALID_SYMBOL = (
    b'{"ts":1568813334794,"status":"error","err-code":"invalid-parameter","err-msg":"invalid symbol"}'
)
TOO_FREQUENT = (
    b'{"status":"error","err-code":"base-request-exceed-frequency-limit",'
    b'"err-msg":"Frequency of requests has exceeded the limit, please try again later","data":null}'
)


async def test_an_invalid_symbol_with_status_200_is_bad_symbol(btc: Market) -> None:
    venue = _answer(200, INVALID_SYMBOL)
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert (caught.value.exchange, caught.value.code) == ("htx", ErrorCode.BAD_SYMBOL)
    assert caught.value.message == "invalid symbol (code invalid-parameter)"
    assert len(venue.requests) == 1  # a client error is not retried


async def test_the_rate_limit_error_with_status_200_is_rate_limited(btc: Market) -> None:
    venue = _answer(200, TOO_FREQUENT)
    with pytest.raises(RateLimited):
        await _adapter(venue).fetch_trades(btc, None)
    assert len(venue.requests) == 3  # transient: retried


async def test_429_with_retry_after_is_rate_limited(btc: Market) -> None:
    venue = _answer(429, TOO_FREQUENT, {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_order_book(btc, 5)
    assert caught.value.retry_after == 30.0
    assert len(venue.requests) == 1


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert "HTTP 502" in caught.value.message
    assert len(venue.requests) == 3


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("detail_merged_btcusdt.json")[:100])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "htx"
    assert "/market/detail/merged" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b'{"status":"ok","ts":1}',  # no tick
        b'{"status":"ok","ts":1,"tick":{"id":1,"bid":[1]}}',  # a bid without its size
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, INVALID_SYMBOL, BadSymbol),
        (200, b'{"status":"error","err-code":"invalid-parameter","err-msg":"invalid period"}', BadRequest),
        (200, b'{"status":"error","err-code":"invalid-parameter","err-msg":"request timeout"}', Timeout),
        (200, b'{"status":"error","err-code":"invalid-parameter","err-msg":"request limit"}', RateLimited),
        (
            200,
            b'{"status":"error","err-code":"base-symbol-error","err-msg":"The symbol is invalid"}',
            BadSymbol,
        ),
        (200, TOO_FREQUENT, RateLimited),
        (
            200,
            b'{"status":"error","err-code":"system-maintenance","err-msg":"System is in maintenance!"}',
            ExchangeUnavailable,
        ),
        (
            200,
            b'{"status":"error","err-code":"api-signature-not-valid","err-msg":"Signature not valid"}',
            AuthenticationFailed,
        ),
        (
            200,
            b'{"status":"error","err-code":"account-frozen-balance-insufficient-error","err-msg":"low"}',
            InsufficientFunds,
        ),
        (
            200,
            b'{"status":"error","err-code":"order-limitorder-amount-min-error","err-msg":"min: 0.001"}',
            InvalidOrder,
        ),
        (
            200,
            b'{"status":"error","err-code":"base-record-invalid","err-msg":"record invalid"}',
            OrderNotFound,
        ),
        (200, b'{"status":"error","err-code":"something-new","err-msg":"new"}', ExchangeUnavailable),
        (404, INVALID_SYMBOL, BadSymbol),
        (403, b"<html>WAF</html>", PermissionDenied),
        (503, b"Service Unavailable", ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_body(body) if status == 200 else ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped is not None and mapped.exchange == "htx"


def test_success_answers_are_not_errors() -> None:
    assert ERRORS.from_body(recorded("detail_merged_btcusdt.json")) is None
    assert ERRORS.from_body(recorded("symbols.json")) is None
    assert ERRORS.from_body(b"<html>") is None
