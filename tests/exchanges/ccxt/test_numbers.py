"""Numbers stay exact: the ccxt instance produces strings, venue JSON floats keep their text, Decimals are
built from the venue's digits. No price ever passes through a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from exchangeql.exchanges.ccxt_convert import DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE, tick_size

from . import (
    Upstream,
    adapter_markets,
    ccxt_adapter,
    ccxt_oracle,
    load_fixture,
    market_routes,
    oracle_markets,
)


def numbers(tree: Any, path: str = "") -> dict[str, Any]:
    """Every number-like leaf of a ccxt unified structure, `info` (the raw payload) left out."""
    if isinstance(tree, dict):
        found: dict[str, Any] = {}
        for key, value in tree.items():
            if key not in ("info", "datetime", "id", "order"):  # the raw payload; text and identifiers
                found |= numbers(value, f"{path}.{key}")
        return found
    if isinstance(tree, list):
        found = {}
        for i, value in enumerate(tree):
            found |= numbers(value, f"{path}[{i}]")
        return found
    is_number = isinstance(tree, float | Decimal) or (isinstance(tree, str) and tree[:1].isdigit())
    return {path: tree} if is_number else {}


BIGONE_CALLS: dict[str, tuple[str, list[Any]]] = {
    "fetchTicker": ("fetch_ticker", ["BTC/USDT"]),
    "fetchOrderBook": ("fetch_order_book", ["BTC/USDT"]),
    "fetchTrades": ("fetch_trades", ["BTC/USDT", None, 1]),
    "fetchOHLCV": ("fetch_ohlcv", ["BTC/USDT", "1h", None, 1]),
}


@pytest.mark.parametrize("method", sorted(BIGONE_CALLS))
async def test_ccxt_parsers_produce_strings(method: str) -> None:
    """With `number = str`, ccxt's parse_ticker / parse_trade / parse_ohlcv give strings, not floats."""
    f = load_fixture("bigone")
    (case,) = f.of(method)
    name, args = BIGONE_CALLS[method]
    async with ccxt_adapter("bigone", Upstream(case.routes())) as adapter:
        adapter.set_markets(f.unified_markets())
        unified = await getattr(adapter.exchange, name)(*args)
    found = numbers(unified)
    assert found, "the recorded answer has numbers"
    # Strings everywhere; order book levels are Decimals from the venue's digits (the bridge's level parser,
    # since ccxt 4.5.90 reads levels with safe_float whatever `number` says).
    wanted = Decimal if method == "fetchOrderBook" else str
    assert not {path: value for path, value in found.items() if not isinstance(value, wanted)}
    assert all(Decimal(value) == Decimal(str(value)) for value in found.values())
    if method == "fetchOHLCV":
        assert all(isinstance(row[0], int) for row in unified)  # timestamps stay integers


async def test_market_precision_and_limits_are_strings() -> None:
    f = load_fixture("luno")
    async with ccxt_adapter("luno", Upstream(market_routes(f))) as adapter:
        await adapter.fetch_markets()
        unified = adapter.exchange.markets["BTC/USDT"]
    assert unified["precision"] == {"amount": "0.0001", "price": "0.01"}
    assert unified["limits"]["amount"] == {"min": "0.0005", "max": "100.00"}


async def test_venue_digits_survive_where_a_float_would_lose_them() -> None:
    """whitebit's 24h quote volume is "1237525361.99814163" (18 digits): ccxt with floats keeps 17 of them."""
    f = load_fixture("whitebit")
    (case,) = f.of("fetchTicker")
    upstream = Upstream(market_routes(f) + case.routes())
    async with ccxt_adapter("whitebit", upstream) as adapter:
        markets = await adapter_markets(adapter, f)
        ticker = await adapter.fetch_ticker(markets["BTC/USDT"])
    assert ticker.quote_volume == Decimal("1237525361.99814163")  # the venue's string, digit for digit
    assert str(ticker.info["deal"]) == "1237525361.99814163"
    async with ccxt_oracle("whitebit", upstream) as oracle:
        await oracle_markets(oracle, f)
        with_floats = (await oracle.fetch_ticker("BTC/USDT"))["quoteVolume"]
    assert isinstance(with_floats, float) and Decimal(repr(with_floats)) != ticker.quote_volume


async def test_json_floats_keep_their_text() -> None:
    """indodax sends some numbers as JSON numbers: they reach ccxt as their text, never as floats."""
    f = load_fixture("indodax")
    case = f.of("fetchMarkets")[1]
    async with ccxt_adapter("indodax", Upstream(case.routes())) as adapter:
        (market,) = await adapter.fetch_markets()
    assert market.info["trade_min_traded_currency"] == "0.000013"  # the JSON number's text, not a float
    assert market.info["price_precision"] == "0.000001"
    assert market.info["volume_precision"] == 8  # integers stay integers
    assert market.limits.amount.min == Decimal("0.000013")
    assert market.precision.price == Decimal("0.000001")


@pytest.mark.parametrize(
    ("value", "mode", "tick"),
    [
        (Decimal("0.01"), TICK_SIZE, Decimal("0.01")),
        (Decimal("2"), DECIMAL_PLACES, Decimal("0.01")),
        (Decimal("8"), DECIMAL_PLACES, Decimal("0.00000001")),
        (Decimal("0"), DECIMAL_PLACES, Decimal("1")),
        (Decimal("4"), SIGNIFICANT_DIGITS, None),  # the step depends on each price's magnitude
        (None, TICK_SIZE, None),
    ],
)
def test_precision_becomes_a_tick_size(value: Decimal | None, mode: int, tick: Decimal | None) -> None:
    assert tick_size(value, mode) == tick


def test_precision_mode_constants_match_ccxt() -> None:
    from ccxt.base import decimal_to_precision

    assert (DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE) == (
        decimal_to_precision.DECIMAL_PLACES,
        decimal_to_precision.SIGNIFICANT_DIGITS,
        decimal_to_precision.TICK_SIZE,
    )
