"""ccxt engine tests: the adapter over a real VenueClient whose httpx transport serves recorded bodies.

Recorded data: tests/fixtures/ccxt/<exchange>.json (extracted byte for byte by tests/fixtures/ccxt/extract.py
from ccxt's static test data; each file lists its sources, commits and sha256).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec

from exchangeql.exchanges.ccxt_bridge import CcxtAdapter, ccxt_spec
from exchangeql.settings import ExchangeSettings, Settings
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

        class Info(msgspec.Struct):
            info: msgspec.Raw

        return [bytes(msgspec.json.decode(raw, type=Info).info) for raw in self.markets.values()]


def fixture_ids() -> list[str]:
    return sorted(path.stem for path in FIXTURES.glob("*.json"))


def load_fixture(exchange_id: str) -> Fixture:
    return msgspec.json.decode((FIXTURES / f"{exchange_id}.json").read_bytes(), type=Fixture)


def json_array(entries: list[bytes]) -> bytes:
    return b"[" + b",".join(entries) + b"]"


Route = tuple[str, bytes]  # (URL fragment, body)


class Upstream:
    """A local upstream for one venue: each recorded body at the URLs containing its fragment.

    Unmatched URLs get `fallback` (a case's single recorded answer, served at whatever URL ccxt asks for),
    or a 404 when there is none. Every request is kept for assertions.
    """

    def __init__(self, routes: list[Route] | None = None, fallback: bytes | None = None) -> None:
        self.routes = list(routes or [])
        self.fallback = fallback
        self.requests: list[httpx.Request] = []
        self.responder: Callable[[httpx.Request], httpx.Response] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.responder is not None:
            return self.responder(request)
        url = str(request.url)
        for fragment, body in self.routes:
            if fragment in url:
                return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
        if self.fallback is not None:
            return httpx.Response(200, content=self.fallback, headers={"Content-Type": "application/json"})
        return httpx.Response(404, text="no recorded answer for this URL")

    @property
    def urls(self) -> list[str]:
        return [str(request.url) for request in self.requests]

    def body_for(self, url: str) -> bytes:
        for fragment, body in self.routes:
            if fragment in url:
                return body
        assert self.fallback is not None, f"no recorded answer for {url}"
        return self.fallback


@contextlib.asynccontextmanager
async def ccxt_oracle(exchange_id: str, upstream: Upstream) -> AsyncIterator[Any]:
    """Plain ccxt 4.5.90 (its own JSON parsing, floats) answering from the same recordings: the oracle.

    Only its `fetch` is replaced, the way ccxt's own static tests replay recordings.
    """
    import ccxt.async_support as ccxt_async

    exchange = getattr(ccxt_async, exchange_id)({"enableRateLimit": False, "timeout_on_exit": 0})

    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        return exchange.parse_json(upstream.body_for(url).decode())

    exchange.fetch = fetch
    try:
        yield exchange
    finally:
        await exchange.close()


def venue_client(exchange_id: str, upstream: Upstream, deadline_s: float = 5.0) -> VenueClient:
    spec = ccxt_spec(exchange_id, exchange_id)
    assert spec.errors is not None and spec.rate_limit is not None
    # The recorded answers come back at once; the venue's real budget would only slow the suite down.
    return build_venue_client(
        exchange_id,
        ExchangeSettings(upstream=UPSTREAM),
        errors=spec.errors,
        default_rate_limit=spec.rate_limit,
        deadline_s=deadline_s,
        transport=httpx.MockTransport(upstream),
    )


@contextlib.asynccontextmanager
async def ccxt_adapter(exchange_id: str, upstream: Upstream) -> AsyncIterator[CcxtAdapter]:
    """The adapter as the gateway builds it (spec.factory around a VenueClient), closed afterwards."""
    client = venue_client(exchange_id, upstream)
    adapter = ccxt_spec(exchange_id, exchange_id).factory(client, Settings())
    assert isinstance(adapter, CcxtAdapter)
    try:
        yield adapter
    finally:
        await adapter.close()
        await client.http.aclose()
