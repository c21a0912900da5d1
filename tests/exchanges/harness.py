"""What the venue tests share: a VenueClient over httpx.MockTransport or over the replay app in process,
a fake venue serving recorded bodies, a limiter that records the weights charged, and the differential
tests' number comparison.

Nothing here knows a venue: each test module hands in its own SPEC and recorded bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from exchangeql.exchanges.base import Adapter, AdapterSpec, Capabilities, Method, Support, capabilities
from exchangeql.models import Candle, Market, MarketIndex, OrderBook, Ticker, Trade
from exchangeql.settings import ExchangeSettings, RateLimit, Settings
from exchangeql.transport.client import VenueClient, build_venue_client
from exchangeql.transport.errors import ErrorTable
from exchangeql.transport.ratelimit import RateLimiter, TokenBucket
from exchangeql.transport.replay import RecordedRoute, Recording, build_replay_app, replay_transport

Handler = Callable[[httpx.Request], httpx.Response]

# Where venue clients reach the in-process replay app: the venue's paths under /<exchange id>.
REPLAY_ORIGIN = "http://replay.invalid"

PUBLIC_METHODS = frozenset(
    {
        Method.FETCH_MARKETS,
        Method.FETCH_TICKER,
        Method.FETCH_TICKERS,
        Method.FETCH_ORDER_BOOK,
        Method.FETCH_TRADES,
        Method.FETCH_OHLCV,
    }
)
# The capability map of a venue without trading: every public method native, every other NONE.
PUBLIC_ONLY: Capabilities = capabilities(**{m.value: Support.NATIVE for m in PUBLIC_METHODS})


class Venue:
    """A venue behind httpx.MockTransport: answers the recorded body of each request's path and remembers
    every request. A path without a body gets `missing`, or fails the test when there is none.

    Venues that pick a body by more than the path override `answer`.
    """

    def __init__(
        self, bodies: Mapping[str, bytes] | None = None, missing: httpx.Response | None = None
    ) -> None:
        self.bodies = dict(bodies or {})
        self.missing = missing
        self.requests: list[httpx.Request] = []

    @staticmethod
    def json(body: bytes) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = self.bodies.get(request.url.path)
        if body is not None:
            return self.json(body)
        assert self.missing is not None, f"no recorded body for {request.url}"
        return self.missing

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


class Fixed(Venue):
    """A venue that gives every request the same answer."""

    def __init__(self, status: int, content: bytes, headers: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.response = (status, content, dict(headers or {}))

    def answer(self, request: httpx.Request) -> httpx.Response:
        status, content, headers = self.response
        return httpx.Response(status, content=content, headers=headers)


class RecordingLimiter:
    """A RateLimiter that grants everything and keeps the weights charged."""

    def __init__(self) -> None:
        self.weights: list[float] = []

    async def acquire(self, weight: float, max_wait: float) -> None:
        self.weights.append(weight)

    def pause(self, seconds: float) -> None:
        return None


def venue_client(
    spec: AdapterSpec,
    transport: httpx.AsyncBaseTransport,
    *,
    upstream: str | None = None,
    rate_limit: RateLimit | None = None,
    limiter: RateLimiter | None = None,
) -> VenueClient:
    """The VenueClient the app builds for `spec` (its error table, its budget unless `rate_limit` or
    `limiter` is given, three attempts), over `transport`."""
    assert spec.errors is not None and spec.rate_limit is not None, f"{spec.id} has no HTTP transport"
    return build_venue_client(
        spec.id,
        ExchangeSettings(upstream=upstream, rate_limit=rate_limit),
        errors=spec.errors,
        default_rate_limit=spec.rate_limit,
        deadline_s=5.0,
        transport=transport,
        limiter_for=TokenBucket if limiter is None else (lambda exchange, limit: limiter),
    )


def mock_adapter(
    spec: AdapterSpec,
    handler: Handler,
    *,
    rate_limit: RateLimit | None = None,
    limiter: RateLimiter | None = None,
) -> Adapter:
    """The venue's public adapter, its HTTP answered by `handler` through httpx.MockTransport."""
    transport = httpx.MockTransport(handler)
    client = venue_client(spec, transport, rate_limit=rate_limit, limiter=limiter)
    return spec.factory(client, Settings())


async def markets_of(adapter: Adapter) -> MarketIndex:
    return MarketIndex.of(await adapter.fetch_markets())


def venue_fixtures(
    spec: AdapterSpec, make_venue: Callable[[], Venue], symbol: str = "BTC/USDT", **options: Any
) -> tuple[object, object, object]:
    """A venue test module's fixtures, bound by name there (`venue, index, btc = venue_fixtures(...)`):
    `venue`, a fresh fake venue; `index`, the markets it lists; `btc`, the market of `symbol`. `options` go
    to `mock_adapter` (a test budget, say)."""

    @pytest.fixture(name="venue")
    def venue_fixture() -> Venue:
        return make_venue()

    @pytest.fixture(name="index")
    async def index_fixture(venue: Venue) -> MarketIndex:
        return await markets_of(mock_adapter(spec, venue, **options))

    @pytest.fixture(name="btc")
    def btc_fixture(index: MarketIndex) -> Market:
        return index.by_symbol[symbol]

    return venue_fixture, index_fixture, btc_fixture


def assert_declared(
    spec: AdapterSpec, name: str, rate_limit: RateLimit, errors: ErrorTable, lacking: Iterable[Method] = ()
) -> Adapter:
    """The venue's declarations are exactly these: its name, no aliases, its budget and error table, and a
    public adapter that answers every public method natively but those it is `lacking`, and nothing else.
    The adapter is returned for its timeframes."""
    assert (spec.name, spec.aliases, spec.rate_limit) == (name, (), rate_limit)
    assert spec.errors is errors
    adapter = mock_adapter(spec, Venue())
    assert adapter.capabilities == {**PUBLIC_ONLY, **dict.fromkeys(lacking, Support.NONE)}
    return adapter


class Replay:
    """The replay server (transport/replay.py) in process, serving the bundled recordings with the venues'
    budgets enforced; venue clients reach it at REPLAY_ORIGIN/<exchange id>, as `serve --replay` does."""

    def __init__(self) -> None:
        self.app: Starlette = build_replay_app(seed=1)
        self.transport = replay_transport(self.app)

    def adapter(self, spec: AdapterSpec, *, limiter: RateLimiter | None = None) -> Adapter:
        """The venue's public adapter, speaking to the replay server."""
        client = venue_client(spec, self.transport, upstream=f"{REPLAY_ORIGIN}/{spec.id}", limiter=limiter)
        return spec.factory(client, Settings())

    async def control(self, method: str, path: str, json: Any = None) -> Any:
        """The replay server's control API (/_replay/...), over HTTP like any other client."""
        async with httpx.AsyncClient(transport=self.transport, base_url=REPLAY_ORIGIN) as http:
            response = await http.request(method, path, json=json)
        assert response.status_code == 200, response.text
        return response.json()

    async def stats(self, exchange: str) -> dict[str, dict[str, int]]:
        """{"METHOD path": {"count": n, "<status or fault>": n}} of the requests `exchange` received."""
        stats: dict[str, dict[str, dict[str, int]]] = await self.control("GET", "/_replay/stats")
        return stats.get(exchange, {})


@dataclass(frozen=True, slots=True)
class Answers:
    """What a venue's replay recordings answer about one market, asked as the offline demo asks."""

    index: MarketIndex
    ticker: Ticker
    tickers: list[Ticker]
    book: OrderBook  # at most 5 levels a side
    trades: list[Trade]  # at most 10
    candles: list[Candle]  # the latest 3 hours at most


async def replay_answers(spec: AdapterSpec, symbol: str = "BTC/USDT") -> Answers:
    adapter = Replay().adapter(spec)
    index = await markets_of(adapter)
    market = index.by_symbol[symbol]
    return Answers(
        index,
        await adapter.fetch_ticker(market),
        await adapter.fetch_tickers(index, None),
        await adapter.fetch_order_book(market, 5),
        await adapter.fetch_trades(market, 10),
        await adapter.fetch_ohlcv(market, "1h", None, 3),
    )


# --- what a recorded route names ----------------------------------------------------------------------------


def route_names(route: RecordedRoute) -> set[str]:
    """The words a route is made of: its path segments (split at / and :) and its query values."""
    return set(re.split(r"[/:]", route.path)) | {str(v) for v in route.query.values() if v is not None}


def recorded_market(index: MarketIndex, route: RecordedRoute) -> Market:
    """The market a route answers: the one whose venue id the route names."""
    (market,) = [m for m in index.markets if m.id in route_names(route)]
    return market


def unrecorded_market(index: MarketIndex, recording: Recording) -> Market:
    """A listed market that no route names: asking about it gets the replay's 404 (the venue's body)."""
    named = set().union(*(route_names(route) for route in recording.routes))
    return next(m for m in index.markets if m.id not in named)


# --- the differential tests' comparison with ccxt -----------------------------------------------------------


def same(ours: Decimal | int | None, theirs: object) -> bool:
    """ccxt's value and ours are the same number: exactly, against ccxt's decimal strings; rounded to
    ccxt's double, against its floats."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(theirs, str):
        return Decimal(theirs) == ours
    if isinstance(theirs, float):
        return float(ours) == theirs
    return isinstance(theirs, int) and not isinstance(theirs, bool) and theirs == ours


def assert_fields(pairs: dict[str, tuple[Any, Any]]) -> None:
    """{field: (ours, ccxt's)}; all fields are checked and reported together."""
    different = {name: pair for name, pair in pairs.items() if not same(*pair)}
    assert not different, f"ours != ccxt: {different}"
