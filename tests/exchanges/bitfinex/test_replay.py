"""The adapter against the bundled recordings (data/replay/bitfinex.json), served in process by the real
replay app: the path the offline demo (`exchangeql serve --replay`) takes."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from exchangeql.errors import BadSymbol, RateLimited
from exchangeql.exchanges.base import Adapter
from exchangeql.exchanges.bitfinex.adapter import SPEC
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
        upstream="http://replay/bitfinex",
        retry=RetryPolicy(attempts=1),
    )
    return SPEC.factory(client, Settings())


def test_recordings_name_every_route_and_the_venue_budget() -> None:
    recording = load_recordings()["bitfinex"]
    assert recording.origin == "https://api-pub.bitfinex.com"
    assert recording.rate_limit is not None
    assert (recording.rate_limit.weight, recording.rate_limit.per_seconds) == (240, 60)
    assert all(route.provenance for route in recording.routes)
    assert [route.fetch for route in recording.routes] == [
        "fetchMarkets",
        "fetchTicker",
        "fetchTickers",
        "fetchOrderBook",
        "fetchTrades",
        "fetchOHLCV",
    ]


async def test_every_public_method_through_the_replay_app() -> None:
    adapter = _adapter()
    index = MarketIndex.of(await adapter.fetch_markets())
    btc_usdt, btc_usd = index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USD"]
    ticker = await adapter.fetch_ticker(btc_usdt)
    tickers = await adapter.fetch_tickers(index, None)
    book = await adapter.fetch_order_book(btc_usd, 25)
    trades = await adapter.fetch_trades(btc_usdt, 10)
    candles = await adapter.fetch_ohlcv(btc_usdt, "1h", None, 3)
    assert (ticker.symbol, ticker.last, ticker.percentage) == (
        "BTC/USDT",
        Decimal("73350"),
        Decimal("1.386374"),
    )
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert tickers[0].last == ticker.last and tickers[0].average == ticker.average
    assert (book.symbol, [b.price for b in book.bids]) == ("BTC/USD", [Decimal("7254.7")])
    assert [t.id for t in trades] == ["1560452102"]
    assert [c.timestamp for c in candles] == [1552298400000]
    assert len(index.markets) == 15


async def test_an_unknown_pair_gets_the_venue_error_array() -> None:
    adapter = _adapter()
    index = MarketIndex.of(await adapter.fetch_markets())
    ghost = dataclasses.replace(index.by_symbol["BTC/USDT"], id="tNOPEUST", symbol="NOPE/USDT")
    with pytest.raises(BadSymbol, match="symbol: invalid"):
        await adapter.fetch_ticker(ghost)


async def test_the_venue_rate_limit_body_is_rate_limited() -> None:
    with pytest.raises(RateLimited) as caught:
        await _adapter(faults="bitfinex:*=429").fetch_markets()
    assert "ERR_RATE_LIMIT" in caught.value.message
