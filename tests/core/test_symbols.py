from __future__ import annotations

import pytest

from exchangeql.errors import BadSymbol
from exchangeql.symbols import Symbol, parse_symbol


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BTC/USDT", Symbol("BTC", "USDT")),
        ("BTC/USDT:USDT", Symbol("BTC", "USDT", "USDT")),
        ("BTC/USD:BTC-240628", Symbol("BTC", "USD", "BTC", "240628")),
        ("1000PEPE/USDT", Symbol("1000PEPE", "USDT")),
    ],
)
def test_unified_symbols_parse(text: str, expected: Symbol) -> None:
    assert parse_symbol(text) == expected


@pytest.mark.parametrize(
    "text", ["", "BTCUSDT", "btc/usdt", "BTC/", "/USDT", "BTC/USDT:", "BTC USDT", "A" * 100]
)
def test_malformed_symbols_are_bad_symbol(text: str) -> None:
    with pytest.raises(BadSymbol, match="malformed symbol"):
        parse_symbol(text)
