"""The contract every native venue adapter keeps, run against each one in the registry.

Each venue is driven through its bundled replay recordings (data/replay/<id>.json), served in process by
the replay app at http://replay.invalid/<id>: what the recordings answer is what is asked for, so the suite
needs no venue knowledge beyond the recordings themselves. Which market a route answers is the market whose
venue id the route's path or query names; which timeframe, the one whose venue value it names.

What is venue-specific (exact URLs and parameters, weights, error codes, aliases) stays in
tests/exchanges/<id>/.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest

from exchangeql.errors import (
    BadRequest,
    ErrorCode,
    ExchangeUnavailable,
    GatewayError,
    NotSupported,
    RateLimited,
    UpstreamDecodeError,
)
from exchangeql.exchanges.base import Adapter, AdapterSpec, Engine, Method, Support
from exchangeql.exchanges.registry import NATIVE_SPECS
from exchangeql.models import (
    Candle,
    Market,
    MarketIndex,
    MinMax,
    OrderBook,
    OrderBookLevel,
    OrderRequest,
    OrderType,
    Side,
    Ticker,
    Trade,
)
from exchangeql.settings import RateLimit, Settings
from exchangeql.symbols import parse_symbol
from exchangeql.transport.replay import RecordedRoute, load_recordings, match_route

from .harness import (
    PUBLIC_METHODS,
    Fixed,
    RecordingLimiter,
    Replay,
    Venue,
    markets_of,
    mock_adapter,
    recorded_market,
    route_names,
    unrecorded_market,
)

SPECS = [spec for spec in NATIVE_SPECS.values() if spec.engine is Engine.NATIVE]
RECORDINGS = load_recordings()
Call = Callable[[], Awaitable[object]]
each_venue = pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])

# The recordings' method names (ccxt's) and ours.
FETCH = {
    "fetchMarkets": Method.FETCH_MARKETS,
    "fetchTicker": Method.FETCH_TICKER,
    "fetchTickers": Method.FETCH_TICKERS,
    "fetchOrderBook": Method.FETCH_ORDER_BOOK,
    "fetchTrades": Method.FETCH_TRADES,
    "fetchOHLCV": Method.FETCH_OHLCV,
}
RECORDED = [
    pytest.param(spec, fetch, id=f"{spec.id}-{fetch}")
    for spec in SPECS
    for fetch in dict.fromkeys(route.fetch for route in RECORDINGS[spec.id].routes)
    if fetch != "fetchMarkets"
]
# Unified timeframes users ask for; every venue lacks some of them.
INTRADAY = ("1s", "10s", "1m", "2m", "3m", "5m", "15m", "30m", "1h", "2h", "3h", "4h", "6h", "8h", "12h")
TIMEFRAMES = (*INTRADAY, "1d", "3d", "7d", "1w", "2w", "1M", "3M", "1y")
NOT_RECORDED = b'{"error": "not recorded"}'  # the replay's placeholder when a recording has no 404 body
# The public methods a venue's recordings do not answer, and why; they answer every other one.
UNRECORDED = {
    "bitstamp": {"fetchOrderBook"},  # neither ccxt-static nor Bitstamp's documentation has a book to replay
    "coinbaseexchange": {"fetchTickers"},  # the venue has no all-tickers endpoint
    # Neither the price feed nor a book is recorded or exemplified in Gemini's documentation.
    "gemini": {"fetchTickers", "fetchOrderBook"},
}


def _routes(spec: AdapterSpec, fetch: str) -> list[RecordedRoute]:
    return [route for route in RECORDINGS[spec.id].routes if route.fetch == fetch]


def _timeframe(adapter: Adapter, route: RecordedRoute) -> str:
    """The timeframe a route answers: the first whose venue value the route names."""
    return next(unified for unified, venue in adapter.timeframes.items() if venue in route_names(route))


# --- what a good answer looks like --------------------------------------------------------------------------


def _decimals(*values: object) -> bool:
    return all(value is None or isinstance(value, Decimal) for value in values)


def _check_ticker(ticker: Ticker, exchange: str, symbol: str) -> None:
    assert (ticker.exchange_id, ticker.symbol) == (exchange, symbol)
    t = ticker
    assert _decimals(t.bid, t.ask, t.last, t.open, t.high, t.low, t.close, t.base_volume, t.quote_volume)
    assert _decimals(t.bid_volume, t.ask_volume, t.previous_close, t.change, t.percentage, t.vwap, t.average)
    assert any(price is not None for price in (t.last, t.close, t.bid, t.ask)), ticker
    if t.bid is not None and t.ask is not None:
        assert t.bid <= t.ask, ticker
    if t.low is not None and t.high is not None:
        assert t.low <= t.high, ticker


def _check_levels(levels: Sequence[OrderBookLevel], descending: bool) -> None:
    assert all(isinstance(level.price, Decimal) and isinstance(level.amount, Decimal) for level in levels)
    assert all(level.price > 0 and level.amount > 0 for level in levels)
    prices = [level.price for level in levels]
    assert prices == sorted(set(prices), reverse=descending), prices  # sorted, no price twice


def _check_book(book: OrderBook, exchange: str, symbol: str, limit: int | None) -> None:
    assert (book.exchange_id, book.symbol) == (exchange, symbol)
    assert book.bids or book.asks
    _check_levels(book.bids, descending=True)
    _check_levels(book.asks, descending=False)
    if limit is not None:
        assert len(book.bids) <= limit and len(book.asks) <= limit


def _check_trades(trades: Sequence[Trade], symbol: str) -> None:
    assert trades
    for trade in trades:
        assert trade.symbol == symbol
        assert isinstance(trade.price, Decimal) and isinstance(trade.amount, Decimal), trade
        assert trade.price > 0 and trade.amount > 0, trade
        assert _decimals(trade.cost)
    times = [trade.timestamp for trade in trades if trade.timestamp is not None]
    assert times == sorted(times)  # oldest first, as ccxt returns them


def _check_candles(candles: Sequence[Candle]) -> None:
    assert candles
    for c in candles:
        assert _decimals(c.open, c.high, c.low, c.close, c.volume) and c.open is not None, c
        assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high, c
        assert c.volume >= 0, c
    times = [c.timestamp for c in candles]
    assert times == sorted(set(times))  # oldest first, one candle per time


async def _exercise(adapter: Adapter, index: MarketIndex, spec: AdapterSpec, fetch: str) -> None:
    """Asks `fetch` of every market (and timeframe) its routes answer, and checks every answer."""
    exchange = spec.id
    if fetch == "fetchTickers":
        tickers = await adapter.fetch_tickers(index, None)
        symbols = [ticker.symbol for ticker in tickers]
        assert len(set(symbols)) == len(symbols) and set(symbols) <= set(index.by_symbol)
        for ticker in tickers:
            _check_ticker(ticker, exchange, ticker.symbol)
        return
    routes = _routes(spec, fetch)
    for symbol in dict.fromkeys(recorded_market(index, route).symbol for route in routes):
        market = index.by_symbol[symbol]
        if fetch == "fetchTicker":
            _check_ticker(await adapter.fetch_ticker(market), exchange, market.symbol)
        elif fetch == "fetchOrderBook":
            for limit in (None, 5):
                _check_book(await adapter.fetch_order_book(market, limit), exchange, market.symbol, limit)
        elif fetch == "fetchTrades":
            _check_trades(await adapter.fetch_trades(market, None), market.symbol)
        elif fetch == "fetchOHLCV":
            for timeframe in dict.fromkeys(_timeframe(adapter, route) for route in routes):
                latest = await adapter.fetch_ohlcv(market, timeframe, None, None)
                _check_candles(latest)
                _check_candles(await adapter.fetch_ohlcv(market, timeframe, latest[0].timestamp, None))
        else:
            raise AssertionError(f"the contract has no check for {fetch}")


# --- the spec and the recordings ----------------------------------------------------------------------------


def test_every_http_venue_is_native_and_ships_recordings() -> None:
    # The suite runs over the native engine: a venue registered under another engine would escape it.
    assert [spec.id for spec in NATIVE_SPECS.values() if spec.engine is not Engine.NATIVE] == ["paper"]
    assert {spec.id for spec in SPECS} == set(RECORDINGS)


@each_venue
def test_the_registry_holds_the_venue_module_s_spec(spec: AdapterSpec) -> None:
    assert NATIVE_SPECS[spec.id] is spec
    assert importlib.import_module(f"exchangeql.exchanges.{spec.id}.adapter").SPEC is spec
    assert spec.name and spec.id not in spec.aliases
    assert spec.errors is not None and spec.errors.exchange == spec.id
    assert spec.rate_limit is not None and spec.rate_limit.weight > 0 and spec.rate_limit.per_seconds > 0


@each_venue
def test_the_factory_refuses_to_build_without_a_client(spec: AdapterSpec) -> None:
    with pytest.raises(
        ValueError, match=f"^{spec.id} is a native HTTP adapter: its factory needs a VenueClient"
    ):
        spec.factory(None, Settings())


@each_venue
def test_the_recording_keeps_the_venue_budget_provenance_and_error_bodies(spec: AdapterSpec) -> None:
    recording = RECORDINGS[spec.id]
    assert recording.exchange == spec.id
    assert recording.origin is not None and recording.origin.startswith("https://")
    assert recording.rate_limit is not None and spec.rate_limit is not None
    assert RateLimit(recording.rate_limit.weight, recording.rate_limit.per_seconds) == spec.rate_limit
    assert [route.fetch for route in recording.routes if not route.provenance] == []
    assert set(FETCH) - {str(route.fetch) for route in recording.routes} == UNRECORDED.get(spec.id, set())
    assert {route.fetch for route in recording.routes} <= set(FETCH)
    assert bytes(recording.not_found_body) != NOT_RECORDED  # the venue's own answer, not the placeholder
    assert bytes(recording.error_body) != NOT_RECORDED


@each_venue
def test_capabilities_cover_every_method_and_recorded_methods_are_native(spec: AdapterSpec) -> None:
    adapter = mock_adapter(spec, Venue())
    assert adapter.id == spec.id
    assert set(adapter.capabilities) == set(Method)
    assert all(isinstance(support, Support) for support in adapter.capabilities.values())
    recorded = {FETCH[str(route.fetch)] for route in RECORDINGS[spec.id].routes}
    assert {m: adapter.capabilities[m] for m in recorded} == dict.fromkeys(recorded, Support.NATIVE)
    # Unified timeframes (ccxt's spelling) onto the venue's values (two may share one: gate's 7d and 1w).
    assert adapter.timeframes and all(re.fullmatch(r"[1-9]\d*[smhdwMy]", tf) for tf in adapter.timeframes)
    assert all(isinstance(value, str) and value for value in adapter.timeframes.values())


async def _replay_index(spec: AdapterSpec) -> MarketIndex:
    return await markets_of(Replay().adapter(spec, limiter=RecordingLimiter()))


def _calls(adapter: Adapter, index: MarketIndex, market: Market) -> dict[Method, Call]:
    """Every method of the adapter, asked about `market` (or all of `index`)."""
    order = OrderRequest(market, Side.BUY, OrderType.LIMIT, Decimal("1"), Decimal("1"), "contract-1")
    timeframe = next(iter(adapter.timeframes))
    return {
        Method.FETCH_MARKETS: adapter.fetch_markets,
        Method.FETCH_TICKER: lambda: adapter.fetch_ticker(market),
        Method.FETCH_TICKERS: lambda: adapter.fetch_tickers(index, None),
        Method.FETCH_ORDER_BOOK: lambda: adapter.fetch_order_book(market, None),
        Method.FETCH_TRADES: lambda: adapter.fetch_trades(market, None),
        Method.FETCH_OHLCV: lambda: adapter.fetch_ohlcv(market, timeframe, None, None),
        Method.FETCH_BALANCE: adapter.fetch_balance,
        Method.CREATE_ORDER: lambda: adapter.create_order(order),
        Method.CANCEL_ORDER: lambda: adapter.cancel_order(market, "1", None),
        Method.FETCH_ORDER: lambda: adapter.fetch_order(market, "1", None),
        Method.FETCH_OPEN_ORDERS: lambda: adapter.fetch_open_orders(market),
    }


@each_venue
async def test_methods_without_support_are_not_supported_and_call_nothing(spec: AdapterSpec) -> None:
    index = await _replay_index(spec)
    venue = Venue()  # no bodies: any request fails the test
    adapter = mock_adapter(spec, venue)
    calls = _calls(adapter, index, index.markets[0])
    assert set(calls) == set(Method)
    for method, support in adapter.capabilities.items():
        if support is Support.NONE:
            with pytest.raises(NotSupported) as caught:
                await calls[method]()
            assert caught.value.exchange == spec.id
    assert venue.requests == []


# --- answers through the replay recordings ------------------------------------------------------------------


@each_venue
async def test_markets_have_unified_symbols_and_positive_ticks(spec: AdapterSpec) -> None:
    markets = await Replay().adapter(spec, limiter=RecordingLimiter()).fetch_markets()
    assert markets
    assert len({m.symbol for m in markets}) == len(markets)
    for market in markets:
        symbol = parse_symbol(market.symbol)
        assert (symbol.base, symbol.quote, symbol.settle) == (market.base, market.quote, market.settle)
        assert str(symbol) == market.symbol and market.id
        for tick in (market.precision.price, market.precision.amount):
            assert tick is None or (isinstance(tick, Decimal) and tick > 0), market
        for bounds in (market.limits.amount, market.limits.price, market.limits.cost):
            _check_bounds(bounds, market)


def _check_bounds(bounds: MinMax, market: Market) -> None:
    assert _decimals(bounds.min, bounds.max), market
    if bounds.min is not None and bounds.max is not None:
        assert bounds.min <= bounds.max, market


@pytest.mark.parametrize(("spec", "fetch"), RECORDED)
async def test_every_recorded_method_answers_through_the_replay_server(spec: AdapterSpec, fetch: str) -> None:
    replay = Replay()  # the venue's budget enforced: the calls must fit in it
    adapter = replay.adapter(spec, limiter=RecordingLimiter())
    await _exercise(adapter, await markets_of(adapter), spec, fetch)
    stats = await replay.stats(spec.id)
    # Every route of the method (and of the markets) was asked for, and answered from its recording.
    routes = _routes(spec, "fetchMarkets") + _routes(spec, fetch)
    assert set(stats) == {f"{route.method} {route.path}" for route in routes}
    assert {key: set(counts) for key, counts in stats.items()} == {key: {"count", "200"} for key in stats}


@each_venue
async def test_requests_go_to_the_venue_origin_and_charge_the_recorded_weights(spec: AdapterSpec) -> None:
    """Without an upstream override the adapter speaks to the venue itself (the recording's origin), and
    each request charges the weight the recording gives its route (the replay server's budget)."""
    recording = RECORDINGS[spec.id]
    served: list[RecordedRoute] = []

    def venue(request: httpx.Request) -> httpx.Response:
        assert f"{request.url.scheme}://{request.url.netloc.decode()}" == recording.origin
        route = match_route(recording.routes, request.method, request.url.path, dict(request.url.params))
        assert route is not None, f"no recording for {request.url}"
        served.append(route)
        return httpx.Response(route.status, content=bytes(route.body))

    limiter = RecordingLimiter()
    adapter = mock_adapter(spec, venue, limiter=limiter)
    index = await markets_of(adapter)
    for param in RECORDED:
        if param.values[0] is spec:
            await _exercise(adapter, index, spec, str(param.values[1]))
    assert limiter.weights == [route.weight for route in served]
    assert [route.fetch for route in recording.routes if route not in served] == []


# --- failures, as the replay server serves them -------------------------------------------------------------


def _assert_venue_text(error: GatewayError, spec: AdapterSpec, body: msgspec.Raw) -> None:
    """The error tells the venue's own words: the message (and code) its error body carries."""
    assert spec.errors is not None
    said = spec.errors.extract(bytes(body))
    assert said is not None, bytes(body)
    code, message = said
    assert message in error.message and (code is None or code in error.message), error.message


async def _ticker_fault(spec: AdapterSpec, kind: str, retry_after: float = 1.0) -> tuple[GatewayError, Any]:
    """fetch_ticker while the ticker route answers `kind`: the error, and the route's request counts."""
    route = _routes(spec, "fetchTicker")[0]
    replay = Replay()
    adapter = replay.adapter(spec, limiter=RecordingLimiter())
    market = recorded_market(await markets_of(adapter), route)
    rule = {"exchange": spec.id, "route": route.path, "kind": kind, "retry_after": retry_after}
    await replay.control("POST", "/_replay/faults", rule)
    with pytest.raises(GatewayError) as caught:
        await adapter.fetch_ticker(market)
    assert caught.value.exchange == spec.id
    return caught.value, (await replay.stats(spec.id))[f"{route.method} {route.path}"]


@each_venue
async def test_an_html_502_is_exchange_unavailable_after_retries(spec: AdapterSpec) -> None:
    error, counts = await _ticker_fault(spec, "html")
    assert type(error) is ExchangeUnavailable and error.code is ErrorCode.EXCHANGE_UNAVAILABLE
    assert "HTTP 502" in error.message
    assert counts == {"count": 3, "fault": 3, "html": 3}  # transient: retried


@each_venue
@pytest.mark.parametrize("kind", ["truncated", "malformed"])
async def test_an_answer_that_is_not_json_is_an_upstream_decode_error(spec: AdapterSpec, kind: str) -> None:
    error, counts = await _ticker_fault(spec, kind)
    assert type(error) is UpstreamDecodeError and error.code is ErrorCode.EXCHANGE_UNAVAILABLE
    assert _routes(spec, "fetchTicker")[0].path in error.message
    assert counts == {"count": 1, "fault": 1, kind: 1}  # the same bytes would come back: not retried


@each_venue
async def test_a_429_with_retry_after_is_rate_limited(spec: AdapterSpec) -> None:
    error, counts = await _ticker_fault(spec, "429", retry_after=30)
    assert isinstance(error, RateLimited) and error.code is ErrorCode.RATE_LIMITED
    assert error.retry_after == 30.0
    assert counts == {"count": 1, "fault": 1, "429": 1}  # 30 s is past the request deadline: no retry
    _assert_venue_text(error, spec, RECORDINGS[spec.id].error_body)


@each_venue
async def test_the_venue_error_body_with_status_200_is_rate_limited(spec: AdapterSpec) -> None:
    # The recording's error body is the venue's rate-limit answer; some venues send it with HTTP 200.
    error, counts = await _ticker_fault(spec, "venue_error")
    assert type(error) is RateLimited and error.code is ErrorCode.RATE_LIMITED
    _assert_venue_text(error, spec, RECORDINGS[spec.id].error_body)
    # Venues that read errors in the transport retry it (a transient error), the others do not.
    assert counts["venue_error"] == counts["fault"] == counts["count"] <= 3


@each_venue
async def test_the_venue_not_found_answer_is_a_client_error(spec: AdapterSpec) -> None:
    recording = RECORDINGS[spec.id]
    replay = Replay()
    adapter = replay.adapter(spec, limiter=RecordingLimiter())
    market = unrecorded_market(await markets_of(adapter), recording)
    with pytest.raises(GatewayError) as caught:
        await adapter.fetch_ticker(market)
    assert caught.value.exchange == spec.id
    # As the venue's error table maps that body (each venue's tests pin the class), a client error.
    assert spec.errors is not None
    assert type(caught.value) is type(spec.errors.from_response(404, bytes(recording.not_found_body)))
    assert caught.value.code in (ErrorCode.BAD_SYMBOL, ErrorCode.BAD_REQUEST), caught.value
    _assert_venue_text(caught.value, spec, recording.not_found_body)
    not_found = [counts for counts in (await replay.stats(spec.id)).values() if "404" in counts]
    assert not_found == [{"count": 1, "404": 1}]  # a client error is not retried


@each_venue
@pytest.mark.parametrize("body", [b"<!DOCTYPE html><html><body>Access denied</body></html>", b""])
async def test_a_200_answer_that_is_not_json_is_an_upstream_decode_error(
    spec: AdapterSpec, body: bytes
) -> None:
    index = await _replay_index(spec)
    venue = Fixed(200, body)  # a captive portal or a CDN page in front of the venue
    adapter = mock_adapter(spec, venue)
    calls = _calls(adapter, index, recorded_market(index, _routes(spec, "fetchTicker")[0]))
    native = [method for method in calls if adapter.capabilities[method] is Support.NATIVE]
    assert Method.FETCH_MARKETS in native
    for method in native:
        if method in PUBLIC_METHODS:
            with pytest.raises(UpstreamDecodeError) as caught:
                await calls[method]()
            assert caught.value.exchange == spec.id, method
    urls = [str(request.url) for request in venue.requests]
    assert len(set(urls)) == len(urls) >= len(PUBLIC_METHODS & set(native))  # none asked twice: not retried


@each_venue
async def test_a_plain_429_with_retry_after_is_rate_limited(spec: AdapterSpec) -> None:
    index = await _replay_index(spec)
    venue = Fixed(429, b"Too Many Requests", {"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        await mock_adapter(spec, venue).fetch_ticker(recorded_market(index, _routes(spec, "fetchTicker")[0]))
    assert (caught.value.exchange, caught.value.retry_after) == (spec.id, 30.0)
    assert len(venue.requests) == 1  # 30 s is past the request deadline: no retry


# --- arguments refused before any call ----------------------------------------------------------------------


@each_venue
async def test_a_non_positive_limit_is_rejected_before_any_call(spec: AdapterSpec) -> None:
    index = await _replay_index(spec)
    market = index.markets[0]
    venue = Venue()
    adapter = mock_adapter(spec, venue)
    timeframe = next(iter(adapter.timeframes))
    calls: list[tuple[Method, Call]] = [
        (Method.FETCH_ORDER_BOOK, lambda: adapter.fetch_order_book(market, 0)),
        (Method.FETCH_TRADES, lambda: adapter.fetch_trades(market, 0)),
        (Method.FETCH_TRADES, lambda: adapter.fetch_trades(market, -1)),
        (Method.FETCH_OHLCV, lambda: adapter.fetch_ohlcv(market, timeframe, None, 0)),
    ]
    for method, call in calls:
        if adapter.capabilities[method] is not Support.NONE:
            with pytest.raises(BadRequest, match="limit must be positive") as caught:
                await call()
            assert caught.value.exchange == spec.id
    assert venue.requests == []


@each_venue
async def test_a_timeframe_the_venue_lacks_is_rejected_before_any_call(spec: AdapterSpec) -> None:
    index = await _replay_index(spec)
    venue = Venue()
    adapter = mock_adapter(spec, venue)
    lacking = [timeframe for timeframe in TIMEFRAMES if timeframe not in adapter.timeframes]
    assert lacking
    # Nor is the venue's own spelling of a timeframe taken for a unified one (kraken's "60", okx's "1H").
    spellings = [value for value in adapter.timeframes.values() if value not in adapter.timeframes]
    for timeframe in [*lacking, *spellings, ""]:
        with pytest.raises(BadRequest, match="unsupported timeframe") as caught:
            await adapter.fetch_ohlcv(index.markets[0], timeframe, None, None)
        assert caught.value.exchange == spec.id
    assert venue.requests == []
