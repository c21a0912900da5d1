"""KuCoin from its replay recordings (data/replay/kucoin.json), both book depths answering alike."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.kucoin.adapter import SPEC

from ..harness import Replay, markets_of


async def test_every_public_method_through_the_replay_app() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
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
