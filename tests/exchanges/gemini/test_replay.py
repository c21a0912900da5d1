"""The Gemini adapter against the bundled replay recordings, served in process by the replay app.

This is what `exchangeql serve --replay` does: the adapter speaks to /gemini on the replay server, which
answers from src/exchangeql/data/replay/gemini.json.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from exchangeql.errors import BadSymbol, RateLimited
from exchangeql.exchanges.gemini.adapter import SPEC
from exchangeql.models import MarketIndex
from exchangeql.settings import RateLimit, Settings
from exchangeql.transport.client import VenueClient, build_http_client
from exchangeql.transport.ratelimit import TokenBucket
from exchangeql.transport.replay import build_replay_app, load_recordings, replay_transport
from exchangeql.transport.retry import RetryPolicy


def _client(transport: httpx.AsyncBaseTransport) -> VenueClient:
    assert SPEC.errors is not None
    return VenueClient(
        "gemini",
        build_http_client(transport),
        errors=SPEC.errors,
        limiter=TokenBucket("gemini", RateLimit(1000, 1)),
        upstream="http://replay/gemini",
        retry=RetryPolicy(attempts=1),
    )


def test_recording_declares_the_venue_budget_and_error_bodies() -> None:
    recording = load_recordings()["gemini"]
    assert recording.rate_limit is not None
    assert (recording.rate_limit.weight, recording.rate_limit.per_seconds) == (120, 60)
    assert b'"reason":"InvalidSymbol"' in bytes(recording.not_found_body)
    assert b'"reason":"RateLimit"' in bytes(recording.error_body)
    assert all(route.provenance for route in recording.routes)
    # No price feed and no order book: neither is recorded nor exemplified in Gemini's documentation.
    assert {route.fetch for route in recording.routes} == {
        "fetchMarkets",
        "fetchTicker",
        "fetchTrades",
        "fetchOHLCV",
    }


async def test_every_recorded_method_through_the_replay_app() -> None:
    app = build_replay_app(enforce_rate_limit=False)
    client = _client(replay_transport(app))
    adapter = SPEC.factory(client, Settings())
    async with client.http:
        index = MarketIndex.of(await adapter.fetch_markets())
        btc = index.by_symbol["BTC/USDT"]
        tickers = [
            await adapter.fetch_ticker(index.by_symbol[s]) for s in ("BTC/USDT", "USDC/USD", "BTC/GUSD:GUSD")
        ]
        trades = await adapter.fetch_trades(btc, 10)
        candles = await adapter.fetch_ohlcv(btc, "1h", None, 1)
        with pytest.raises(BadSymbol):  # not recorded: the replay answers Gemini's InvalidSymbol error
            await adapter.fetch_ticker(index.by_symbol["ETH/USDT"])
    assert len(index.markets) == 10
    assert [(t.symbol, t.last) for t in tickers] == [
        ("BTC/USDT", Decimal("73268.24")),
        ("USDC/USD", Decimal("1.00026")),
        ("BTC/GUSD:GUSD", Decimal("69835")),
    ]
    assert [t.id for t in trades] == ["2840140831246421"]
    assert [c.timestamp for c in candles] == [1710324000000]


async def test_a_429_from_the_replay_budget_is_rate_limited() -> None:
    app = build_replay_app(enforce_rate_limit=False, faults="gemini:/v1/trades/btcusdt=429")
    client = _client(replay_transport(app))
    adapter = SPEC.factory(client, Settings())
    async with client.http:
        index = MarketIndex.of(await adapter.fetch_markets())
        with pytest.raises(RateLimited) as caught:
            await adapter.fetch_trades(index.by_symbol["BTC/USDT"], None)
    assert "RateLimit" in caught.value.message
