"""HTX from data/replay/htx.json, whose all-tickers answer is the documented example (no recorded pair)."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.htx.adapter import SPEC

from ..harness import replay_answers


async def test_the_recordings_answer_htx_s_values() -> None:
    answers = await replay_answers(SPEC)
    ticker = answers.ticker
    assert (len(answers.index.markets), ticker.last, ticker.timestamp) == (
        7,
        Decimal("73360.54"),
        1710328245889,
    )
    assert answers.tickers == []  # the documented example lists pairs the recorded markets do not hold
    assert (len(answers.book.bids), len(answers.trades), len(answers.candles)) == (5, 10, 1)
