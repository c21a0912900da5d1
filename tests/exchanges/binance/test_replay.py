"""Binance's values in its replay recordings (data/replay/binance.json), as `serve --replay` serves them."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.binance.adapter import SPEC

from ..harness import replay_answers


async def test_the_recordings_answer_binance_s_values() -> None:
    answers = await replay_answers(SPEC)
    assert (answers.ticker.symbol, answers.ticker.last) == ("BTC/USDT", Decimal("73369.84"))
    assert answers.tickers == [answers.ticker]
    counts = (len(answers.index.markets), len(answers.book.bids), len(answers.trades), len(answers.candles))
    assert counts == (7, 2, 1, 3)
