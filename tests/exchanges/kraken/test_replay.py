"""The Kraken adapter against the bundled replay recordings, served in process by the replay app.

This is what `exchangeql serve --replay` does: the adapter speaks to /kraken on the replay server, which
answers from src/exchangeql/data/replay/kraken.json.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from exchangeql.errors import BadSymbol, RateLimited
from exchangeql.exchanges.kraken.adapter import SPEC
from exchangeql.models import MarketIndex
from exchangeql.settings import RateLimit, Settings
from exchangeql.transport.client import VenueClient, build_http_client
from exchangeql.transport.ratelimit import TokenBucket
from exchangeql.transport.replay import build_replay_app, load_recordings, replay_transport
from exchangeql.transport.retry import RetryPolicy


def _client(app: httpx.AsyncBaseTransport) -> VenueClient:
    assert SPEC.errors is not None
    return VenueClient(
        "kraken",
        build_http_client(app),
        errors=SPEC.errors,
        limiter=TokenBucket("kraken", RateLimit(1000, 1)),
        upstream="http://replay/kraken",
        retry=RetryPolicy(attempts=1),
    )


def test_recording_declares_the_venue_budget_and_error_bodies() -> None:
    recording = load_recordings()["kraken"]
    assert recording.rate_limit is not None
    assert (recording.rate_limit.weight, recording.rate_limit.per_seconds) == (15, 15)
    assert bytes(recording.not_found_body) == b'{"error":["EQuery:Unknown asset pair"]}'
    assert bytes(recording.error_body) == b'{"error":["EAPI:Rate limit exceeded"]}'
    assert all(route.provenance for route in recording.routes)
    assert {route.fetch for route in recording.routes} == {
        "fetchMarkets",
        "fetchTicker",
        "fetchTickers",
        "fetchOrderBook",
        "fetchTrades",
        "fetchOHLCV",
    }


async def test_every_public_method_through_the_replay_app() -> None:
    app = build_replay_app(enforce_rate_limit=False)
    client = _client(replay_transport(app))
    adapter = SPEC.factory(client, Settings())
    async with client.http:
        index = MarketIndex.of(await adapter.fetch_markets())
        btc, usd = index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USD"]
        ticker = await adapter.fetch_ticker(btc)
        tickers = await adapter.fetch_tickers(index, None)
        book = await adapter.fetch_order_book(usd, 2)
        trades = await adapter.fetch_trades(btc, 10)
        candles = await adapter.fetch_ohlcv(btc, "1h", 1706628191000, 3)
        with pytest.raises(BadSymbol):  # an id the recordings do not know: the venue's own answer
            await adapter.fetch_trades(usd, None)
    assert len(index.markets) == 8
    assert (ticker.symbol, ticker.last, ticker.average) == (
        "BTC/USDT",
        Decimal("73380.6"),
        Decimal("72415.6"),
    )
    assert [t.symbol for t in tickers] == ["BTC/USDT", "BTC/USD"]
    assert tickers[0] == ticker
    assert [level.price for level in book.asks] == [Decimal("30384.1"), Decimal("30387.9")]
    assert [t.id for t in trades] == ["6324366"]
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]


async def test_the_venue_error_fault_is_kraken_s_rate_limit_answer() -> None:
    app = build_replay_app(enforce_rate_limit=False, faults="kraken:/0/public/Ticker=venue_error")
    client = _client(replay_transport(app))
    adapter = SPEC.factory(client, Settings())
    async with client.http:
        index = MarketIndex.of(await adapter.fetch_markets())
        with pytest.raises(RateLimited):  # HTTP 200 carrying {"error": ["EAPI:Rate limit exceeded"]}
            await adapter.fetch_ticker(index.by_symbol["BTC/USDT"])
