"""The adapter against the bundled recordings (data/replay/kucoin.json), served in process by the real
replay app: the path the offline demo (`exchangeql serve --replay`) takes."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from exchangeql.errors import BadSymbol, RateLimited
from exchangeql.exchanges.base import Adapter
from exchangeql.exchanges.kucoin.adapter import SPEC
from exchangeql.models import MarketIndex
from exchangeql.settings import Settings
from exchangeql.transport.client import VenueClient, build_http_client
from exchangeql.transport.ratelimit import TokenBucket
from exchangeql.transport.replay import build_replay_app, load_recordings, replay_transport
from exchangeql.transport.retry import RetryPolicy


def _adapter(faults: str | None = None) -> Adapter:
    """The adapter on a VenueClient whose transport is the replay app (one attempt: faults show as is)."""
    assert SPEC.errors is not None and SPEC.rate_limit is not None
    app = build_replay_app(faults=faults, seed=1)
    client = VenueClient(
        SPEC.id,
        build_http_client(replay_transport(app)),
        errors=SPEC.errors,
        limiter=TokenBucket(SPEC.id, SPEC.rate_limit),
        upstream="http://replay/kucoin",
        retry=RetryPolicy(attempts=1),
    )
    return SPEC.factory(client, Settings())


def test_recordings_name_every_route_and_the_venue_budget() -> None:
    recording = load_recordings()["kucoin"]
    assert recording.origin == "https://api.kucoin.com"
    assert recording.rate_limit is not None
    assert (recording.rate_limit.weight, recording.rate_limit.per_seconds) == (2000, 30)
    assert all(route.provenance for route in recording.routes)
    assert [route.fetch for route in recording.routes] == [
        "fetchMarkets",
        "fetchTicker",
        "fetchTickers",
        "fetchOrderBook",
        "fetchOrderBook",
        "fetchTrades",
        "fetchOHLCV",
    ]


async def test_every_public_method_through_the_replay_app() -> None:
    adapter = _adapter()
    index = MarketIndex.of(await adapter.fetch_markets())
    btc = index.by_symbol["BTC/USDT"]
    ticker = await adapter.fetch_ticker(btc)
    tickers = await adapter.fetch_tickers(index, None)
    book = await adapter.fetch_order_book(btc, 20)
    whole_book = await adapter.fetch_order_book(btc, None)
    trades = await adapter.fetch_trades(btc, 10)
    candles = await adapter.fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert (ticker.symbol, ticker.last, ticker.percentage) == ("BTC/USDT", Decimal("67400"), Decimal("0.89"))
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USDT", Decimal("11328.9"))]
    assert (book.nonce, [b.price for b in book.bids]) == (
        11149534850,
        [Decimal("67539.7"), Decimal("67538.5")],
    )
    assert whole_book == book
    assert [(t.side.value if t.side else None, t.price) for t in trades] == [("sell", Decimal("67347.4"))]
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]
    assert len(index.markets) == 7


async def test_an_unknown_pair_gets_the_venue_error_body() -> None:
    adapter = _adapter()
    index = MarketIndex.of(await adapter.fetch_markets())
    ghost = dataclasses.replace(index.by_symbol["BTC/USDT"], id="NOPE-USDT", symbol="NOPE/USDT")
    with pytest.raises(BadSymbol, match="This pair is not provided at present"):
        await adapter.fetch_trades(ghost, 5)


async def test_the_venue_rate_limit_body_is_rate_limited() -> None:
    with pytest.raises(RateLimited) as caught:
        await _adapter(faults="kucoin:*=429").fetch_markets()
    assert "429000" in caught.value.message
