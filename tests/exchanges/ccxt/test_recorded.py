"""Recorded venue answers through the ccxt engine equal ccxt's recorded unified results.

For every exchange served by the ccxt engine that has recordings (tests/fixtures/ccxt), each ticker case
(and each markets case) goes adapter -> ccxt -> our VenueClient -> a local upstream serving the recorded
body at whatever URL ccxt asks for, and the domain model that comes back is compared with the recorded
`parsedResponse` under ccxt's own comparison rules: skipKeys skipped, `info` skipped, numbers compared by
value (a numeric string equals its number; ccxt compares the two as doubles when the digits differ), and a
missing value equals null.

ccxt loads markets before a ticker. They reach the instance from recorded data only:
- "endpoints": the venue's markets endpoint answers with the recorded raw market entries (the `info` of
  each market in markets/<id>.json), inside the venue's envelope, assembled here around those entries;
- "recorded": the fetchMarkets case's own recorded answers;
- "seed": ccxt's set_markets with markets/<id>.json, where ccxt's load_markets would first ask a
  currencies endpoint that has no recording.
An exchange with none of these is skipped, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from exchangeql.clock import iso8601
from exchangeql.errors import UpstreamDecodeError
from exchangeql.exchanges.ccxt_bridge import CcxtAdapter
from exchangeql.exchanges.ccxt_convert import SIGNIFICANT_DIGITS
from exchangeql.models import Market, MarketIndex, Ticker

from . import (
    UPSTREAM,
    Case,
    Fixture,
    Route,
    Upstream,
    ccxt_adapter,
    ccxt_oracle,
    fixture_ids,
    json_array,
    load_fixture,
)


def _luno(f: Fixture) -> list[Route]:
    # GET /api/exchange/1/markets -> {"markets": [...]}
    return [("/api/exchange/1/markets", b'{"markets":' + json_array(f.market_entries()) + b"}")]


def _whitebit(f: Fixture) -> list[Route]:
    # GET /api/v4/public/markets -> [...]; currencies first: GET /api/v4/public/assets, recorded as is
    (assets,) = f.of("fetchCurrencies")
    return [
        ("/api/v4/public/markets", json_array(f.market_entries())),
        ("/api/v4/public/assets", bytes(assets.httpResponse)),
    ]


def _coinmate(f: Fixture) -> list[Route]:
    # GET /api/tradingPairs -> {"error": false, "errorMessage": null, "data": [...]}
    entries = json_array(f.market_entries())
    return [("/api/tradingPairs", b'{"error":false,"errorMessage":null,"data":' + entries + b"}")]


def _upbit(f: Fixture) -> list[Route]:
    # GET /v1/market/all -> [...]
    return [("/v1/market/all", json_array(f.market_entries()))]


# Venues whose markets endpoint(s) can answer from recorded entries (envelope assembled around them).
ENDPOINTS: dict[str, Callable[[Fixture], list[Route]]] = {
    "luno": _luno,
    "whitebit": _whitebit,
    "coinmate": _coinmate,
    "upbit": _upbit,
}

# Recorded values that ccxt 4.5.90 itself no longer reproduces (the recording comes from another ccxt
# version). The adapter must give ccxt 4.5.90's value, and each entry is asserted to still differ from the
# recording, so it goes once they agree again.
KNOWN_DIFFERENCES: dict[tuple[str, str], dict[str, str]] = {
    ("deribit", "public spot ticker"): {
        "baseVolume": "4.5.90 reads stats.volume (25.9035) as the base volume; the recording has none",
        "quoteVolume": "4.5.90 reads stats.volume_notional; the recording has stats.volume",
        "vwap": "4.5.90 derives it from the two volumes; the recording has none",
    },
    ("indodax", "public pair precision, fees, and minimums"): {
        "precision.price": "4.5.90 takes price_round (8 places); the recording, api/price_increments (1000)",
        "limits.price.min": "4.5.90 reads trade_min_base_currency as a price minimum, the recording as cost",
        "limits.cost.min": "see limits.price.min",
    },
    ("indodax", "price increment wins when it disagrees with pricescale"): {
        "precision.amount": "4.5.90 reads volume_precision as places (8); the recording, quantity_increment",
        "limits.price.min": "4.5.90 reads trade_min_base_currency as a price minimum, the recording as cost",
        "limits.cost.min": "see limits.price.min",
    },
    ("hitbtc", "public spot ticker"): {
        "average": "4.5.90 divides (open + last) / 2 to the inputs' 2 decimals: 72780.11, not 72780.115",
    },
}

# Recordings ccxt 4.5.90 cannot read at all: the case must fail, and is expected to.
BITHUMB_V1 = (
    "recorded when bithumb's /v1 answers came wrapped in {status, data}; ccxt 4.5.90 reads the bare array "
    "the /v1 API returns, so its parser fails on the markets and finds no ticker fields"
)
KNOWN_INCOMPATIBLE: dict[tuple[str, str], tuple[str, type[Exception]]] = {
    ("bithumb", "fetchMarkets"): (BITHUMB_V1, UpstreamDecodeError),
    ("bithumb", "fetchTicker"): (BITHUMB_V1, AssertionError),
}


def _markets_source(f: Fixture) -> str | None:
    if f.exchange in ENDPOINTS:
        return "endpoints"
    if f.of("fetchMarkets") and (f.exchange, "fetchMarkets") not in KNOWN_INCOMPATIBLE:
        return "recorded"
    if f.markets:
        return "seed"
    return None


def _recorded_routes(case: Case) -> list[Route]:
    return [(fragment, bytes(body)) for fragment, body in case.httpResponseByUrl.items()]


def _market_routes(f: Fixture) -> list[Route]:
    if f.exchange in ENDPOINTS:
        return ENDPOINTS[f.exchange](f)
    routes: list[Route] = []
    for case in f.of("fetchMarkets")[-1:]:  # the last case: its markets are the ones the tickers use
        routes += _recorded_routes(case)
        if case.httpResponse:
            routes.append(("", bytes(case.httpResponse)))  # any URL: the venue's single markets answer
    return routes


# --- ccxt's comparison rules ----------------------------------------------------------------------------


def same(ours: Any, recorded: Any) -> bool:
    """ccxt's rule for one value: empty equals null, numbers by value, anything else by equality."""
    if recorded in (None, "") or ours is None:
        return recorded in (None, "") and ours is None
    if isinstance(ours, Decimal | int) and not isinstance(ours, bool):
        try:
            expected = Decimal(str(recorded))
        except ArithmeticError:
            return False
        # ccxt parses both sides to doubles: a stored double equals our exact value if that rounds to it
        return Decimal(ours) == expected or float(ours) == float(expected)
    return bool(ours == recorded)


TICKER_KEYS: dict[str, Callable[[Ticker], Any]] = {
    "symbol": lambda t: t.symbol,
    "timestamp": lambda t: t.timestamp,
    "datetime": lambda t: iso8601(t.timestamp),
    "bid": lambda t: t.bid,
    "bidVolume": lambda t: t.bid_volume,
    "ask": lambda t: t.ask,
    "askVolume": lambda t: t.ask_volume,
    "last": lambda t: t.last,
    "open": lambda t: t.open,
    "high": lambda t: t.high,
    "low": lambda t: t.low,
    "close": lambda t: t.close,
    "previousClose": lambda t: t.previous_close,
    "baseVolume": lambda t: t.base_volume,
    "quoteVolume": lambda t: t.quote_volume,
    "change": lambda t: t.change,
    "percentage": lambda t: t.percentage,
    "vwap": lambda t: t.vwap,
    "average": lambda t: t.average,
}


def differences(
    exchange_id: str, description: str, ours: dict[str, Any], recorded: dict[str, Any], skip: list[str]
) -> dict[str, tuple[Any, Any]]:
    """Keys whose values differ, after skipKeys; known version differences are checked apart."""
    known = KNOWN_DIFFERENCES.get((exchange_id, description), {})
    diff = {}
    for key, value in ours.items():
        if key in skip:
            continue
        if key in known:
            assert not same(value, recorded.get(key)), f"{key} now matches: drop it from KNOWN_DIFFERENCES"
            continue
        if not same(value, recorded.get(key)):
            diff[key] = (value, recorded.get(key))
    return diff


def ticker_values(ticker: Ticker) -> dict[str, Any]:
    return {key: read(ticker) for key, read in TICKER_KEYS.items()}


def market_values(market: Market, precision_mode: int) -> dict[str, Any]:
    values: dict[str, Any] = {
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
    }
    if precision_mode != SIGNIFICANT_DIGITS:  # no tick size exists for those: checked apart
        values["precision.price"] = market.precision.price
        values["precision.amount"] = market.precision.amount
    for name in ("amount", "price", "cost"):
        bounds = getattr(market.limits, name)
        values[f"limits.{name}.min"] = bounds.min
        values[f"limits.{name}.max"] = bounds.max
    return values


def flat_market(recorded: dict[str, Any]) -> dict[str, Any]:
    flat = dict(recorded)
    for group in ("precision", "limits"):
        for key, value in (recorded.get(group) or {}).items():
            if isinstance(value, dict):
                for bound, number in value.items():
                    flat[f"{group}.{key}.{bound}"] = number
            else:
                flat[f"{group}.{key}"] = value
    return flat


def check_markets(
    adapter: CcxtAdapter, f: Fixture, description: str, ours: list[Market], recorded: list[dict[str, Any]]
) -> None:
    by_symbol = {m.symbol: m for m in ours}
    assert sorted(by_symbol) == sorted(m["symbol"] for m in recorded)
    mode = adapter.exchange.precisionMode
    for expected in recorded:
        market = by_symbol[expected["symbol"]]
        assert (market.info is None) is (
            expected.get("info") is None
        )  # the raw entry; its values are skipped
        # ccxt says active None when the venue does not tell; a listed market is tradable for us
        assert market.active is (expected.get("active") is not False)
        if mode == SIGNIFICANT_DIGITS:
            assert market.precision.price is None and market.precision.amount is None
        values = market_values(market, mode)
        diff = differences(f.exchange, description, values, flat_market(expected), f.skipKeys)
        assert not diff, f"{expected['symbol']}: {diff}"


# --- the cases ------------------------------------------------------------------------------------------


def _param(exchange_id: str, case: Case) -> Any:
    known = KNOWN_INCOMPATIBLE.get((exchange_id, case.method))
    marks = [pytest.mark.xfail(strict=True, reason=known[0], raises=known[1])] if known else []
    return pytest.param(exchange_id, case.description, id=f"{exchange_id}-{case.description}", marks=marks)


def _ticker_cases() -> list[Any]:
    return [_param(i, case) for i in fixture_ids() for case in load_fixture(i).of("fetchTicker")]


def _markets_cases() -> list[Any]:
    params = []
    for exchange_id in fixture_ids():
        f = load_fixture(exchange_id)
        for case in f.of("fetchMarkets"):
            params.append(_param(exchange_id, case))
        if exchange_id in ENDPOINTS:
            params.append(pytest.param(exchange_id, "markets file", id=f"{exchange_id}-markets-file"))
    return params


async def _load_markets(adapter: CcxtAdapter, f: Fixture, how: str) -> list[Market]:
    if how == "seed":
        return adapter.set_markets(f.unified_markets())
    return await adapter.fetch_markets()


@pytest.mark.parametrize(("exchange_id", "description"), _ticker_cases())
async def test_ticker_equals_recording(exchange_id: str, description: str) -> None:
    f = load_fixture(exchange_id)
    (case,) = [c for c in f.of("fetchTicker") if c.description == description]
    how = _markets_source(f)
    if how is None:
        pytest.skip(f"{exchange_id}: no recorded markets (no markets file, no fetchMarkets case)")
    (symbol,) = case.args()[:1]
    upstream = Upstream(_market_routes(f) + _recorded_routes(case), fallback=bytes(case.httpResponse) or None)
    async with ccxt_adapter(exchange_id, upstream) as adapter:
        markets = {m.symbol: m for m in await _load_markets(adapter, f, how)}
        if symbol not in markets:
            pytest.skip(f"{exchange_id}: {symbol} is not among the recorded markets ({', '.join(markets)})")
        ticker = await adapter.fetch_ticker(markets[symbol])
    assert ticker.exchange_id == exchange_id
    assert ticker.info is not None
    diff = differences(exchange_id, description, ticker_values(ticker), case.parsed(), f.skipKeys)
    assert not diff, diff
    assert upstream.requests and all(r.url.host == "upstream.test" for r in upstream.requests), UPSTREAM

    # ccxt 4.5.90 alone (floats, its own JSON parsing) on the same recordings agrees with the adapter.
    async with ccxt_oracle(exchange_id, upstream) as oracle:
        if how == "seed":
            oracle.set_markets(json.loads(b"[" + b",".join(bytes(m) for m in f.markets.values()) + b"]"))
        expected = await oracle.fetch_ticker(symbol)
    ours = ticker_values(ticker)
    del ours["datetime"]  # ours is derived from the timestamp; ccxt may keep the venue's own text
    assert not {k: (v, expected.get(k)) for k, v in ours.items() if not same(v, expected.get(k))}


@pytest.mark.parametrize(("exchange_id", "description"), _markets_cases())
async def test_markets_equal_recording(exchange_id: str, description: str) -> None:
    f = load_fixture(exchange_id)
    if description == "markets file":
        routes, recorded = ENDPOINTS[exchange_id](f), list(f.unified_markets().values())
    else:
        (case,) = [c for c in f.of("fetchMarkets") if c.description == description]
        routes, recorded = _recorded_routes(case), case.parsed()
        if case.httpResponse:
            routes.append(("", bytes(case.httpResponse)))
    upstream = Upstream(routes)
    async with ccxt_adapter(exchange_id, upstream) as adapter:
        markets = await adapter.fetch_markets()
        check_markets(adapter, f, description, markets, recorded)
        mode = adapter.exchange.precisionMode
    assert set(MarketIndex.of(markets).by_symbol) == {m["symbol"] for m in recorded}

    # ccxt 4.5.90 alone on the same recordings agrees with the adapter, market by market.
    async with ccxt_oracle(exchange_id, upstream) as oracle:
        expected = await oracle.load_markets()
    for market in markets:
        oracle_market = flat_market(expected[market.symbol])
        values = market_values(market, mode).items()
        assert not {k: (v, oracle_market.get(k)) for k, v in values if not same(v, oracle_market.get(k))}


@pytest.mark.parametrize("exchange_id", [i for i in fixture_ids() if load_fixture(i).markets])
async def test_seeded_markets_convert(exchange_id: str) -> None:
    """markets/<id>.json given to ccxt (set_markets) comes out as Markets with the same values."""
    f = load_fixture(exchange_id)
    upstream = Upstream()
    async with ccxt_adapter(exchange_id, upstream) as adapter:
        markets = adapter.set_markets(f.unified_markets())
        check_markets(adapter, f, "markets file", markets, list(f.unified_markets().values()))
    assert upstream.requests == []  # seeding asks the venue nothing
