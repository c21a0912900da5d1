"""The Bitstamp adapter against the bundled replay recordings, served in process by the replay app.

This is what `exchangeql serve --replay` does: the adapter speaks to /bitstamp on the replay server,
which answers from src/exchangeql/data/replay/bitstamp.json.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from exchangeql.errors import BadRequest, RateLimited
from exchangeql.exchanges.bitstamp.adapter import SPEC
from exchangeql.models import MarketIndex
from exchangeql.settings import RateLimit, Settings
from exchangeql.transport.client import VenueClient, build_http_client
from exchangeql.transport.ratelimit import TokenBucket
from exchangeql.transport.replay import build_replay_app, load_recordings, replay_transport
from exchangeql.transport.retry import RetryPolicy


def _client(transport: httpx.AsyncBaseTransport) -> VenueClient:
    assert SPEC.errors is not None
    return VenueClient(
        "bitstamp",
        build_http_client(transport),
        errors=SPEC.errors,
        limiter=TokenBucket("bitstamp", RateLimit(1000, 1)),
        upstream="http://replay/bitstamp",
        retry=RetryPolicy(attempts=1),
    )


def test_recording_declares_the_venue_budget_and_error_bodies() -> None:
    recording = load_recordings()["bitstamp"]
    assert recording.rate_limit is not None
    assert (recording.rate_limit.weight, recording.rate_limit.per_seconds) == (8000, 600)
    assert b'"response_code":"400.002"' in bytes(recording.error_body)
    assert b'"response_code":"400.001"' in bytes(recording.not_found_body)
    assert all(route.provenance for route in recording.routes)
    # No order book route: neither ccxt-static nor Bitstamp's documentation has one to replay.
    assert {route.fetch for route in recording.routes} == {
        "fetchMarkets",
        "fetchTicker",
        "fetchTickers",
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
        ticker = await adapter.fetch_ticker(btc)
        tickers = await adapter.fetch_tickers(index, None)
        trades = await adapter.fetch_trades(btc, 10)
        candles = await adapter.fetch_ohlcv(btc, "1h", None, 1)
        with pytest.raises(BadRequest):  # not recorded: the replay's 404 with the venue's error shape
            await adapter.fetch_order_book(btc, 5)
    assert len(index.markets) == 10
    assert (ticker.symbol, ticker.last, ticker.average) == ("BTC/USDT", Decimal("73285"), Decimal("72366"))
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert tickers[0].last == ticker.last and tickers[0].average == ticker.average
    assert [t.id for t in trades] == ["326595342"]
    assert [c.timestamp for c in candles] == [1710327600000]


async def test_the_venue_error_fault_is_bitstamp_s_rate_limit_answer() -> None:
    app = build_replay_app(enforce_rate_limit=False, faults="bitstamp:/api/v2/ticker/btcusdt/=venue_error")
    client = _client(replay_transport(app))
    adapter = SPEC.factory(client, Settings())
    async with client.http:
        index = MarketIndex.of(await adapter.fetch_markets())
        with pytest.raises(RateLimited):  # HTTP 200 carrying response_code 400.002
            await adapter.fetch_ticker(index.by_symbol["BTC/USDT"])
