"""Build src/exchangeql/data/catalog.json from the seed exchange table.

    python tools/build_catalog.py                  # regenerate the shipped catalogue
    python tools/build_catalog.py --check          # exit 1 if the committed file is stale

The input is the seed table (seed_id, name, seed_api_version, api_docs_2019, status, current_id,
successor, last_ccxt_release, evidence). Every decision the table leaves open is written down below, next
to its reason; the rules themselves are documented in src/exchangeql/exchanges/catalog.py.
No network and no ccxt needed: tests/exchanges/test_catalog.py checks the result against ccxt 4.5.90.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TSV = ROOT / "tests" / "fixtures" / "seed-exchanges.tsv"
SHARED_TSV = Path("/work/shared/exchanges/seed-exchanges.tsv")
OUT = ROOT / "src" / "exchangeql" / "data" / "catalog.json"

CCXT_VERSION = "4.5.90"  # the ccxt release the seed table's "active" column was checked against
COLUMNS = (
    "seed_id",
    "name",
    "seed_api_version",
    "api_docs_2019",
    "status",
    "current_id",
    "successor",
    "last_ccxt_release",
    "evidence",
)

# Seed status -> catalogue status. `renamed` has no automatic answer: see RENAMED.
ACTIVE, CLOSED, UNSUPPORTED, UNVERIFIED = "active", "closed", "unsupported", "unverified"
STATUS = {
    "active": ACTIVE,
    "active-renamed": ACTIVE,
    "closed": CLOSED,
    "alive-not-in-ccxt": UNSUPPORTED,
    "unverified": UNVERIFIED,
}

# `renamed` rows: none of the four renamed venues is served by ccxt 4.5.90 under any id, so none is
# an alias of an ACTIVE entry; each keeps its own entry, with the status its evidence supports.
RENAMED = {
    # BitBay became Zonda (Nov 2021); Zonda paused withdrawals and went into liquidation (Apr 2026).
    "bitbay": CLOSED,
    # BitMax became AscendEX (Apr 2021); ccxt delisted ascendex in Jul 2026 amid withdrawal-delay
    # reports while XChange still rated it active in May 2026: no evidence of closure, none of health.
    "bitmax": UNVERIFIED,
    # Coinfloor itself closed (Oct 2021); its users moved to a different company, CoinCorner.
    "coinfloor": CLOSED,
    # itBit is Paxos' exchange, still operating behind the Paxos v2 API, which no engine here speaks.
    "itbit": UNSUPPORTED,
}

# Former ccxt ids of the same venue that the seed table names in its successor column. They are the
# same exchange under a later name, so they resolve to that entry (and are not its successor).
EXTRA_ALIASES = {
    "okcoin": "okxus",  # okcoinusd -> okcoin (2020) -> OKX US (May 2025)
    "zonda": "bitbay",  # BitBay -> Zonda rebrand
    "ascendex": "bitmax",  # BitMax -> AscendEX rebrand
}

# Ids served by the gateway that are not seed ids. Names of the ccxt ones are ccxt 4.5.90's display
# names (the test suite compares them with ccxt).
GATEWAY_ENTRIES = {
    "paper": ("Paper (simulated)", "Built-in simulated exchange: no upstream venue, works offline."),
    "okx": ("OKX", None),
    "htx": ("HTX", None),
    "gate": ("Gate", None),
    "coinbaseexchange": ("Coinbase Exchange", None),
    "okxus": ("OKX (US)", None),
}

_ID = re.compile(r"^[a-z0-9_]+$")
_LEADING_NAME = re.compile(r"^([A-Za-z0-9_]+)")


@dataclass
class Seed:
    seed_id: str
    name: str
    api_version: str
    docs_url: str | None
    seed_status: str
    status: str
    current_id: str | None
    successor_note: str | None
    last_ccxt_release: str | None
    notes: str | None
    entry: str = ""
    successor: str | None = None


def _opt(value: str) -> str | None:
    return value or None


def read_seeds(path: Path) -> list[Seed]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = tuple(next(reader))
        if header != COLUMNS:
            raise SystemExit(f"unexpected header {header}")
        seeds = []
        for row in reader:
            if len(row) != len(COLUMNS):
                raise SystemExit(f"row {row[:1]} has {len(row)} columns")
            r = dict(zip(COLUMNS, row, strict=True))
            raw = r["status"]
            status = RENAMED[r["seed_id"]] if raw == "renamed" else STATUS[raw]
            seeds.append(
                Seed(
                    seed_id=r["seed_id"],
                    name=r["name"],
                    api_version=r["seed_api_version"],
                    docs_url=_opt(r["api_docs_2019"]),
                    seed_status=raw,
                    status=status,
                    current_id=_opt(r["current_id"]),
                    successor_note=_opt(r["successor"]),
                    last_ccxt_release=_opt(r["last_ccxt_release"]),
                    notes=_opt(r["evidence"]),
                )
            )
    return seeds


def _validate(seeds: list[Seed]) -> None:
    ids = [s.seed_id for s in seeds]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate seed ids")
    renamed = {s.seed_id for s in seeds if s.seed_status == "renamed"}
    if renamed != set(RENAMED):
        raise SystemExit(f"renamed rows changed: {sorted(renamed)} vs decisions {sorted(RENAMED)}")
    for s in seeds:
        if not _ID.match(s.seed_id):
            raise SystemExit(f"seed id {s.seed_id!r} is not a lower-case id")
        if s.seed_status == "active" and s.current_id != s.seed_id:
            raise SystemExit(f"{s.seed_id}: active but current_id is {s.current_id!r}")
        if s.seed_status == "active-renamed" and s.current_id in (None, s.seed_id):
            raise SystemExit(f"{s.seed_id}: active-renamed needs another current_id")
        if s.status != ACTIVE and s.current_id is not None:
            raise SystemExit(f"{s.seed_id}: {s.seed_status} row with a current_id")


def _api_rank(version: str) -> float:
    try:
        return float(version)
    except ValueError:  # "*" = version not stated
        return -1.0


def build(seeds: list[Seed], source_sha256: str) -> dict[str, object]:
    _validate(seeds)
    by_id = {s.seed_id: s for s in seeds}
    groups: dict[str, list[Seed]] = {}
    for s in seeds:
        s.entry = s.current_id if s.status == ACTIVE and s.current_id else s.seed_id
        groups.setdefault(s.entry, []).append(s)

    missing = sorted(set(groups) - set(by_id) - set(GATEWAY_ENTRIES))
    if missing:
        raise SystemExit(f"current ids without a seed row or a GATEWAY_ENTRIES name: {missing}")

    entry_ids = sorted(set(groups) | set(GATEWAY_ENTRIES))
    lookup: dict[str, str] = {}
    for entry_id in entry_ids:
        for key in [entry_id, *(s.seed_id for s in groups.get(entry_id, ()))]:
            if lookup.setdefault(key, entry_id) != entry_id:
                raise SystemExit(f"{key} resolves to two entries")
    for alias, target in EXTRA_ALIASES.items():
        if alias in lookup or target not in entry_ids:
            raise SystemExit(f"alias {alias} -> {target} collides or has no target")
        lookup[alias] = target

    # A successor is an id the catalogue resolves, named plainly (not in parentheses: the table uses
    # parentheses for commentary) by a row that is not ACTIVE, and that is a different venue.
    for s in seeds:
        note = s.successor_note
        if s.status == ACTIVE or note is None or note.startswith("("):
            continue
        match = _LEADING_NAME.match(note)
        successor = lookup.get(match.group(1).lower()) if match else None
        if successor is not None and successor != s.entry:
            s.successor = successor

    entries: list[dict[str, object]] = []
    for entry_id in entry_ids:
        members = groups.get(entry_id, [])
        own = by_id.get(entry_id)
        if own is not None and own.entry == entry_id:
            primary: Seed | None = own
            name = own.name
        else:
            primary = members[0] if members else None
            name = GATEWAY_ENTRIES[entry_id][0]
        if primary is None:  # a built-in with no seed row
            entries.append(
                {
                    "id": entry_id,
                    "name": name,
                    "status": ACTIVE,
                    "successor": None,
                    "successor_note": None,
                    "notes": GATEWAY_ENTRIES[entry_id][1],
                    "seed_ids": [],
                    "aliases": [],
                    "last_ccxt_release": None,
                    "docs_url": None,
                }
            )
            continue
        active = primary.status == ACTIVE
        # Docs of the newest API version among the seed rows (bitfinex2's v2 docs for bitfinex).
        newest = max(members, key=lambda s: (_api_rank(s.api_version), s is primary))
        notes = [primary.notes] if own is not None else list(dict.fromkeys(s.notes for s in members))
        release = primary.last_ccxt_release
        if active and own is None:  # e.g. okx: the seed rows' release is the seed id's, not okx's
            release = f"{CCXT_VERSION} (current)"
        seed_ids = sorted(s.seed_id for s in members)
        aliases = sorted(k for k, v in lookup.items() if v == entry_id and k != entry_id)
        entries.append(
            {
                "id": entry_id,
                "name": name,
                "status": primary.status,
                "successor": primary.successor,
                "successor_note": None if active else primary.successor_note,
                "notes": " | ".join(n for n in notes if n) or None,
                "seed_ids": seed_ids,
                "aliases": aliases,
                "last_ccxt_release": release,
                "docs_url": newest.docs_url,
            }
        )

    seed_rows = [
        {
            "seed_id": s.seed_id,
            "name": s.name,
            "seed_api_version": s.api_version,
            "seed_status": s.seed_status,
            "status": s.status,
            "entry": s.entry,
            "current_id": s.current_id,
            "successor": s.successor,
            "successor_note": s.successor_note,
            "notes": s.notes,
            "last_ccxt_release": s.last_ccxt_release,
            "docs_url": s.docs_url,
        }
        for s in seeds
    ]
    return {
        "provenance": {
            "source": "seed-exchanges.tsv (/work/shared/exchanges, copied to tests/fixtures/)",
            "source_sha256": source_sha256,
            "generated_by": "tools/build_catalog.py",
            "ccxt_version": CCXT_VERSION,
        },
        "entries": entries,
        "seeds": seed_rows,
    }


def render(path: Path) -> str:
    catalog = build(read_seeds(path), hashlib.sha256(path.read_bytes()).hexdigest())
    return json.dumps(catalog, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    default = DEFAULT_TSV if DEFAULT_TSV.exists() else SHARED_TSV
    parser.add_argument("--tsv", type=Path, default=default)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="fail if --out differs from a fresh build")
    args = parser.parse_args(argv)
    text = render(args.tsv)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run python tools/build_catalog.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
