"""The Bitfinex adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

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
    NotSupported,
    PermissionDenied,
    RateLimited,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.bitfinex.adapter import SPEC, BitfinexAdapter, book_length
from exchangeql.exchanges.bitfinex.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

BODIES = {
    "/v2/conf/pub:info:pair,pub:info:pair:futures": "conf_pairs.json",
    "/v2/ticker/tBTCUST": "ticker_tBTCUST.json",
    "/v2/tickers": "tickers_ALL.json",
    "/v2/book/tBTCUST/P0": "book_P0_tBTCUSD.json",
    "/v2/trades/tBTCUST/hist": "trades_tBTCUST.json",
    "/v2/candles/trade:1h:tBTCUST/hist": "candles_1h_tBTCUST.json",
    "/v2/candles/trade:1m:tBTCUST/hist": "candles_1h_tBTCUST.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/bitfinex")  # the replay server's mount point
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
        "bitfinex",
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
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("bitfinex", "Bitfinex", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (240, 60)
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
    assert " ".join(adapter.timeframes) == "1m 5m 15m 30m 1h 3h 6h 12h 1d 1w 2w 1M"
    assert (adapter.timeframes["1d"], adapter.timeframes["1w"], adapter.timeframes["2w"]) == (
        "1D",
        "1W",
        "14D",
    )


async def test_private_methods_are_not_supported() -> None:
    with pytest.raises(NotSupported):
        await _adapter(Venue()).fetch_balance()


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets_asks_for_pairs_and_perpetuals_in_one_call(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/conf/pub:info:pair,pub:info:pair:futures"
    assert len(venue.requests) == 1
    assert (len(markets), markets[4].symbol, markets[-1].symbol) == (15, "BTC/USDT", "TRX/USDT:USDT")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/ticker/tBTCUST"
    assert (ticker.symbol, ticker.last, ticker.average) == ("BTC/USDT", Decimal("73350"), Decimal("72848.5"))


async def test_fetch_all_tickers_is_one_call(venue: Venue, index: MarketIndex) -> None:
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/tickers?symbols=ALL"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]


async def test_fetch_some_tickers_sends_their_ids(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USDT:USDT"]]
    tickers = await _adapter(venue).fetch_tickers(index, wanted)
    assert venue.last.url.params["symbols"] == "tBTCUST,tBTCF0:USTF0"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]  # the venue answered for tBTCUST only
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_many_tickers_are_fetched_whole_and_filtered(venue: Venue, btc: Market) -> None:
    others = [dataclasses.replace(btc, id=f"tX{i}UST", symbol=f"X{i}/USDT") for i in range(100)]
    tickers = await _adapter(venue).fetch_tickers(MarketIndex.of([btc, *others]), [btc, *others])
    assert venue.last.url.params["symbols"] == "ALL"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert await _adapter(venue).fetch_tickers(MarketIndex.of(others), others) == []


@pytest.mark.parametrize(
    ("requested", "sent"), [(1, 1), (2, 25), (25, 25), (26, 100), (100, 100), (500, 100)]
)
def test_book_length_is_the_smallest_served_that_holds_the_request(requested: int, sent: int) -> None:
    assert book_length(requested) == sent


async def test_fetch_order_book_rounds_the_length_up(venue: Venue, btc: Market) -> None:
    book = await _adapter(venue).fetch_order_book(btc, 10)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/book/tBTCUST/P0?len=25"
    assert [level.price for level in book.bids] == [Decimal("7254.7")]
    await _adapter(venue).fetch_order_book(btc, None)
    assert "len" not in venue.last.url.params  # the venue's default, 25


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
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/trades/tBTCUST/hist?sort=-1&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("1560452102", Side.BUY, Decimal("14.63115294"))
    await _adapter(venue).fetch_trades(btc, 50_000)
    assert venue.last.url.params["limit"] == "10000"  # the venue's maximum


async def test_fetch_ohlcv_latest(venue: Venue, btc: Market) -> None:
    (candle,) = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 1)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/candles/trade:1h:tBTCUST/hist?limit=1"
    assert (candle.timestamp, candle.close) == (1552298400000, Decimal("3890"))


async def test_fetch_ohlcv_since_sorts_ascending(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1m", 1552298400000, 3)
    assert dict(venue.last.url.params) == {"limit": "3", "start": "1552298400000", "sort": "1"}
    assert [c.timestamp for c in candles] == [1552298400000]


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "4h", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "bitfinex", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = BitfinexAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1h", None, None)
    # 240 per minute: book 240/min, conf and tickers 90/min, candles 30/min, trades 15/min.
    assert limiter.weights == [2.7, 2.7, 2.7, 1.0, 16.0, 8.0]


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/bitfinex").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/bitfinex/v2/ticker/tBTCUST"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


async def test_invalid_symbol_with_500_is_bad_symbol_and_not_retried(btc: Market) -> None:
    venue = _answer(500, b'["error",10020,"symbol: invalid"]')
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_trades(btc, 1)
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert caught.value.exchange == "bitfinex"
    assert "symbol: invalid" in caught.value.message and "10020" in caught.value.message
    assert len(venue.requests) == 1


async def test_an_empty_ticker_is_an_unknown_symbol(btc: Market) -> None:
    with pytest.raises(BadSymbol, match="no ticker for tBTCUST"):
        await _adapter(_answer(200, b"[]")).fetch_ticker(btc)


async def test_rate_limit_object_is_rate_limited(btc: Market) -> None:
    venue = _answer(429, b'{"error":"ERR_RATE_LIMIT"}', {"Retry-After": "60"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.retry_after == 60.0
    assert len(venue.requests) == 1


async def test_an_error_array_with_status_200_is_mapped(btc: Market) -> None:
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(_answer(200, b'["error",20060,"maintenance"]')).fetch_order_book(btc, 25)
    assert "maintenance" in caught.value.message


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert len(venue.requests) == 3


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("ticker_tBTCUST.json")[:40])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert "/v2/ticker/tBTCUST" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b'{"bid":1}',  # an object where the venue sends arrays
        b"[1,2,3]",  # too short for a ticker
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, b'["error",10020,"symbol: invalid"]', BadSymbol),
        (500, b'["error",10020,"limit: invalid"]', BadRequest),
        (500, b'["error",11010,"ratelimit: error"]', RateLimited),
        (500, b'["error",10100,"apikey: invalid"]', AuthenticationFailed),
        (500, b'["error",10001,"api_key: permission invalid"]', PermissionDenied),
        (500, b'["error",10001,"not enough exchange balance for 1 BTCUSD"]', InsufficientFunds),
        (500, b'["error",20060,"maintenance"]', ExchangeUnavailable),
        (
            503,
            b'{"code":503,"error":"temporarily_unavailable","error_description":"Sorry"}',
            ExchangeUnavailable,
        ),
        (429, b'{"error":"ERR_RATE_LIMIT"}', RateLimited),
        (403, b"<html>WAF</html>", PermissionDenied),
        (404, b"Not Found", BadRequest),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "bitfinex"


def test_generic_codes_keep_their_code_in_the_message() -> None:
    assert ERRORS.from_response(500, b'["error",10020,"limit: invalid"]').message.endswith("(code 10020)")


def test_an_array_that_is_not_an_error_is_not_read_as_one() -> None:
    assert ERRORS.from_body(b'["info",10020,"hello"]') is None
    assert ERRORS.from_body(recorded("ticker_tBTCUST.json")) is None
