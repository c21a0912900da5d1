"""Gate as the offline demo serves it: data/replay/gate.json through the replay app, in process."""

# What every venue's recordings must answer is checked in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

from exchangeql.exchanges.gate.adapter import SPEC

from ..harness import replay_answers


async def test_the_recordings_answer_gate_s_values() -> None:
    answers = await replay_answers(SPEC)
    assert (len(answers.index.markets), answers.ticker.last) == (7, Decimal("73373.9"))
    assert answers.tickers == [answers.ticker]
    assert (len(answers.book.bids), len(answers.trades), len(answers.candles)) == (2, 1, 1)
