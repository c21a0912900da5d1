"""OKX replayed (data/replay/okx.json): spot and swap instruments, recent and historical candles."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.okx.adapter import SPEC

from ..harness import Replay, markets_of


async def test_every_public_method_is_answered_from_the_recordings() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
    btc, swap = index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USDT:USDT"]
    ticker = await adapter.fetch_ticker(btc)
    tickers = await adapter.fetch_tickers(index, None)
    book = await adapter.fetch_order_book(btc, 5)
    swap_book = await adapter.fetch_order_book(swap, 2)
    trades = await adapter.fetch_trades(btc, 10)
    recent = await adapter.fetch_ohlcv(btc, "1h", None, 3)
    history = await adapter.fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert (len(index.markets), ticker.last) == (16, Decimal("73384.8"))
    assert [t.symbol for t in tickers] == ["BTC/USDT", "BTC/USD:BTC"]
    assert tickers[0] == ticker
    assert (len(book.bids), swap_book.bids[0].amount, len(trades)) == (2, Decimal("13807"), 1)
    assert recent == history and len(recent) == 3
