"""Coinbase Exchange's replayed answers (data/replay/coinbaseexchange.json); its book is BTC-USD's."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.coinbaseexchange.adapter import SPEC

from ..harness import Replay, markets_of


async def test_every_public_method_through_the_replay_app() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
    btc_usdt, btc_usd = index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USD"]
    ticker = await adapter.fetch_ticker(btc_usdt)
    book = await adapter.fetch_order_book(btc_usd, 10)
    trades = await adapter.fetch_trades(btc_usdt, 10)
    candles = await adapter.fetch_ohlcv(btc_usdt, "1h", None, 3)
    assert (ticker.symbol, ticker.last, ticker.bid) == ("BTC/USDT", Decimal("73367.8"), Decimal("73360.34"))
    assert (book.symbol, book.nonce, book.bids[0].price) == ("BTC/USD", 13051505638, Decimal("6247.58"))
    assert [t.id for t in trades] == ["18502034"]
    assert [c.close for c in candles] == [Decimal("73370.65")]
    assert len(index.markets) == 6
