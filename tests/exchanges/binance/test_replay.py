"""The Binance adapter against its bundled recordings (data/replay/binance.json), served in process by the
replay app: the path the offline demo (`exchangeql serve --replay`) takes.

What every venue's recordings must answer is checked in tests/exchanges/test_contract.py; here, Binance's.
"""

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.binance.adapter import SPEC
from exchangeql.transport.replay import load_recordings

from ..harness import Replay, markets_of


def test_the_recording_answers_every_public_method() -> None:
    recording = load_recordings()["binance"]
    assert [route.fetch for route in recording.routes] == [
        "fetchMarkets",
        "fetchTicker",
        "fetchTickers",
        "fetchOrderBook",
        "fetchTrades",
        "fetchOHLCV",
    ]
    assert bytes(recording.not_found_body) == b'{"code":-1121,"msg":"Invalid symbol."}'


async def test_every_public_method_through_the_replay_app() -> None:
    adapter = Replay().adapter(SPEC)
    index = await markets_of(adapter)
    btc = index.by_symbol["BTC/USDT"]
    ticker = await adapter.fetch_ticker(btc)
    tickers = await adapter.fetch_tickers(index, None)
    book = await adapter.fetch_order_book(btc, 5)
    trades = await adapter.fetch_trades(btc, 10)
    candles = await adapter.fetch_ohlcv(btc, "1h", None, 3)
    assert (ticker.symbol, ticker.last) == ("BTC/USDT", Decimal("73369.84"))
    assert tickers == [ticker]
    assert (len(index.markets), len(book.bids), len(trades), len(candles)) == (7, 2, 1, 3)
