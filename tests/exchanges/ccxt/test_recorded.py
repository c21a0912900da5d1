"""Tickers and markets through the ccxt engine equal ccxt's recorded unified results.

For every exchange served by the ccxt engine that has recordings (tests/fixtures/ccxt), each ticker case
and each markets case goes adapter -> ccxt -> our VenueClient -> a local upstream serving the recorded body
at whatever URL ccxt asks for. The domain model that comes back is compared with the recorded
`parsedResponse` under ccxt's own comparison rules: skipKeys skipped, `info` skipped, numbers compared by
value (a numeric string equals its number; ccxt compares the two as doubles when the digits differ), a
missing value equals null. Then plain ccxt 4.5.90 on the same recordings (the oracle) must agree too.

An exchange without recorded markets (see the package docstring) is skipped, with the reason.
"""

from __future__ import annotations

from typing import Any

import pytest

from exchangeql.errors import UpstreamDecodeError
from exchangeql.exchanges.ccxt_convert import SIGNIFICANT_DIGITS
from exchangeql.models import Market, MarketIndex

from . import (
    BITHUMB_V1,
    ENDPOINTS,
    UNREADABLE_MARKETS,
    Case,
    Upstream,
    adapter_markets,
    assert_same,
    ccxt_adapter,
    ccxt_oracle,
    differences,
    fixture_ids,
    load_fixture,
    market_routes,
    markets_source,
    oracle_markets,
    unified_ticker,
)

# Recorded values that ccxt 4.5.90 itself no longer reproduces (the recording comes from another ccxt
# version). The adapter must give ccxt 4.5.90's value (the oracle check), and each entry is asserted to
# still differ from the recording, so it goes once they agree again.
KNOWN_DIFFERENCES: dict[tuple[str, str], dict[str, str]] = {
    ("deribit", "public spot ticker"): {
        "baseVolume": "4.5.90 reads stats.volume (25.9035) as the base volume; the recording has none",
        "quoteVolume": "4.5.90 reads stats.volume_notional; the recording has stats.volume",
        "vwap": "4.5.90 derives it from the two volumes; the recording has none",
    },
    ("hitbtc", "public spot ticker"): {
        "average": "4.5.90 divides (open + last) / 2 to the inputs' 2 decimals: 72780.11, not 72780.115",
    },
    ("indodax", "public pair precision, fees, and minimums"): {
        "BTC/IDR.precision.price": "4.5.90 takes price_round (8 places); the recording, price_increments",
        "BTC/IDR.limits.price.min": "4.5.90 takes trade_min_base_currency as a price minimum, not a cost",
        "BTC/IDR.limits.cost.min": "the same field, read as the cost minimum by the recording's ccxt",
    },
    ("indodax", "price increment wins when it disagrees with pricescale"): {
        "BTC/USDT.precision.amount": "4.5.90 reads volume_precision as places (8), not quantity_increment",
        "BTC/USDT.limits.price.min": "4.5.90 takes trade_min_base_currency as a price minimum, not a cost",
        "BTC/USDT.limits.cost.min": "the same field, read as the cost minimum by the recording's ccxt",
    },
}

# Recordings ccxt 4.5.90 cannot read at all: the case must fail, the way stated, and is expected to.
KNOWN_INCOMPATIBLE: dict[tuple[str, str], tuple[str, type[Exception]]] = {
    ("bithumb", "fetchMarkets"): (BITHUMB_V1, UpstreamDecodeError),
    ("bithumb", "fetchTicker"): (BITHUMB_V1, AssertionError),
}
assert {exchange for exchange, method in KNOWN_INCOMPATIBLE if method == "fetchMarkets"} == UNREADABLE_MARKETS


def check(exchange_id: str, description: str, diff: dict[str, Any]) -> None:
    assert_same(diff, KNOWN_DIFFERENCES.get((exchange_id, description), {}))


def unified_market(market: Market, precision_mode: int) -> dict[str, Any]:
    """Our Market in ccxt's unified shape (the keys we model; precision as tick sizes)."""
    precision = {"price": market.precision.price, "amount": market.precision.amount}
    limits = {
        name: {"min": getattr(market.limits, name).min, "max": getattr(market.limits, name).max}
        for name in ("amount", "price", "cost")
    }
    unified: dict[str, Any] = {
        "symbol": market.symbol,
        "id": market.id,
        "base": market.base,
        "quote": market.quote,
        "baseId": market.base_id,
        "quoteId": market.quote_id,
        "settle": market.settle,
        "settleId": market.settle_id,
        "type": market.type.value,
        "contractSize": market.contract_size,
        "linear": market.linear,
        "expiry": market.expiry,
        "limits": limits,
    }
    if precision_mode != SIGNIFICANT_DIGITS:  # ccxt holds digit counts there; we hold no tick (checked apart)
        unified["precision"] = precision
    return unified


def check_markets(
    exchange_id: str, description: str, ours: list[Market], recorded: list[Any], mode: int
) -> None:
    by_symbol = {m.symbol: m for m in ours}
    assert sorted(by_symbol) == sorted(m["symbol"] for m in recorded)
    diff: dict[str, Any] = {}
    for expected in recorded:
        market = by_symbol[expected["symbol"]]
        assert (market.info is None) is (
            expected.get("info") is None
        )  # the raw entry; its values are skipped
        # ccxt says active None when the venue does not tell; a listed market is tradable for us
        assert market.active is (expected.get("active") is not False)
        if mode == SIGNIFICANT_DIGITS:
            assert market.precision.price is None and market.precision.amount is None
        diff |= differences(unified_market(market, mode), expected, path=market.symbol)
    check(exchange_id, description, diff)


def _param(exchange_id: str, case: Case) -> Any:
    known = KNOWN_INCOMPATIBLE.get((exchange_id, case.method))
    marks = [pytest.mark.xfail(strict=True, reason=known[0], raises=known[1])] if known else []
    return pytest.param(exchange_id, case.description, id=f"{exchange_id}-{case.description}", marks=marks)


def _cases(method: str) -> list[Any]:
    return [_param(i, case) for i in fixture_ids() for case in load_fixture(i).of(method)]


@pytest.mark.parametrize(("exchange_id", "description"), _cases("fetchTicker"))
async def test_ticker_equals_recording(exchange_id: str, description: str) -> None:
    f = load_fixture(exchange_id)
    (case,) = [c for c in f.of("fetchTicker") if c.description == description]
    if markets_source(f) is None:
        pytest.skip(f"{exchange_id}: no recorded markets (no markets file, no fetchMarkets case)")
    symbol = case.args()[0]
    upstream = Upstream(market_routes(f) + case.routes())
    async with ccxt_adapter(exchange_id, upstream) as adapter:
        markets = await adapter_markets(adapter, f)
        if symbol not in markets:
            pytest.skip(f"{exchange_id}: {symbol} is not among the recorded markets ({', '.join(markets)})")
        ticker = await adapter.fetch_ticker(markets[symbol])
    assert ticker.exchange_id == exchange_id and ticker.symbol == symbol
    assert ticker.info is not None
    check(exchange_id, description, differences(unified_ticker(ticker), case.parsed(), frozenset(f.skipKeys)))
    assert upstream.requests and {r.url.host for r in upstream.requests} == {"upstream.test"}

    # Plain ccxt 4.5.90 (floats, its own JSON parsing) on the same recordings agrees with the adapter.
    async with ccxt_oracle(exchange_id, upstream) as oracle:
        await oracle_markets(oracle, f)
        expected = await oracle.fetch_ticker(symbol)
    ours = unified_ticker(ticker)
    del ours["datetime"]  # ours is derived from the timestamp; ccxt may keep the venue's own text
    assert not differences(ours, expected)


def _markets_cases() -> list[Any]:
    served = [pytest.param(i, "markets file", id=f"{i}-markets-file") for i in sorted(ENDPOINTS)]
    return _cases("fetchMarkets") + served


@pytest.mark.parametrize(("exchange_id", "description"), _markets_cases())
async def test_markets_equal_recording(exchange_id: str, description: str) -> None:
    """fetchMarkets cases, and the markets files of venues whose markets endpoints serve their entries."""
    f = load_fixture(exchange_id)
    if description == "markets file":
        routes, recorded = ENDPOINTS[exchange_id](f), list(f.unified_markets().values())
    else:
        (case,) = [c for c in f.of("fetchMarkets") if c.description == description]
        routes, recorded = case.routes(), case.parsed()
    upstream = Upstream(routes)
    async with ccxt_adapter(exchange_id, upstream) as adapter:
        markets = await adapter.fetch_markets()
        mode = adapter.exchange.precisionMode
    check_markets(exchange_id, description, markets, recorded, mode)
    assert set(MarketIndex.of(markets).by_symbol) == {m["symbol"] for m in recorded}

    # Plain ccxt 4.5.90 on the same recordings agrees with the adapter, market by market.
    async with ccxt_oracle(exchange_id, upstream) as oracle:
        expected = await oracle.load_markets()
    for market in markets:
        assert not differences(unified_market(market, mode), expected[market.symbol])


@pytest.mark.parametrize("exchange_id", [i for i in fixture_ids() if load_fixture(i).markets])
async def test_seeded_markets_convert(exchange_id: str) -> None:
    """markets/<id>.json given to ccxt (set_markets) comes out as Markets with the same values."""
    f = load_fixture(exchange_id)
    upstream = Upstream()
    async with ccxt_adapter(exchange_id, upstream) as adapter:
        markets = adapter.set_markets(f.unified_markets())
        mode = adapter.exchange.precisionMode
    check_markets(exchange_id, "markets file", markets, list(f.unified_markets().values()), mode)
    assert upstream.requests == []  # seeding asks the venue nothing
