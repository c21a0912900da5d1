"""Gemini's three recorded tickers and its trades and candles, served from data/replay/gemini.json."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangeql.errors import BadSymbol
from exchangeql.exchanges.gemini.adapter import SPEC

from ..harness import Replay, markets_of


async def test_every_recorded_method_through_the_replay_app() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
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
