"""What `serve --replay` answers for Bitfinex, from data/replay/bitfinex.json: arrays, a BTC/USD book."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.bitfinex.adapter import SPEC

from ..harness import Replay, markets_of


async def test_every_public_method_through_the_replay_app() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
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
