"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded Binance payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings, so the rule is
  that our exact Decimal rounds to ccxt's double (`float(ours) == theirs`): a double keeps about 17
  significant digits, and e.g. quoteVolume 5167027510.68728707 comes back as 5167027510.687287.

ccxt's markets are built by ccxt 4.5.90's own `parse_market` from the raw `info` entries of
tests/fixtures/binance/ccxt_markets.json (the recorded markets/binance.json), as ccxt builds them when it
loads markets live. The stored unified markets cannot be used as they are: their `precision` is in the
legacy decimal-places form (price: 2), which 4.5.90 reads as a tick of 2 and then truncates `average` to
whole units.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.binance import parsing
from exchangeql.exchanges.binance.schemas import AggTrade, Depth, ExchangeInfo, Kline, Ticker24hr
from exchangeql.models import Market, MarketIndex

from . import recorded

RAW_MARKETS = [m["info"] for m in json.loads(recorded("ccxt_markets.json")).values() if m.get("type") == "spot"]


def _oracle(exact: bool) -> Any:
    exchange = ccxt.binance()
    if exact:
        exchange.number = str
    # parse_market asks which pairs have margin; these come from a private endpoint we do not replay.
    exchange.options["crossMarginPairsData"] = []
    exchange.options["isolatedMarginPairsData"] = []
    exchange.set_markets([exchange.parse_market(info) for info in RAW_MARKETS])
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_binance(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    info = msgspec.json.decode(recorded("exchange_info.json"), type=ExchangeInfo, strict=False)
    return MarketIndex.of(parsing.parse_markets(info))


def same(ours: Decimal | int | None, theirs: object) -> bool:
    """ccxt's value and ours are the same number (see the module docstring for floats)."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(theirs, str):
        return Decimal(theirs) == ours
    if isinstance(theirs, float):
        return float(ours) == theirs
    return isinstance(theirs, int) and not isinstance(theirs, bool) and theirs == ours


def assert_fields(pairs: dict[str, tuple[Any, Any]]) -> None:
    """{field: (ours, ccxt's)}; all fields are checked and reported together."""
    different = {name: pair for name, pair in pairs.items() if not same(*pair)}
    assert not different, f"ours != ccxt: {different}"


def _json(name: str) -> Any:
    return json.loads(recorded(name))


# --- markets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", RAW_MARKETS, ids=[info["symbol"] for info in RAW_MARKETS])
def test_markets(raw: dict[str, Any], ccxt_binance: Any) -> None:
    ours = parsing.parse_market(msgspec.convert(raw, type=ExchangeInfo.__annotations__ and _symbol_type(), strict=False))
    theirs = ccxt_binance.parse_market(raw)
    assert (ours.symbol, ours.id, ours.base, ours.quote) == (
        theirs["symbol"],
        theirs["id"],
        theirs["base"],
        theirs["quote"],
    )
    assert (ours.base_id, ours.quote_id, ours.type.value, ours.active) == (
        theirs["baseId"],
        theirs["quoteId"],
        theirs["type"],
        theirs["active"],
    )
    limits = theirs["limits"]
    assert_fields(
        {
            "precision.price": (ours.precision.price, theirs["precision"]["price"]),
            "precision.amount": (ours.precision.amount, theirs["precision"]["amount"]),
            "limits.amount.min": (ours.limits.amount.min, limits["amount"]["min"]),
            "limits.amount.max": (ours.limits.amount.max, limits["amount"]["max"]),
            "limits.price.min": (ours.limits.price.min, limits["price"]["min"]),
            "limits.price.max": (ours.limits.price.max, limits["price"]["max"]),
            "limits.cost.min": (ours.limits.cost.min, limits["cost"]["min"]),
            "limits.cost.max": (ours.limits.cost.max, limits["cost"]["max"]),
        }
    )
