"""The Gate adapter through a real VenueClient over httpx.MockTransport serving recorded bodies.

Asserts what goes on the wire (path, query, weight), what comes back, and how failures are mapped.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from exchangeql.clock import now_ms
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
from exchangeql.exchanges.gate.adapter import SPEC, GateAdapter
from exchangeql.exchanges.gate.errors import ERRORS
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.transport.client import VenueClient, build_http_client, build_venue_client

from . import recorded

BODIES = {
    "/api/v4/spot/currency_pairs": "currency_pairs.json",
    "/api/v4/spot/tickers": "tickers_BTC_USDT.json",
    "/api/v4/spot/order_book": "order_book_docs.json",
    "/api/v4/spot/trades": "trades_BTC_USDT.json",
    "/api/v4/spot/candlesticks": "candlesticks_BTC_USDT_1h.json",
}

Handler = Callable[[httpx.Request], httpx.Response]


class Venue:
    """Serves the recorded body of each path and remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/gate")  # the replay server's mount point
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
        "gate",
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
    assert NATIVE_SPECS["gate"] is SPEC
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("gate", "Gate", Engine.NATIVE, ())
    assert SPEC.rate_limit is not None
    assert (SPEC.rate_limit.weight, SPEC.rate_limit.per_seconds) == (200, 10)
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
    assert " ".join(adapter.timeframes) == "10s 1m 5m 15m 30m 1h 4h 8h 1d 7d 1w"
    assert adapter.timeframes["1w"] == "7d"


async def test_private_methods_are_not_supported(btc: Market) -> None:
    adapter = _adapter(Venue())
    with pytest.raises(NotSupported) as caught:
        await adapter.fetch_balance()
    assert caught.value.exchange == "gate"
    with pytest.raises(NotSupported):
        await adapter.fetch_open_orders(btc)


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/currency_pairs"
    assert len(markets) == 7
    assert markets[0].symbol == "BTC/USDT" and markets[0].precision.price == Decimal("0.1")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/tickers?currency_pair=BTC_USDT"
    assert (ticker.symbol, ticker.last, ticker.average) == (
        "BTC/USDT",
        Decimal("73373.9"),
        Decimal("72757.1"),
    )


async def test_fetch_all_tickers_is_one_call(venue: Venue, index: MarketIndex) -> None:
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/tickers"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]


async def test_fetch_some_tickers(venue: Venue, index: MarketIndex) -> None:
    two = [index.by_symbol["BTC/USDT"], index.by_symbol["ETH/USDT"]]
    assert [t.symbol for t in await _adapter(venue).fetch_tickers(index, two)] == ["BTC/USDT"]
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/tickers"  # every pair, then filtered
    one = await _adapter(venue).fetch_tickers(index, [index.by_symbol["BTC/USDT"]])
    assert venue.last.url.params["currency_pair"] == "BTC_USDT" and len(one) == 1  # one pair: ask for it
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_fetch_order_book(venue: Venue, btc: Market) -> None:
    book = await _adapter(venue).fetch_order_book(btc, 1)
    assert dict(venue.last.url.params) == {"currency_pair": "BTC_USDT", "with_id": "true", "limit": "1"}
    assert ([level.price for level in book.bids], book.nonce) == ([Decimal("1.17")], 123456)
    await _adapter(venue).fetch_order_book(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"  # the venue's maximum
    await _adapter(venue).fetch_order_book(btc, None)
    assert "limit" not in venue.last.url.params


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
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/trades?currency_pair=BTC_USDT&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("7835390042", Side.BUY, Decimal("14.64728"))
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"


async def test_fetch_ohlcv_recent(venue: Venue, btc: Market) -> None:
    (candle,) = await _adapter(venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"currency_pair": "BTC_USDT", "interval": "1h", "limit": "1"}
    assert (candle.timestamp, candle.close) == (1710327600000, Decimal("73408.9"))


async def test_fetch_ohlcv_since_asks_for_a_window(venue: Venue, btc: Market) -> None:
    # Gate rejects a limit together with from/to: the window says how many.
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1710327600000, 3)
    assert dict(venue.last.url.params) == {
        "currency_pair": "BTC_USDT",
        "interval": "1h",
        "from": "1710327600",
        "to": str(1710327600 + 2 * 3600),
    }
    assert [c.timestamp for c in candles] == [1710327600000]
    # A window reaching past now ends now.
    before = now_ms() // 1000
    await _adapter(venue).fetch_ohlcv(btc, "1w", now_ms() - 1000, None)
    assert before <= int(venue.last.url.params["to"]) <= now_ms() // 1000


async def test_fetch_ohlcv_rejects_an_unknown_timeframe_before_any_call(venue: Venue, btc: Market) -> None:
    calls = len(venue.requests)
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await _adapter(venue).fetch_ohlcv(btc, "2h", None, None)
    assert len(venue.requests) == calls


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    client = VenueClient(
        "gate", build_http_client(httpx.MockTransport(Venue())), errors=ERRORS, limiter=limiter
    )
    adapter = GateAdapter(client)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1] * 6


async def test_upstream_override_keeps_the_venue_path(venue: Venue, btc: Market) -> None:
    await _adapter(venue, upstream="http://127.0.0.1:9000/gate").fetch_ticker(btc)
    assert str(venue.last.url) == "http://127.0.0.1:9000/gate/api/v4/spot/tickers?currency_pair=BTC_USDT"


# --- failures ---------------------------------------------------------------------------------------------


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Venue:
    class Fixed(Venue):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(status, content=content, headers=headers)

    return Fixed()


INVALID_PAIR = b'{"label":"INVALID_CURRENCY_PAIR","message":"Invalid currency pair"}'
TOO_MANY = b'{"label":"TOO_MANY_REQUESTS","message":"Request rate exceeds limits"}'


async def test_an_invalid_pair_is_bad_symbol(btc: Market) -> None:
    venue = _answer(400, INVALID_PAIR)
    with pytest.raises(BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert (caught.value.exchange, caught.value.code) == ("gate", ErrorCode.BAD_SYMBOL)
    assert "Invalid currency pair" in caught.value.message and "INVALID_CURRENCY_PAIR" in caught.value.message
    assert len(venue.requests) == 1


async def test_429_with_retry_after_is_rate_limited(btc: Market) -> None:
    venue = _answer(429, TOO_MANY, {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await _adapter(venue).fetch_order_book(btc, 5)
    assert caught.value.retry_after == 30.0
    assert len(venue.requests) == 1


async def test_an_error_body_with_status_200_is_still_mapped(btc: Market) -> None:
    with pytest.raises(RateLimited):
        await _adapter(_answer(200, TOO_MANY)).fetch_trades(btc, None)


async def test_html_502_is_exchange_unavailable_after_retries(btc: Market) -> None:
    venue = _answer(502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
    with pytest.raises(ExchangeUnavailable) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert type(caught.value) is ExchangeUnavailable
    assert "HTTP 502" in caught.value.message
    assert len(venue.requests) == 3


async def test_truncated_json_is_an_upstream_decode_error(btc: Market) -> None:
    venue = _answer(200, recorded("tickers_BTC_USDT.json")[:100])
    with pytest.raises(UpstreamDecodeError) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "gate"
    assert "/api/v4/spot/tickers" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"",
        b"[]",  # no ticker
        b'{"currency_pair":"BTC_USDT"}',  # an object where the venue sends a list
        b'[{"last":"1"}]',  # a ticker without its pair
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(UpstreamDecodeError):
        await _adapter(_answer(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, INVALID_PAIR, BadSymbol),
        (400, b'{"label":"INVALID_PARAM_VALUE","message":"Invalid parameter `limit`"}', BadRequest),
        (401, b'{"label":"INVALID_SIGNATURE","message":"Signature mismatch"}', AuthenticationFailed),
        (403, b'{"label":"IP_FORBIDDEN","message":"Request IP not in whitelist"}', PermissionDenied),
        (400, b'{"label":"BALANCE_NOT_ENOUGH","message":"Balance is not enough"}', InsufficientFunds),
        (
            400,
            b'{"label":"AMOUNT_TOO_LITTLE","message":"Amount does not reach minimum required"}',
            InvalidOrder,
        ),
        (404, b'{"label":"ORDER_NOT_FOUND","message":"Order not found"}', OrderNotFound),
        (429, TOO_MANY, RateLimited),
        (500, b'{"label":"SERVER_ERROR","message":"Internal server error"}', ExchangeUnavailable),
        (504, b'{"label":"SERVER_TIMEOUT","message":"Service timeout"}', Timeout),
        (400, b'{"label":"SOMETHING_NEW","detail":"new"}', BadRequest),  # unknown label: by status
        (503, b"Service Unavailable", ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "gate"


def test_success_answers_are_not_errors() -> None:
    assert ERRORS.from_body(recorded("order_book_docs.json")) is None
    assert ERRORS.from_body(recorded("tickers_BTC_USDT.json")) is None
