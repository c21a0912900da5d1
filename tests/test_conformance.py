"""The conformance runner: ccxt's comparison rules, and a run over ccxt's recorded binance cases."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from exchangeql.conformance import (
    OTHER_API_FILES,
    Outcome,
    compare,
    main_conformance,
    order_book_dict,
    run_conformance,
    ticker_dict,
)
from exchangeql.models import OrderBook, OrderBookLevel, Ticker

CCXT_STATIC = Path(__file__).parent / "fixtures" / "ccxt-static" / "response"
BINANCE = CCXT_STATIC / "binance.json"

# --- comparison rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (73369.84, Decimal("73369.84000000")),  # a number equals its numeric string's value
        (73369.84, "73369.84000000"),
        ("73369.84", Decimal("73369.840")),
        (42650, Decimal("42650.00")),
        (1e-08, Decimal("0.00000001")),
        # A recorded JSON number is a double: our exact value matches when it rounds to the same double.
        (5167027510.687287, Decimal("5167027510.68728707")),
        (1710328245391, 1710328245391),
        ("2024-03-13T11:10:45.391Z", "2024-03-13T11:10:45.391Z"),
        (True, True),
    ],
)
def test_equal_values(expected: Any, actual: Any) -> None:
    assert compare(expected, actual) == []


@pytest.mark.parametrize(
    ("expected", "actual", "difference"),
    [
        (72775.46, Decimal("72775.465"), "result: expected 72775.46 got 72775.465"),
        (1, Decimal("2"), "result: expected 1 got 2"),
        ("buy", "sell", 'result: expected "buy" got "sell"'),
        (True, 1, "result: expected true got 1"),
        ("abc", Decimal("1"), 'result: expected "abc" got 1'),
        (None, Decimal("1"), "result: expected null got 1"),
        (1, None, "result: expected 1 got null"),
    ],
)
def test_different_values(expected: Any, actual: Any, difference: str) -> None:
    assert compare(expected, actual) == [difference]


def test_missing_null_and_empty_are_the_same() -> None:
    assert compare({}, {"bid": None}) == []
    assert compare({"bid": None}, {"bid": ""}) == []
    assert compare({"fees": []}, {"fees": None}) == []
    assert compare(None, []) == []
    assert compare({"bid": 1}, {"bid": None}) == ["bid: expected 1 got null"]
    assert compare({}, {"bid": Decimal("1")}) == ["bid: expected null got 1"]


def test_only_the_fields_we_model_are_compared() -> None:
    expected = {"symbol": "BTC/USDT", "markPrice": 1, "fee": {"cost": 2}}
    assert compare(expected, {"symbol": "BTC/USDT"}) == []


def test_skip_keys_and_info_are_not_compared_at_any_depth() -> None:
    expected = {"last": 1, "nested": {"timestamp": 5, "bid": 2}, "info": {"a": 1}}
    actual = {"last": 1, "nested": {"timestamp": 6, "bid": 2}, "info": {"a": 2}}
    assert compare(expected, actual, skip_keys={"timestamp"}) == []
    assert compare(expected, actual) == ["nested.timestamp: expected 5 got 6"]


def test_lists_compare_by_length_then_element() -> None:
    assert compare([[1, 2]], [[Decimal("1"), Decimal("2")]]) == []
    assert compare([[1, 2]], [[Decimal("1"), Decimal("3")]]) == ["[0][1]: expected 2 got 3"]
    assert compare([1, 2], [1]) == ["result: expected 2 items got 1"]


def test_domain_models_in_ccxt_shape() -> None:
    ticker = Ticker(
        "binance", "BTC/USDT", 1710328245391, last=Decimal("73369.84"), bid_volume=Decimal("6.27")
    )
    shaped = ticker_dict(ticker)
    assert shaped["datetime"] == "2024-03-13T11:10:45.391Z"
    assert (shaped["last"], shaped["bidVolume"], shaped["vwap"]) == (
        Decimal("73369.84"),
        Decimal("6.27"),
        None,
    )
    book = OrderBook(
        "binance",
        "BTC/USDT",
        None,
        bids=(OrderBookLevel(Decimal("42574.3"), Decimal("0.0107")),),
        asks=(OrderBookLevel(Decimal("42574.31"), Decimal("0.0087")),),
        nonce=25445101,
    )
    assert order_book_dict(book) == {
        "symbol": "BTC/USDT",
        "bids": [[Decimal("42574.3"), Decimal("0.0107")]],
        "asks": [[Decimal("42574.31"), Decimal("0.0087")]],
        "timestamp": None,
        "datetime": None,
        "nonce": 25445101,
    }


# --- runs over recorded cases -------------------------------------------------------------------------


def binance_cases() -> int:
    data = json.loads(BINANCE.read_text())
    return sum(len(cases) for cases in data["methods"].values())


def test_binance_run_counts_every_case_and_our_methods_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code = main_conformance([str(BINANCE)])
    lines = capsys.readouterr().out.splitlines()
    report = run_conformance([BINANCE])
    print(lines[-1])  # the current pass rate, for the log
    assert lines[-1] == report.summary()
    assert report.passed + report.failed + report.skipped == binance_cases()
    assert code == (1 if report.failed else 0)
    outcomes = {(r.method, r.description): r for r in report.results}
    # Spot market data is what the native adapter serves: those cases run and pass.
    for key in [
        ("fetchOrderBook", "spot orderbook"),
        ("fetchTrades", "public spot trades"),
        ("fetchOHLCV", "Spot OHLCV with since and limit"),
    ]:
        assert outcomes[key].outcome is Outcome.PASSED, outcomes[key].line()
    assert outcomes[("fetchOrderBook", "swap orderbook")].reason.startswith("market not served natively")
    assert outcomes[("fetchOHLCV", "inverse index price")].reason == "params not supported natively: price"
    assert outcomes[("fetchBalance", "Spot balance")].reason == "not implemented natively"


def test_failing_lines_name_the_differing_keys(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_conformance([BINANCE])
    main_conformance([str(BINANCE)])
    lines = capsys.readouterr().out.splitlines()
    failures = [r for r in report.results if r.outcome is Outcome.FAILED]
    assert lines[:-1] == [r.line() for r in failures]
    for line in lines[:-1]:
        assert line.startswith("FAIL binance ")


def test_other_exchanges_are_skipped_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    bit2c = CCXT_STATIC / "bit2c.json"  # a ccxt-engine exchange: no native adapter
    code = main_conformance([str(bit2c), "--verbose"])
    lines = capsys.readouterr().out.splitlines()
    cases = sum(len(c) for c in json.loads(bit2c.read_text())["methods"].values())
    assert code == 0
    assert lines[-1] == f"0 passed, 0 failed, {cases} skipped"
    assert lines[0].startswith("SKIP bit2c ")
    assert lines[0].endswith(": no native adapter for bit2c")


def test_a_broken_case_fails_without_ending_the_run(tmp_path: Path) -> None:
    data = json.loads(BINANCE.read_text())
    data["methods"] = {
        "fetchTicker": [
            dict(data["methods"]["fetchTicker"][0], description="not a ticker", httpResponse=[1])
        ],
        "fetchTrades": data["methods"]["fetchTrades"],
    }
    broken = tmp_path / "binance.json"  # the exchange comes from the file name
    broken.write_text(json.dumps(data))
    report = run_conformance([broken])
    ticker, trades = report.results
    assert ticker.outcome is Outcome.FAILED
    assert ticker.reason.startswith("UpstreamDecodeError: ")
    assert trades.outcome is Outcome.PASSED
    assert report.summary() == "1 passed, 1 failed, 0 skipped"


def test_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    main_conformance([str(BINANCE), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] + report["failed"] + report["skipped"] == binance_cases()
    assert {"exchange", "method", "description", "outcome", "reason", "differences"} <= set(
        report["results"][0]
    )
    assert {r["exchange"] for r in report["results"]} == {"binance"}


def test_stale_expectations_still_differ_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each listed stale key must still differ from ccxt 4.5.90's answer (else the entry goes), and the
    listed keys must be the only differences of their case."""
    from exchangeql import conformance

    stale = dict(conformance.STALE_EXPECTATIONS)
    monkeypatch.setattr(conformance, "STALE_EXPECTATIONS", {})
    files = {"bitfinex": "bitfinex2"}  # bitfinex's v2 recordings
    for (exchange, method, description), keys in stale.items():
        report = run_conformance([CCXT_STATIC / f"{files.get(exchange, exchange)}.json"])
        [result] = [r for r in report.results if (r.method, r.description) == (method, description)]
        assert result.outcome is Outcome.FAILED, (exchange, method, description)
        assert {d.split(":")[0] for d in result.differences} == set(keys), result.differences


def _native_response_files() -> list[tuple[str, Path]]:
    from exchangeql.exchanges.base import Engine
    from exchangeql.exchanges.catalog import load_catalog
    from exchangeql.exchanges.registry import NATIVE_SPECS

    catalog = load_catalog()
    found = []
    for path in sorted(CCXT_STATIC.glob("*.json")):
        entry = catalog.resolve(path.stem)
        spec = NATIVE_SPECS.get(entry.id) if entry is not None else None
        if spec is not None and spec.engine is Engine.NATIVE and path.stem not in OTHER_API_FILES:
            found.append((spec.id, path))
    return found


@pytest.mark.parametrize(("exchange", "path"), _native_response_files(), ids=lambda v: getattr(v, "name", v))
def test_every_native_venue_passes_at_least_95_percent_of_its_implemented_cases(
    exchange: str, path: Path
) -> None:
    report = run_conformance([path])
    ran = report.passed + report.failed
    assert ran > 0, f"no case of {path.name} ran natively"
    assert report.passed / ran >= 0.95, [r.line() for r in report.results if r.outcome is Outcome.FAILED]
