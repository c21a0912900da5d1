"""The conformance runner: our native adapters against ccxt's recorded cases (ccxt-static response files).

For each case of a response/<exchange>.json file, the native adapter is built on an httpx.MockTransport that
answers the markets endpoint from our recordings (data/replay/<id>.json) and every other request with the
case's recorded venue body. The adapter's result, converted to ccxt's unified shape, is compared with the
`parsedResponse` ccxt produced, by ccxt's rules: skipKeys and `info` skipped, numbers by value (a numeric
string equals its number), missing equals null equals empty.

Only the fields our domain models carry are compared: ccxt keys we do not model (fees, markPrice, ...) are
outside the contract.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from .clock import iso8601
from .exchanges.base import Adapter, AdapterSpec, Engine, Method, Support
from .models import Candle, Market, MarketIndex, MarketType, OrderBook, Ticker, Trade
from .settings import RateLimit, Settings
from .transport.client import VenueClient, build_http_client
from .transport.errors import ErrorTable
from .transport.ratelimit import TokenBucket
from .transport.replay import Recording, load_recordings, match_route
from .transport.retry import RetryPolicy

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

# ccxt's unified method name -> our method, for the methods native adapters implement today.
METHODS: Mapping[str, Method] = {
    "fetchMarkets": Method.FETCH_MARKETS,
    "fetchTicker": Method.FETCH_TICKER,
    "fetchTickers": Method.FETCH_TICKERS,
    "fetchOrderBook": Method.FETCH_ORDER_BOOK,
    "fetchTrades": Method.FETCH_TRADES,
    "fetchOHLCV": Method.FETCH_OHLCV,
}

# Where each method's `params` argument sits in ccxt's argument list.
_PARAMS_AT = {
    "fetchMarkets": 0,
    "fetchTicker": 1,
    "fetchTickers": 1,
    "fetchOrderBook": 2,
    "fetchTrades": 3,
    "fetchOHLCV": 4,
}


class _Case(msgspec.Struct, rename="camel"):
    description: str = ""
    input: list[Any] = []
    http_response: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    http_response_by_url: dict[str, msgspec.Raw] | None = None
    parsed_response: Any = None


class _ResponseFile(msgspec.Struct, rename="camel"):
    methods: dict[str, list[_Case]]
    skip_keys: list[str] | None = None


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class CaseResult:
    exchange: str
    method: str
    description: str
    outcome: Outcome
    reason: str = ""  # why skipped, or the exception of a failed case
    differences: tuple[str, ...] = ()

    def line(self) -> str:
        label = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.SKIPPED: "SKIP"}[self.outcome]
        head = f"{label} {self.exchange} {self.method} {json.dumps(self.description)}"
        detail = "; ".join(self.differences) if self.differences else self.reason
        return f"{head}: {detail}" if detail else head


@dataclass(frozen=True, slots=True)
class ConformanceReport:
    results: tuple[CaseResult, ...] = ()

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def passed(self) -> int:
        return self.count(Outcome.PASSED)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)

    @property
    def skipped(self) -> int:
        return self.count(Outcome.SKIPPED)

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"

    def as_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "results": [
                {
                    "exchange": r.exchange,
                    "method": r.method,
                    "description": r.description,
                    "outcome": r.outcome.value,
                    "reason": r.reason,
                    "differences": list(r.differences),
                }
                for r in self.results
            ],
        }


# --- comparison --------------------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimal(value: Any) -> Decimal | None:
    if _is_number(value) or isinstance(value, str):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _same_number(expected: Any, actual: Any) -> bool | None:
    """Numeric equality, or None when the pair is not two numbers (a numeric string counts as one)."""
    if not (_is_number(expected) or _is_number(actual)):
        return None
    left, right = _decimal(expected), _decimal(actual)
    if left is None or right is None:
        return None
    if isinstance(expected, float) or isinstance(actual, float):
        # A JSON number in a recorded file is a double: digits past double precision are not evidence.
        return float(left) == float(right)
    return left == right


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return str(value)
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def compare(expected: Any, actual: Any, skip_keys: Collection[str] = (), path: str = "") -> list[str]:
    """Differences between ccxt's `expected` and our `actual`, as "path: expected X got Y" lines.

    Dicts are compared over the keys of `actual`, which lists every field we model (null when unknown);
    keys in `skip_keys` and `info` are skipped at any depth. Lists compare element by element.
    """
    where = path or "result"
    if _is_empty(expected) and _is_empty(actual):
        return []
    if isinstance(actual, Mapping):
        if not isinstance(expected, Mapping):
            return [f"{where}: expected {_show(expected)} got an object"]
        differences: list[str] = []
        for key, value in actual.items():
            if key == "info" or key in skip_keys:
                continue
            differences += compare(expected.get(key), value, skip_keys, f"{path}.{key}" if path else str(key))
        return differences
    if isinstance(actual, list | tuple):
        if not isinstance(expected, list | tuple):
            return [f"{where}: expected {_show(expected)} got a list"]
        if len(expected) != len(actual):
            return [f"{where}: expected {len(expected)} items got {len(actual)}"]
        differences = []
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            differences += compare(left, right, skip_keys, f"{path}[{index}]")
        return differences
    same = _same_number(expected, actual)
    if same is None:
        same = type(expected) is type(actual) and expected == actual
    return [] if same else [f"{where}: expected {_show(expected)} got {_show(actual)}"]


def compare_keyed(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    skip_keys: Collection[str],
    served: Collection[str],
) -> list[str]:
    """Compare two symbol-keyed collections; expected symbols we do not serve natively are left out."""
    differences = [
        f"{symbol}: expected it, got nothing"
        for symbol in expected
        if symbol in served and symbol not in actual
    ]
    differences += [f"{symbol}: not expected, got it" for symbol in actual if symbol not in expected]
    for symbol, ours in actual.items():
        if symbol in expected:
            differences += compare(expected[symbol], ours, skip_keys, symbol)
    return differences


# --- our models in ccxt's unified shape -----------------------------------------------------------------


def ticker_dict(ticker: Ticker) -> dict[str, Any]:
    return {
        "symbol": ticker.symbol,
        "timestamp": ticker.timestamp,
        "datetime": iso8601(ticker.timestamp),
        "high": ticker.high,
        "low": ticker.low,
        "bid": ticker.bid,
        "bidVolume": ticker.bid_volume,
        "ask": ticker.ask,
        "askVolume": ticker.ask_volume,
        "vwap": ticker.vwap,
        "open": ticker.open,
        "close": ticker.close,
        "last": ticker.last,
        "previousClose": ticker.previous_close,
        "change": ticker.change,
        "percentage": ticker.percentage,
        "average": ticker.average,
        "baseVolume": ticker.base_volume,
        "quoteVolume": ticker.quote_volume,
    }


def order_book_dict(book: OrderBook) -> dict[str, Any]:
    return {
        "symbol": book.symbol,
        "bids": [[level.price, level.amount] for level in book.bids],
        "asks": [[level.price, level.amount] for level in book.asks],
        "timestamp": book.timestamp,
        "datetime": iso8601(book.timestamp),
        "nonce": book.nonce,
    }


def trade_dict(trade: Trade) -> dict[str, Any]:
    return {
        "id": trade.id,
        "timestamp": trade.timestamp,
        "datetime": iso8601(trade.timestamp),
        "symbol": trade.symbol,
        "side": trade.side.value if trade.side is not None else None,
        "price": trade.price,
        "amount": trade.amount,
        "cost": trade.cost,
        "order": trade.order,
        "takerOrMaker": trade.taker_or_maker,
    }


def candle_list(candle: Candle) -> list[Any]:
    return [candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume]


def market_dict(market: Market) -> dict[str, Any]:
    contract = market.type is not MarketType.SPOT
    limits = market.limits
    return {
        "id": market.id,
        "symbol": market.symbol,
        "base": market.base,
        "quote": market.quote,
        "settle": market.settle,
        "baseId": market.base_id,
        "quoteId": market.quote_id,
        "settleId": market.settle_id,
        "type": market.type.value,
        "spot": market.type is MarketType.SPOT,
        "swap": market.type is MarketType.SWAP,
        "future": market.type is MarketType.FUTURE,
        "option": market.type is MarketType.OPTION,
        "contract": contract,
        "linear": market.linear if contract else None,
        "inverse": (not market.linear) if contract and market.linear is not None else None,
        "active": market.active,
        "contractSize": market.contract_size,
        "expiry": market.expiry,
        "expiryDatetime": iso8601(market.expiry),
        "precision": {"amount": market.precision.amount, "price": market.precision.price},
        "limits": {
            "amount": {"min": limits.amount.min, "max": limits.amount.max},
            "price": {"min": limits.price.min, "max": limits.price.max},
            "cost": {"min": limits.cost.min, "max": limits.cost.max},
        },
    }


# --- running cases --------------------------------------------------------------------------------------


class _Skip(Exception):
    """The case cannot be run natively; the message says why."""


def _arg(args: Sequence[Any], index: int) -> Any:
    return args[index] if len(args) > index else None


def _case_body(case: _Case, url: str) -> bytes | None:
    if case.http_response_by_url is not None:
        fragments = [fragment for fragment in case.http_response_by_url if fragment in url]
        if not fragments:
            return None
        return bytes(case.http_response_by_url[max(fragments, key=len)])
    return bytes(case.http_response) if len(case.http_response) else None


class _Phase(StrEnum):
    MARKETS = "markets"  # loading markets: everything from the recording
    CASE = "case"  # the case's call: the markets endpoint from the recording, the rest from the case
    CASE_ONLY = "case_only"  # a fetchMarkets case: everything from the case


@dataclass(slots=True)
class _Upstream:
    """The MockTransport handler: the recorded markets, then the case's venue answer."""

    recording: Recording
    case: _Case
    phase: _Phase = _Phase.MARKETS

    def __call__(self, request: httpx.Request) -> httpx.Response:
        route = None
        if self.phase is not _Phase.CASE_ONLY:
            routes = self.recording.routes
            if self.phase is _Phase.CASE:
                routes = [route for route in routes if route.fetch == "fetchMarkets"]
            query = dict(request.url.params.multi_items())
            route = match_route(routes, request.method, request.url.path, query)
        if route is not None:
            return httpx.Response(route.status, content=bytes(route.body), request=request)
        body = None if self.phase is _Phase.MARKETS else _case_body(self.case, str(request.url))
        if body is None:
            return httpx.Response(404, content=bytes(self.recording.error_body), request=request)
        return httpx.Response(
            200, content=body, headers={"content-type": "application/json"}, request=request
        )


# Response files recorded from another API version than the one our native adapter speaks.
OTHER_API_FILES: Mapping[str, str] = {
    "bitfinex": "API v1 payloads; the native bitfinex adapter speaks API v2 (recorded in bitfinex2.json)",
}

# Recorded expectations produced by another ccxt version than 4.5.90, our oracle: ccxt 4.5.90 itself no
# longer gives them from the same payload (each adapter's differential test shows that, field by field).
# These keys of these cases are not compared; tests/test_conformance.py asserts that they still differ.
STALE_EXPECTATIONS: Mapping[tuple[str, str, str], Mapping[str, str]] = {
    ("kraken", "fetchTicker", "public spot ticker"): {
        "bidVolume": "4.5.90 reads the lot volume at the best bid (b[2]); the recording's ccxt gave none",
        "askVolume": "4.5.90 reads the lot volume at the best ask (a[2]); the recording's ccxt gave none",
    },
    ("bitfinex", "fetchTicker", "public spot ticker"): {
        "bidVolume": "4.5.90 leaves it null; the recording's ccxt read BID_SIZE (a sum of 25 levels)",
        "askVolume": "4.5.90 leaves it null; the recording's ccxt read ASK_SIZE (a sum of 25 levels)",
        "average": "4.5.90 computes (open + last) / 2; the recording's ccxt did not",
    },
}


def _native_spec(exchange: str) -> AdapterSpec | None:
    """The native adapter for a response file's exchange: by current id, seed id or alias (bitfinex2)."""
    from .exchanges.catalog import load_catalog
    from .exchanges.registry import NATIVE_SPECS

    entry = load_catalog().resolve(exchange)
    spec = NATIVE_SPECS.get(entry.id if entry is not None else exchange)
    return spec if spec is not None and spec.engine is Engine.NATIVE else None


def _client(spec: AdapterSpec, handler: Callable[[httpx.Request], httpx.Response]) -> VenueClient:
    return VenueClient(
        spec.id,
        build_http_client(httpx.MockTransport(handler)),
        errors=spec.errors or ErrorTable(spec.id),
        limiter=TokenBucket(spec.id, RateLimit(1e9, 1)),
        retry=RetryPolicy(attempts=1),  # a recorded answer does not change on a second try
    )


async def _run_case(
    spec: AdapterSpec, recording: Recording, method_name: str, case: _Case, skip_keys: Collection[str]
) -> list[str]:
    """The differences for one case; raises _Skip when the case is outside what we serve natively."""
    params = _arg(case.input, _PARAMS_AT[method_name])
    if isinstance(params, dict) and params:
        raise _Skip(f"params not supported natively: {', '.join(sorted(params))}")
    upstream = _Upstream(recording, case)
    client = _client(spec, upstream)
    adapter: Adapter = spec.factory(client, Settings())
    try:
        if adapter.capabilities.get(METHODS[method_name], Support.NONE) is Support.NONE:
            raise _Skip("not implemented natively")
        if method_name == "fetchMarkets":
            upstream.phase = _Phase.CASE_ONLY
            markets = await adapter.fetch_markets()
            expected = {m["symbol"]: m for m in case.parsed_response or [] if isinstance(m, dict)}
            ours = {m.symbol: market_dict(m) for m in markets}
            return compare_keyed(expected, ours, skip_keys, served=expected)
        index = MarketIndex.of(await adapter.fetch_markets())
        upstream.phase = _Phase.CASE
        return await _call(adapter, index, method_name, case, skip_keys)
    finally:
        await adapter.close()
        await client.http.aclose()


def _market(index: MarketIndex, symbol: Any) -> Market:
    market = index.by_symbol.get(symbol) if isinstance(symbol, str) else None
    if market is None:
        raise _Skip(f"market not served natively: {symbol}")
    return market


async def _call(
    adapter: Adapter, index: MarketIndex, method_name: str, case: _Case, skip_keys: Collection[str]
) -> list[str]:
    args, expected = case.input, case.parsed_response
    if method_name == "fetchTickers":
        symbols = _arg(args, 0)
        markets = [_market(index, s) for s in symbols] if symbols else None
        tickers = await adapter.fetch_tickers(index, markets)
        ours = {t.symbol: ticker_dict(t) for t in tickers}
        return compare_keyed(expected if isinstance(expected, dict) else {}, ours, skip_keys, index.by_symbol)
    market = _market(index, _arg(args, 0))
    actual: Any
    if method_name == "fetchTicker":
        actual = ticker_dict(await adapter.fetch_ticker(market))
    elif method_name == "fetchOrderBook":
        actual = order_book_dict(await adapter.fetch_order_book(market, _arg(args, 1)))
        expected = _price_and_amount(expected)
    elif method_name == "fetchTrades":
        actual = [trade_dict(t) for t in await adapter.fetch_trades(market, _arg(args, 2))]
    else:  # fetchOHLCV
        timeframe = _arg(args, 1) or "1m"
        if timeframe not in adapter.timeframes:
            raise _Skip(f"timeframe {timeframe} not offered natively")
        candles = await adapter.fetch_ohlcv(market, timeframe, _arg(args, 2), _arg(args, 3))
        actual = [candle_list(c) for c in candles]
    return compare(expected, actual, skip_keys)


def _price_and_amount(book: Any) -> Any:
    """ccxt appends an optional count or id to each level; OrderBookLevel models price and amount only."""
    if not isinstance(book, Mapping):
        return book
    return {**book, **{side: [level[:2] for level in book.get(side) or []] for side in ("bids", "asks")}}


async def run_conformance_async(
    paths: Sequence[Path], recordings_dir: Path | Traversable | None = None
) -> ConformanceReport:
    recordings = load_recordings(recordings_dir)
    results: list[CaseResult] = []
    for path in paths:
        exchange = path.stem  # the file's own "exchange" field is sometimes stale
        data = msgspec.json.decode(path.read_bytes(), type=_ResponseFile)
        skip_keys = frozenset(data.skip_keys or ())
        spec = _native_spec(exchange)
        for method_name, cases in data.methods.items():
            for case in cases:
                result = CaseResult(exchange, method_name, case.description, Outcome.PASSED)
                try:
                    if exchange in OTHER_API_FILES:
                        raise _Skip(OTHER_API_FILES[exchange])
                    if spec is None:
                        raise _Skip(f"no native adapter for {exchange}")
                    if method_name not in METHODS:
                        raise _Skip("not implemented natively")
                    recording = recordings.get(spec.id)
                    if recording is None or not any(r.fetch == "fetchMarkets" for r in recording.routes):
                        raise _Skip(f"no recorded markets for {spec.id} in data/replay")
                    stale = STALE_EXPECTATIONS.get((spec.id, method_name, case.description), {})
                    differences = await _run_case(spec, recording, method_name, case, skip_keys | set(stale))
                    if differences:
                        result = CaseResult(
                            exchange, method_name, case.description, Outcome.FAILED, "", tuple(differences)
                        )
                except _Skip as skip:
                    result = CaseResult(exchange, method_name, case.description, Outcome.SKIPPED, str(skip))
                except Exception as exc:  # one broken case must not end the run
                    reason = f"{type(exc).__name__}: {exc}"
                    result = CaseResult(exchange, method_name, case.description, Outcome.FAILED, reason)
                results.append(result)
    return ConformanceReport(tuple(results))


def run_conformance(paths: Sequence[Path], recordings_dir: Path | None = None) -> ConformanceReport:
    """Run every case of the given ccxt-static response files (outside a running event loop)."""
    return asyncio.run(run_conformance_async(paths, recordings_dir))


def main_conformance(argv: list[str]) -> int:
    """`exchangeql conformance FILE... [--json] [--verbose]`; exit 1 when a case failed."""
    parser = argparse.ArgumentParser(
        prog="exchangeql conformance", description="Check native adapters against ccxt's recorded cases."
    )
    parser.add_argument("files", nargs="+", type=Path, help="ccxt-static response/<exchange>.json files")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument("--verbose", action="store_true", help="also list passed and skipped cases")
    parser.add_argument(
        "--recordings", type=Path, default=None, help="recordings directory (default: bundled)"
    )
    args = parser.parse_args(argv)
    for path in args.files:
        if not path.is_file():
            parser.error(f"no such file: {path}")
    try:
        report = run_conformance(args.files, args.recordings)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        print(f"exchangeql conformance: unreadable input: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        for result in report.results:
            if result.outcome is Outcome.FAILED or args.verbose:
                print(result.line())
        print(report.summary())
    return 1 if report.failed else 0
