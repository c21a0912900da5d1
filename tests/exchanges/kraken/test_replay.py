"""Kraken's replay recordings (data/replay/kraken.json): its error bodies, and the values they answer."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangeql.errors import BadSymbol
from exchangeql.exchanges.kraken.adapter import SPEC
from exchangeql.transport.replay import load_recordings

from ..harness import Replay, markets_of


def test_the_recording_keeps_the_venue_s_documented_error_bodies() -> None:
    recording = load_recordings()["kraken"]
    assert bytes(recording.not_found_body) == b'{"error":["EQuery:Unknown asset pair"]}'
    assert bytes(recording.error_body) == b'{"error":["EAPI:Rate limit exceeded"]}'


async def test_every_public_method_through_the_replay_app() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
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
