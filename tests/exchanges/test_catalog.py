"""The exchange catalogue against the seed table it is built from, and against ccxt 4.5.90.

The seed table is tests/fixtures/seed-exchanges.tsv, a byte copy of /work/shared/exchanges/seed-exchanges.tsv
(the shared copy is used only when the fixture is missing, and compared with it when both exist).
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pytest

from exchangeql.errors import ErrorCode
from exchangeql.exchanges.catalog import (
    CatalogEntry,
    CatalogError,
    ExchangeStatus,
    load_catalog,
    parse_catalog,
    unavailable_error,
    unavailable_reason,
)

from ..conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
SEED_FIXTURE = FIXTURES / "seed-exchanges.tsv"
SEED_SHARED = Path("/work/shared/exchanges/seed-exchanges.tsv")
SHIPPED = ROOT / "src" / "exchangeql" / "data" / "catalog.json"

# The table's statuses in ours; `renamed` rows are decided one by one (see catalog.py's docstring).
STATUS = {
    "active": ExchangeStatus.ACTIVE,
    "active-renamed": ExchangeStatus.ACTIVE,
    "closed": ExchangeStatus.CLOSED,
    "alive-not-in-ccxt": ExchangeStatus.UNSUPPORTED,
    "unverified": ExchangeStatus.UNVERIFIED,
}
RENAMED = {
    "bitbay": ExchangeStatus.CLOSED,
    "bitmax": ExchangeStatus.UNVERIFIED,
    "coinfloor": ExchangeStatus.CLOSED,
    "itbit": ExchangeStatus.UNSUPPORTED,
}
ALIASES = {
    "okex": "okx",
    "okex3": "okx",
    "huobipro": "htx",
    "gateio": "gate",
    "coinbasepro": "coinbaseexchange",
    "bitfinex2": "bitfinex",
    "hitbtc2": "hitbtc",
    "bitstamp1": "bitstamp",
    "deribit2": "deribit",
    "okcoinusd": "okxus",
    "okcoin": "okxus",
    "zonda": "bitbay",
    "ascendex": "bitmax",
}


@cache
def seed_path() -> Path:
    for path in (SEED_FIXTURE, SEED_SHARED):
        if path.exists():
            return path
    pytest.skip(f"seed table not found at {SEED_FIXTURE} or {SEED_SHARED}")


@cache
def seed_rows() -> tuple[dict[str, str], ...]:
    with seed_path().open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def expected_status(row: dict[str, str]) -> ExchangeStatus:
    return RENAMED[row["seed_id"]] if row["status"] == "renamed" else STATUS[row["status"]]


def resolved(any_id: str) -> CatalogEntry:
    entry = load_catalog().resolve(any_id)
    assert entry is not None, any_id
    return entry


def test_seed_table_shape() -> None:
    rows = seed_rows()
    assert len(rows) == 124
    assert len({row["seed_id"] for row in rows}) == 124
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    assert counts == {
        "active": 38,
        "active-renamed": 10,
        "closed": 49,
        "alive-not-in-ccxt": 5,
        "renamed": 4,
        "unverified": 18,
    }
    assert {row["seed_id"] for row in rows if row["status"] == "renamed"} == set(RENAMED)


def test_fixture_is_a_copy_of_the_shared_table() -> None:
    if not (SEED_FIXTURE.exists() and SEED_SHARED.exists()):
        pytest.skip("needs both tests/fixtures/seed-exchanges.tsv and the shared table")
    assert SEED_FIXTURE.read_bytes() == SEED_SHARED.read_bytes()


def test_shipped_catalog_was_built_from_this_table() -> None:
    provenance = json.loads(SHIPPED.read_bytes())["provenance"]
    assert provenance["source_sha256"] == hashlib.sha256(seed_path().read_bytes()).hexdigest()
    assert provenance["ccxt_version"] == "4.5.90"


def test_shipped_catalog_is_what_the_build_script_produces() -> None:
    script = ROOT / "tools" / "build_catalog.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check", "--tsv", str(seed_path()), "--out", str(SHIPPED)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_seed_id_resolves_with_its_status() -> None:
    catalog = load_catalog()
    for row in seed_rows():
        entry = resolved(row["seed_id"])
        assert entry.status is expected_status(row), row["seed_id"]
        assert row["seed_id"] in entry.seed_ids
        seed = catalog.seeds[row["seed_id"]]
        assert (seed.name, seed.seed_status, seed.status) == (row["name"], row["status"], entry.status)
        assert seed.notes == (row["evidence"] or None)
        assert seed.docs_url == (row["api_docs_2019"] or None)
        assert seed.last_ccxt_release == (row["last_ccxt_release"] or None)
        assert seed.successor_note == (row["successor"] or None)
    assert len(catalog.seeds) == 124


def test_status_counts_over_seed_ids() -> None:
    counts: dict[ExchangeStatus, int] = {}
    for row in seed_rows():
        status = resolved(row["seed_id"]).status
        counts[status] = counts.get(status, 0) + 1
    assert counts == {
        ExchangeStatus.ACTIVE: 48,
        ExchangeStatus.CLOSED: 51,
        ExchangeStatus.UNSUPPORTED: 6,
        ExchangeStatus.UNVERIFIED: 19,
    }


def test_active_rows_resolve_to_their_current_id() -> None:
    active = [row for row in seed_rows() if row["status"] in ("active", "active-renamed")]
    assert len(active) == 48
    for row in active:
        entry = resolved(row["seed_id"])
        assert entry.status is ExchangeStatus.ACTIVE
        assert entry.id == row["current_id"], row["seed_id"]
        assert entry.successor is None


def test_non_active_rows_keep_their_own_entry() -> None:
    for row in seed_rows():
        if expected_status(row) is not ExchangeStatus.ACTIVE:
            entry = resolved(row["seed_id"])
            assert (entry.id, entry.seed_ids, entry.name) == (row["seed_id"], (row["seed_id"],), row["name"])
            assert entry.docs_url == row["api_docs_2019"]
            assert entry.last_ccxt_release == row["last_ccxt_release"]


@pytest.mark.parametrize(("alias", "canonical"), sorted(ALIASES.items()))
def test_alias_resolves(alias: str, canonical: str) -> None:
    entry = resolved(alias)
    assert entry.id == canonical
    assert alias in entry.aliases
    assert resolved(alias.upper()).id == canonical
    assert resolved(f" {alias.title()} ").id == canonical


def test_merged_entry_takes_the_newest_api_docs() -> None:
    assert resolved("bitfinex").docs_url == "https://docs.bitfinex.com/v2/docs/"
    assert resolved("okx").docs_url == "https://www.okex.com/docs/en/"
    assert resolved("okx").seed_ids == ("okex", "okex3")
    assert resolved("okx").name == "OKX"


def test_unknown_ids_do_not_resolve() -> None:
    catalog = load_catalog()
    assert catalog.resolve("nosuchexchange") is None
    assert catalog.resolve("") is None
    assert catalog.resolve("CoinCorner") is None  # a successor's name, not an id


def test_closed_entries_carry_the_evidence_verbatim() -> None:
    by_id = {row["seed_id"]: row for row in seed_rows()}
    closed = [e for e in load_catalog().entries.values() if e.status is ExchangeStatus.CLOSED]
    assert len(closed) == 51
    for entry in closed:
        assert entry.notes, entry.id
        assert entry.notes == by_id[entry.id]["evidence"]


def test_successors_resolve_to_entries() -> None:
    entries = load_catalog().entries
    successors = {e.id: e.successor for e in entries.values() if e.successor is not None}
    assert successors == {"binanceje": "binance", "huobiru": "htx"}
    for successor in successors.values():
        assert entries[successor].status is ExchangeStatus.ACTIVE
    # Free-text successors stay as notes: a name (CoinCorner), or commentary in parentheses.
    assert resolved("coinfloor").successor_note == "CoinCorner (not in ccxt)"
    assert resolved("okcoincny").successor is None
    assert resolved("okcoincny").successor_note == "(okcoin)"


def test_every_current_id_has_exactly_one_entry() -> None:
    catalog = load_catalog()
    current = {row["current_id"] for row in seed_rows() if row["current_id"]}
    assert current <= set(catalog.entries)
    for current_id in current:
        assert [e.id for e in catalog.entries.values() if e.id == current_id] == [current_id]
    assert {"paper", "okx", "htx", "gate", "coinbaseexchange", "okxus"} <= set(catalog.entries)
    # seed_ids partition the seed table: each seed id belongs to exactly one entry.
    owners = [s for e in catalog.entries.values() for s in e.seed_ids]
    assert sorted(owners) == sorted(row["seed_id"] for row in seed_rows())
    assert len(catalog.entries) == 120


def test_paper_is_a_built_in_active_entry() -> None:
    paper = resolved("paper")
    assert paper.status is ExchangeStatus.ACTIVE
    assert (paper.seed_ids, paper.aliases, paper.successor) == ((), (), None)


def test_active_ids_exist_in_ccxt_and_inactive_ones_do_not() -> None:
    ccxt = pytest.importorskip("ccxt")
    assert ccxt.__version__ == "4.5.90", "the catalogue was verified against ccxt 4.5.90; rebuild and recheck"
    served = set(ccxt.exchanges)
    entries = load_catalog().entries.values()
    active = {e.id for e in entries if e.status is ExchangeStatus.ACTIVE and e.seed_ids}
    assert len(active) == 43
    assert sorted(active - served) == []
    assert {e.id for e in entries if e.status is ExchangeStatus.ACTIVE and not e.seed_ids} == {"paper"}
    # Nothing the table calls closed, unsupported or unverified is served by ccxt under any of its ids.
    inactive = {key for e in entries if e.status is not ExchangeStatus.ACTIVE for key in (e.id, *e.aliases)}
    assert sorted(inactive & served) == []
    # Seed aliases of active venues are gone from ccxt: only the current id serves them.
    active_aliases = {a for e in entries if e.status is ExchangeStatus.ACTIVE for a in e.aliases}
    assert sorted(active_aliases & served) == []


def test_non_seed_entry_names_match_ccxt() -> None:
    ccxt = pytest.importorskip("ccxt")
    for current_id in ("okx", "htx", "gate", "coinbaseexchange", "okxus"):
        assert resolved(current_id).name == getattr(ccxt, current_id)().describe()["name"]


def test_unavailable_reason_for_a_closed_exchange_with_successor() -> None:
    entry = resolved("binanceje")
    reason = unavailable_reason(entry)
    assert reason == (
        "Binance Jersey (binanceje) has closed. Evidence: Binance Jersey closed in 2020; Binance global "
        "(binance) serves the same API family. Its successor is 'binance'."
    )
    error = unavailable_error(entry)
    assert (error.code, error.exchange, error.message) == (ErrorCode.EXCHANGE_CLOSED, "binanceje", reason)


def test_unavailable_reason_keeps_free_text_successor() -> None:
    reason = unavailable_reason(resolved("coinfloor"))
    assert reason.startswith("coinfloor (coinfloor) has closed. Evidence: Coinfloor closed Oct 2021")
    assert reason.endswith("Successor: CoinCorner (not in ccxt).")


def test_unavailable_reason_for_unsupported_and_unverified() -> None:
    itbit = resolved("itbit")
    assert unavailable_reason(itbit).startswith(
        "itBit (itbit) is still operating, but this gateway has no engine for it. Evidence: itBit is Paxos'"
    )
    assert unavailable_error(itbit).code is ErrorCode.NOT_SUPPORTED
    bitmax = resolved("ASCENDEX")
    reason = unavailable_reason(bitmax)
    assert reason.startswith(
        "BitMax (bitmax) is not served: whether it still operates could not be verified."
    )
    assert reason.endswith("Successor: ascendex (delisted from ccxt 4.5.63, Jul 2026).")
    assert unavailable_error(bitmax).code is ErrorCode.NOT_SUPPORTED


def _minimal(entries: list[dict[str, object]], seeds: list[dict[str, object]] | None = None) -> bytes:
    return json.dumps({"entries": entries, "seeds": seeds or []}).encode()


def test_parse_rejects_an_alias_claimed_by_two_entries() -> None:
    raw = _minimal(
        [
            {"id": "a", "name": "A", "status": "active", "aliases": ["x"]},
            {"id": "b", "name": "B", "status": "closed", "aliases": ["X"]},
        ]
    )
    with pytest.raises(CatalogError, match="X resolves to both a and b"):
        parse_catalog(raw)


def test_parse_rejects_a_dangling_successor() -> None:
    raw = _minimal([{"id": "a", "name": "A", "status": "closed", "successor": "gone"}])
    with pytest.raises(CatalogError, match="successor gone has no entry"):
        parse_catalog(raw)


def test_parse_rejects_a_seed_pointing_at_the_wrong_entry() -> None:
    seed = {"seed_id": "s", "name": "S", "seed_api_version": "1", "seed_status": "closed"}
    raw = _minimal(
        [
            {"id": "a", "name": "A", "status": "active", "seed_ids": ["s"], "aliases": ["s"]},
            {"id": "b", "name": "B", "status": "closed"},
        ],
        [{**seed, "status": "closed", "entry": "b"}],
    )
    with pytest.raises(CatalogError, match="seed s does not resolve to its entry b"):
        parse_catalog(raw)


def test_load_is_cached_and_cheap() -> None:
    assert load_catalog() is load_catalog()
    raw = SHIPPED.read_bytes()
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        parse_catalog(raw)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.020
