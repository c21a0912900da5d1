"""Scenario 4: the Binance all-symbols ticker payload through our parser and through ccxt's parse_tickers.

    python -m bench.parsing BUDGET_S RUNS  ->  one JSON object on stdout

There is no recorded all-symbols payload, so one is built from recordings: the recorded
GET /api/v3/ticker/24hr entry (tests/fixtures/ccxt-static/response/binance.json, fetchTicker case
"public spot ticker") is repeated 2,000 times, its `symbol` set in turn to each recorded spot market id
(tests/fixtures/ccxt-static/markets/binance.json, type "spot"), all other values as recorded. Both sides
get the same markets (ours: parse_markets of the recorded exchangeInfo entries; ccxt: its own parse_market
of the same entries) and parse all 2,000 entries: ours returns 2,000 tickers, ccxt parses each of them
and then keys its result by symbol.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt
import msgspec

from exchangeql.exchanges.binance import parsing
from exchangeql.exchanges.binance.schemas import ExchangeInfo, Ticker24hr
from exchangeql.models import MarketIndex, Ticker

from . import prototypes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "ccxt-static"
ENTRIES = 2000


def payload() -> tuple[bytes, list[dict[str, Any]], list[str]]:
    recorded = json.loads((FIXTURES / "response" / "binance.json").read_text())
    case = next(c for c in recorded["methods"]["fetchTicker"] if c["description"] == "public spot ticker")
    entry: dict[str, Any] = case["httpResponse"]
    markets = json.loads((FIXTURES / "markets" / "binance.json").read_text())
    infos = [m["info"] for m in markets.values() if m["type"] == "spot"]
    ids = [info["symbol"] for info in infos]
    entries = [dict(entry, symbol=ids[i % len(ids)]) for i in range(ENTRIES)]
    raw = json.dumps(entries, separators=(",", ":")).encode()
    return raw, infos, ids


def measure(fn: Callable[[], object], budget_s: float, minimum: int = 3) -> float:
    """Median wall time of one call, ms, over as many calls as fit in `budget_s` (at least `minimum`)."""
    times: list[float] = []
    end = time.perf_counter() + budget_s
    while (len(times) < minimum or time.perf_counter() < end) and len(times) < 10_000:
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main(argv: list[str]) -> int:
    budget_s, runs = float(argv[0]), int(argv[1])
    raw, infos, ids = payload()
    dicts = json.loads(raw)

    # The same decoder the adapter uses for this endpoint (endpoints.py: strict=False for numeric strings).
    decoder = msgspec.json.Decoder(list[Ticker24hr], strict=False)
    index = MarketIndex.of(
        parsing.parse_markets(msgspec.convert({"symbols": infos}, ExchangeInfo, strict=False))
    )
    structs = decoder.decode(raw)

    exchange = ccxt.binance()  # as users run it: numbers as floats
    exchange.options["crossMarginPairsData"] = []  # parse_market asks; it is a private endpoint
    exchange.options["isolatedMarginPairsData"] = []
    exchange.set_markets([exchange.parse_market(info) for info in infos])

    ours = parsing.parse_tickers(decoder.decode(raw), index)
    parsed_by_ccxt = 0
    original = exchange.parse_ticker

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal parsed_by_ccxt
        parsed_by_ccxt += 1
        return original(*args, **kwargs)

    exchange.parse_ticker = counting
    theirs = exchange.parse_tickers(dicts)
    exchange.parse_ticker = original
    btc = next(t for t in ours if t.symbol == "BTC/USDT")
    if (
        len(ours) != ENTRIES
        or parsed_by_ccxt != ENTRIES
        or Decimal(str(theirs["BTC/USDT"]["last"])) != btc.last
    ):
        raise SystemExit(f"parsers disagree: ours {len(ours)}, ccxt parsed {parsed_by_ccxt}")

    for name, proto in (
        ("struct", prototypes.struct_tickers(structs, index)),
        ("lazy", prototypes.lazy_tickers(raw, index)),
    ):
        if not prototypes.same_values(ours, proto):
            raise SystemExit(f"prototype {name} parses different values")

    sample = ours[0]
    fields = [getattr(sample, name) for name in Ticker.__dataclass_fields__]
    twin = msgspec.defstruct("TickerStruct", list(Ticker.__dataclass_fields__), frozen=True, gc=False)

    cases: dict[str, Callable[[], object]] = {
        "ours_bytes": lambda: parsing.parse_tickers(decoder.decode(raw), index),
        "ours_dicts": lambda: parsing.parse_tickers(
            msgspec.convert(dicts, list[Ticker24hr], strict=False), index
        ),
        "ours_structs": lambda: parsing.parse_tickers(structs, index),
        "ccxt_dicts": lambda: exchange.parse_tickers(dicts),
        "ccxt_bytes": lambda: exchange.parse_tickers(json.loads(raw)),
        "proto_struct": lambda: prototypes.struct_tickers(decoder.decode(raw), index),
        "proto_lazy": lambda: prototypes.lazy_tickers(raw, index),
        "decode_only": lambda: decoder.decode(raw),
        "ticker_models": lambda: [Ticker(*fields) for _ in range(ENTRIES)],
        "ticker_structs": lambda: [twin(*fields) for _ in range(ENTRIES)],
    }
    results: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(runs):
        for key, fn in cases.items():  # interleaved, so drift hits every case alike
            gc.collect()
            results[key].append(measure(fn, budget_s))
    out = {
        "ms": results,
        "setup": [
            f"Payload: {ENTRIES:,} entries, {len(raw):,} bytes. It is the recorded Binance "
            "`GET /api/v3/ticker/24hr` entry (tests/fixtures/ccxt-static/response/binance.json, fetchTicker "
            'case "public spot ticker"; its times and ids are numeric strings, as recorded) repeated '
            f"{ENTRIES:,} times with `symbol` set in turn to each of the {len(ids)} recorded spot market ids "
            f"({', '.join(ids)}; tests/fixtures/ccxt-static/markets/binance.json), every other value as "
            "recorded.",
            "Markets: ours from `parse_markets` of the same recorded exchangeInfo entries; ccxt's from its "
            "own "
            "`parse_market` of them (ccxt.binance(), default float numbers). Ours returns 2,000 tickers; "
            "ccxt "
            "parses all 2,000 (counted) and keys the result by symbol.",
            f"Timing: median wall time of one call over {budget_s:g} s of repeated calls, GC on, in one "
            f"process (bench/parsing.py); {runs} run{'s' if runs != 1 else ''}, cases interleaved.",
        ],
    }
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
