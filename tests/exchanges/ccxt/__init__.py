"""ccxt engine tests: the adapter over a real VenueClient whose httpx transport serves recorded bodies.

Recorded data: tests/fixtures/ccxt/<exchange>.json, extracted byte for byte by tests/fixtures/ccxt/extract.py
from ccxt's static test data (each file lists its sources, commits and sha256).

ccxt loads markets before anything else. They reach the ccxt instance from recorded data only:
- "endpoints": the venue's markets endpoint answers with the recorded raw market entries (the `info` of
  each market in markets/<id>.json) inside the venue's envelope, assembled here around those entries;
- "recorded": the fetchMarkets case's own recorded answers;
- "seed": ccxt's set_markets with markets/<id>.json, where ccxt's load_markets would first ask a
  currencies endpoint that has no recording.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec

from exchangeql.clock import iso8601
from exchangeql.exchanges.ccxt_bridge import CcxtAdapter, ccxt_spec
from exchangeql.models import Market, Ticker
from exchangeql.settings import ExchangeSettings, RateLimit, Settings
from exchangeql.transport.client import VenueClient, build_venue_client

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ccxt"
UPSTREAM = "http://upstream.test"  # EXCHANGEQL_UPSTREAM_<ID>: every request must land here


class Case(msgspec.Struct):
    method: str
    description: str
    input: msgspec.Raw
    parsedResponse: msgspec.Raw
    provenance: str
    httpResponse: msgspec.Raw = msgspec.Raw()
    httpResponseByUrl: dict[str, msgspec.Raw] = {}
    disabled: bool = False

    def args(self) -> list[Any]:
        decoded: list[Any] = json.loads(bytes(self.input))
        return decoded

    def parsed(self) -> Any:
        """The recorded unified result, numbers exact (as the JSON text has them)."""
        return json.loads(bytes(self.parsedResponse), parse_float=Decimal)

    def routes(self) -> list[Route]:
        """This case's recorded answers by URL fragment (a single answer serves any URL)."""
        routes = [(fragment, bytes(body)) for fragment, body in self.httpResponseByUrl.items()]
        return routes + ([("", bytes(self.httpResponse))] if self.httpResponse else [])


class Fixture(msgspec.Struct):
    exchange: str
    cases: list[Case]
    skipKeys: list[str] = []
    markets: dict[str, msgspec.Raw] = {}
    currencies: dict[str, msgspec.Raw] = {}

    def of(self, method: str) -> list[Case]:
        return [case for case in self.cases if case.method == method]

    def unified_markets(self) -> dict[str, Any]:
        """markets/<id>.json with floats as their text, as a ccxt instance with `number = str` holds them."""
        decoder = msgspec.json.Decoder(float_hook=str)
        return {symbol: decoder.decode(raw) for symbol, raw in self.markets.items()}

    def market_entries(self) -> list[bytes]:
        """The venue's raw market entries: the `info` of each recorded market, bytes as recorded."""
        return [bytes(msgspec.json.decode(raw, type=_Info).info) for raw in self.markets.values()]


class _Info(msgspec.Struct):
    info: msgspec.Raw


def fixture_ids() -> list[str]:
    return sorted(path.stem for path in FIXTURES.glob("*.json"))


def load_fixture(exchange_id: str) -> Fixture:
    return msgspec.json.decode((FIXTURES / f"{exchange_id}.json").read_bytes(), type=Fixture)


def json_array(entries: list[bytes]) -> bytes:
    return b"[" + b",".join(entries) + b"]"


Route = tuple[str, bytes]  # (URL fragment, body)


# --- markets from recorded data -------------------------------------------------------------------------


def _luno(f: Fixture) -> list[Route]:
    # GET /api/exchange/1/markets -> {"markets": [...]}
    return [("/api/exchange/1/markets", b'{"markets":' + json_array(f.market_entries()) + b"}")]


def _whitebit(f: Fixture) -> list[Route]:
    # GET /api/v4/public/markets -> [...]; ccxt asks the currencies first: GET /api/v4/public/assets,
    # answered with the recorded fetchCurrencies body as is
    (assets,) = f.of("fetchCurrencies")
    return [
        ("/api/v4/public/markets", json_array(f.market_entries())),
        ("/api/v4/public/assets", bytes(assets.httpResponse)),
    ]


def _coinmate(f: Fixture) -> list[Route]:
    # GET /api/tradingPairs -> {"error": false, "errorMessage": null, "data": [...]}
    entries = json_array(f.market_entries())
    return [("/api/tradingPairs", b'{"error":false,"errorMessage":null,"data":' + entries + b"}")]


def _upbit(f: Fixture) -> list[Route]:
    # GET /v1/market/all -> [...]
    return [("/v1/market/all", json_array(f.market_entries()))]


# Venues whose markets endpoints answer from the recorded entries, envelope assembled around them.
ENDPOINTS: dict[str, Callable[[Fixture], list[Route]]] = {
    "luno": _luno,
    "whitebit": _whitebit,
    "coinmate": _coinmate,
    "upbit": _upbit,
}

# Recordings ccxt 4.5.90 cannot read at all (the cases are expected to fail, see KNOWN_INCOMPATIBLE in the
# test modules); a fetchMarkets recording among them is no source of markets.
BITHUMB_V1 = (
    "recorded when bithumb's /v1 answers came wrapped in {status, data}; ccxt 4.5.90 reads the bare array "
    "the /v1 API returns, so its parser fails on the markets and finds no ticker fields"
)
UNREADABLE_MARKETS = {"bithumb"}


def markets_source(f: Fixture) -> str | None:
    """How this venue's markets reach ccxt ("endpoints", "recorded", "seed"); None: no recorded markets."""
    if f.exchange in ENDPOINTS:
        return "endpoints"
    if f.of("fetchMarkets") and f.exchange not in UNREADABLE_MARKETS:
        return "recorded"
    if f.markets:
        return "seed"
    return None


def market_routes(f: Fixture) -> list[Route]:
    if f.exchange in ENDPOINTS:
        return ENDPOINTS[f.exchange](f)
    if markets_source(f) == "recorded":
        return f.of("fetchMarkets")[-1].routes()  # the last case holds the markets the other cases use
    return []


async def adapter_markets(adapter: CcxtAdapter, f: Fixture) -> dict[str, Market]:
    """The adapter's markets, by symbol, from this venue's recorded markets."""
    if markets_source(f) == "seed":
        return {m.symbol: m for m in adapter.set_markets(f.unified_markets())}
    return {m.symbol: m for m in await adapter.fetch_markets()}


async def oracle_markets(oracle: Any, f: Fixture) -> None:
    if markets_source(f) == "seed":
        oracle.set_markets(json.loads(json_array([bytes(m) for m in f.markets.values()])))
    else:
        await oracle.load_markets()


# --- ccxt's comparison rules ----------------------------------------------------------------------------


def same(ours: Any, recorded: Any) -> bool:
    """ccxt's rule for one value: empty equals null, numbers by value, anything else by equality."""
    if recorded in (None, "") or ours is None:
        return recorded in (None, "") and ours is None
    if isinstance(ours, Decimal | int) and not isinstance(ours, bool):
        try:
            expected = Decimal(str(recorded))
        except ArithmeticError:
            return False
        # ccxt parses both sides to doubles: a stored double equals our exact value when that rounds to it
        return Decimal(ours) == expected or float(ours) == float(expected)
    return bool(ours == recorded)


def differences(
    ours: Any, recorded: Any, skip: frozenset[str] = frozenset(), path: str = ""
) -> dict[str, Any]:
    """{path: (ours, recorded)} wherever our tree and the recorded one differ, over the keys we model."""
    if isinstance(ours, dict):
        recorded = recorded if isinstance(recorded, dict) else {}
        diff: dict[str, Any] = {}
        for key, value in ours.items():
            if key not in skip:
                diff |= differences(value, recorded.get(key), skip, f"{path}.{key}" if path else key)
        return diff
    if isinstance(ours, list):
        if not isinstance(recorded, list) or len(recorded) != len(ours):
            return {f"{path}#length": (len(ours), len(recorded) if isinstance(recorded, list) else recorded)}
        diff = {}
        for i, (mine, theirs) in enumerate(zip(ours, recorded, strict=True)):
            diff |= differences(mine, theirs, skip, f"{path}[{i}]")
        return diff
    return {} if same(ours, recorded) else {path: (ours, recorded)}


def assert_same(diff: dict[str, Any], known: Mapping[str, str]) -> None:
    """No difference left once the known version differences are set apart, and those still differ
    (so an entry goes once ccxt and the recording agree again)."""
    for path in known:
        assert path in diff, f"{path} now matches the recording: drop it from the known differences"
    unexpected = {path: values for path, values in diff.items() if path not in known}
    assert not unexpected, unexpected


TICKER_KEYS: dict[str, Callable[[Ticker], Any]] = {
    "symbol": lambda t: t.symbol,
    "timestamp": lambda t: t.timestamp,
    "datetime": lambda t: iso8601(t.timestamp),
    "bid": lambda t: t.bid,
    "bidVolume": lambda t: t.bid_volume,
    "ask": lambda t: t.ask,
    "askVolume": lambda t: t.ask_volume,
    "last": lambda t: t.last,
    "open": lambda t: t.open,
    "high": lambda t: t.high,
    "low": lambda t: t.low,
    "close": lambda t: t.close,
    "previousClose": lambda t: t.previous_close,
    "baseVolume": lambda t: t.base_volume,
    "quoteVolume": lambda t: t.quote_volume,
    "change": lambda t: t.change,
    "percentage": lambda t: t.percentage,
    "vwap": lambda t: t.vwap,
    "average": lambda t: t.average,
}


def unified_ticker(ticker: Ticker) -> dict[str, Any]:
    """Our Ticker in ccxt's unified shape (the keys we model)."""
    return {key: read(ticker) for key, read in TICKER_KEYS.items()}


# --- the adapter and the oracle -------------------------------------------------------------------------


class Upstream:
    """A local upstream for one venue: each recorded body at the URLs containing its fragment.

    Routes are tried in order; an empty fragment matches any URL (a case's single recorded answer, served
    at whatever URL ccxt asks for). Unmatched URLs get a 404. Every request is kept for assertions.
    """

    def __init__(self, routes: list[Route] | None = None) -> None:
        self.routes = sorted(routes or [], key=lambda route: route[0] == "")  # catch-all last
        self.requests: list[httpx.Request] = []
        self.responder: Callable[[httpx.Request], httpx.Response] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.responder is not None:
            return self.responder(request)
        body = self.body_for(str(request.url))
        if body is None:
            return httpx.Response(404, text="no recorded answer for this URL")
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    def body_for(self, url: str) -> bytes | None:
        return next((body for fragment, body in self.routes if fragment in url), None)


def venue_client(exchange_id: str, upstream: Upstream, rate_limit: RateLimit | None = None) -> VenueClient:
    """The VenueClient the gateway would build for this venue, with its upstream overridden."""
    spec = ccxt_spec(exchange_id, exchange_id)
    assert spec.errors is not None and spec.rate_limit is not None
    return build_venue_client(
        exchange_id,
        ExchangeSettings(upstream=UPSTREAM, rate_limit=rate_limit),
        errors=spec.errors,
        default_rate_limit=spec.rate_limit,
        deadline_s=5.0,
        transport=httpx.MockTransport(upstream),
    )


@contextlib.asynccontextmanager
async def ccxt_adapter(
    exchange_id: str, upstream: Upstream, rate_limit: RateLimit | None = None
) -> AsyncIterator[CcxtAdapter]:
    """The adapter as the gateway builds it (spec.factory around a VenueClient), closed afterwards.

    `rate_limit` overrides the venue's budget (EXCHANGEQL_EXCHANGE_<ID>_RATE_LIMIT), for tests that retry.
    """
    client = venue_client(exchange_id, upstream, rate_limit)
    adapter = ccxt_spec(exchange_id, exchange_id).factory(client, Settings())
    assert isinstance(adapter, CcxtAdapter)
    try:
        yield adapter
    finally:
        await adapter.close()
        await client.http.aclose()


@contextlib.asynccontextmanager
async def ccxt_oracle(exchange_id: str, upstream: Upstream) -> AsyncIterator[Any]:
    """Plain ccxt 4.5.90 (its own JSON parsing, floats) answering from the same recordings: the oracle.

    Only its `fetch` is replaced, the way ccxt's own static tests replay recordings.
    """
    import ccxt.async_support as ccxt_async

    exchange = getattr(ccxt_async, exchange_id)({"enableRateLimit": False, "timeout_on_exit": 0})

    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        recorded = upstream.body_for(url)
        assert recorded is not None, url
        return exchange.parse_json(recorded.decode())

    exchange.fetch = fetch
    try:
        yield exchange
    finally:
        await exchange.close()
