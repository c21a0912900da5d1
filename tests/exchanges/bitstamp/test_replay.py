"""Bitstamp through the in-process replay app (data/replay/bitstamp.json), which records no order book."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangeql.errors import BadRequest
from exchangeql.exchanges.bitstamp.adapter import SPEC

from ..harness import Replay, markets_of


async def test_every_recorded_method_through_the_replay_app() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
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
