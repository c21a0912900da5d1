"""The Kraken adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

Asserts what goes on the wire (path, query, weight), what comes back, and how failures are mapped:
Kraken reports its errors inside HTTP 200 answers.
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
from exchangeql.exchanges.kraken.adapter import SPEC, KrakenAdapter
from exchangeql.exchanges.kraken.errors import ERRORS
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, RateLimit, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

BODIES = {
    "/0/public/AssetPairs": "asset_pairs.json",
    "/0/public/Ticker": "ticker_XBTUSDT.json",
    "/0/public/Depth": "depth_XXBTZUSD_docs.json",
    "/0/public/Trades": "trades_XBTUSDT.json",
    "/0/public/OHLC": "ohlc_XBTUSDT_60.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/kraken")  # the replay server's mount point
        body = recorded(BODIES[path])
        if path == "/0/public/Ticker" and request.url.params.get("pair") != "XBTUSDT":
            body = recorded("ticker_XXBTZUSD_docs.json")  # another answer for any other question
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
        "kraken",
        # The venue's budget is one call a second: tests run without waiting for it.
        ExchangeSettings(upstream=upstream, rate_limit=RateLimit(1000, 1)),
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
    assert NATIVE_SPECS["kraken"] is SPEC
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("kraken", "Kraken", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (15, 15)
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
        "1m": "1",
        "5m": "5",
        "15m": "15",
        "30m": "30",
        "1h": "60",
        "4h": "240",
        "1d": "1440",
        "1w": "10080",
    }


async def test_private_methods_are_not_supported(btc: Market) -> None:
    adapter = _adapter(Venue())
    with pytest.raises(NotSupported) as caught:
        await adapter.fetch_balance()
    assert caught.value.exchange == "kraken"
    with pytest.raises(NotSupported):
        await adapter.fetch_open_orders(btc)


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api.kraken.com/0/public/AssetPairs"
    assert venue.last.method == "GET"
    assert len(markets) == 8
    assert (markets[0].symbol, markets[0].precision.price) == ("BTC/USDT", Decimal("0.1"))


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Ticker?pair=XBTUSDT"
    assert ticker.symbol == "BTC/USDT"
    assert (ticker.last, ticker.average) == (Decimal("73380.6"), Decimal("72415.6"))


async def test_fetch_all_tickers_is_one_call_without_pair(venue: Venue, index: MarketIndex) -> None:
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Ticker"
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USD", Decimal("30303.2"))]


async def test_fetch_some_tickers_sends_a_comma_list(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USD"]]
    tickers = await _adapter(venue).fetch_tickers(index, wanted)
    assert venue.last.url.params["pair"] == "XBTUSDT,XXBTZUSD"
    assert [t.symbol for t in tickers] == ["BTC/USD"]  # the venue answered for XXBTZUSD only
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_many_tickers_are_fetched_whole_and_filtered(venue: Venue, btc: Market) -> None:
    others = [dataclasses.replace(btc, id=f"X{i}USD", symbol=f"X{i}/USD") for i in range(50)]
    usd = dataclasses.replace(btc, id="XXBTZUSD", symbol="BTC/USD")
    tickers = await _adapter(venue).fetch_tickers(MarketIndex.of([usd, *others]), [usd, *others])
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Ticker"  # 51 pairs: no list
    assert [t.symbol for t in tickers] == ["BTC/USD"]


async def test_fetch_order_book_sends_count_and_trims(venue: Venue, index: MarketIndex) -> None:
    usd = index.by_symbol["BTC/USD"]
    book = await _adapter(venue).fetch_order_book(usd, 2)
    assert dict(venue.last.url.params) == {"pair": "XXBTZUSD", "count": "2"}
    assert [level.price for level in book.bids] == [Decimal("30297.0"), Decimal("30296.7")]
    await _adapter(venue).fetch_order_book(usd, 5000)
    assert venue.last.url.params["count"] == "500"  # the venue's maximum
    await _adapter(venue).fetch_order_book(usd, None)
    assert dict(venue.last.url.params) == {"pair": "XXBTZUSD"}


async def test_an_answer_without_the_pair_is_an_upstream_decode_error(venue: Venue, btc: Market) -> None:
    def two_pairs(request: httpx.Request) -> httpx.Response:
        body = b'{"error":[],"result":{"A":{"asks":[],"bids":[]},"B":{"asks":[],"bids":[]}}}'
        return httpx.Response(200, content=body)

    with pytest.raises(UpstreamDecodeError, match="without pair XBTUSDT"):
        await _adapter(two_pairs).fetch_order_book(btc, None)


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
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Trades?pair=XBTUSDT&count=1"
    assert (trade.id, trade.side, trade.cost) == ("6324366", Side.BUY, Decimal("755.9012396"))
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["count"] == "1000"  # the venue's maximum


async def test_fetch_ohlcv_asks_one_interval_before_since(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    # since 1706628191 s, less one 60-minute interval, as ccxt sends it.
    assert dict(venue.last.url.params) == {"pair": "XBTUSDT", "interval": "60", "since": "1706624591"}
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]
    await _adapter(venue).fetch_ohlcv(btc, "1d", None, None)
    assert dict(venue.last.url.params) == {"pair": "XBTUSDT", "interval": "1440"}


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "2w", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_one_call(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "kraken", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = KrakenAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(index.by_symbol["BTC/USD"], None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1] * 6


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/kraken").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/kraken/0/public/Ticker?pair=XBTUSDT"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


async def test_unknown_pair_comes_with_200_and_is_bad_symbol(btc: Market) -> None:
    venue = _answer(200, b'{"error":["EQuery:Unknown asset pair"]}')
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "kraken"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert "EQuery:Unknown asset pair" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"error":["EAPI:Rate limit exceeded"]}', RateLimited),
        (b'{"error":["EService: Throttled: 1710328245"]}', RateLimited),
        (b'{"error":["EService:Unavailable"]}', ExchangeUnavailable),
        (b'{"error":["EGeneral:Invalid arguments"],"result":{}}', BadRequest),
        (b'{"error":["EQuery:Invalid asset pair"]}', BadSymbol),
    ],
)
async def test_errors_with_status_200_are_mapped(btc: Market, body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        await _adapter(_answer(200, body)).fetch_trades(btc, None)
    assert type(caught.value) is error


async def test_warnings_are_not_errors(btc: Market) -> None:
    ticker = recorded("ticker_XBTUSDT.json").replace(b'"error":[]', b'"error":["WGeneral:Deprecated"]')
    assert b"WGeneral" in ticker
    assert (await _adapter(_answer(200, ticker)).fetch_ticker(btc)).last == Decimal("73380.6")


async def test_an_envelope_without_result_or_error_is_an_upstream_decode_error(btc: Market) -> None:
    with pytest.raises(UpstreamDecodeError, match="without a result"):
        await _adapter(_answer(200, b'{"error":[]}')).fetch_ticker(btc)


async def test_429_with_retry_after_is_rate_limited(btc: Market) -> None:
    venue = _answer(429, b'{"error":["EAPI:Rate limit exceeded"]}', {"Retry-After": "30"})
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
    venue = _answer(200, recorded("ticker_XBTUSDT.json")[:100])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.code is ErrorCode.EXCHANGE_UNAVAILABLE
    assert "/0/public/Ticker" in caught.value.message
    assert len(venue.requests) == 1  # the same bytes would come back: not retried


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b'{"error":[],"result":{"XBTUSDT":{"a":["1"]}}}',  # the right envelope, a ticker missing its keys
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b'{"error":["EOrder:Insufficient funds"]}', InsufficientFunds),
        (200, b'{"error":["EOrder:Unknown order"]}', OrderNotFound),
        (200, b'{"error":["EOrder:Order minimum not met"]}', InvalidOrder),
        (200, b'{"error":["EGeneral:Invalid arguments:volume"]}', InvalidOrder),
        (200, b'{"error":["EAPI:Invalid key"]}', AuthenticationFailed),
        (200, b'{"error":["EGeneral:Permission denied"]}', PermissionDenied),
        (200, b'{"error":["EGeneral:Temporary lockout"]}', RateLimited),
        (520, b"<html>origin error</html>", ExchangeUnavailable),
        (403, b"<html>WAF</html>", PermissionDenied),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_body(body) if status == 200 else ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped is not None and mapped.exchange == "kraken"


def test_a_success_envelope_is_no_error() -> None:
    assert ERRORS.from_body(recorded("ticker_XBTUSDT.json")) is None
    assert ERRORS.from_body(b'{"error":["WGeneral:Deprecated"],"result":{}}') is None
