"""Regenerate src/exchangeql/data/ccxt_engine.json from the installed ccxt (pinned 4.5.90).

The gateway lists every ccxt-engine exchange with its capabilities, timeframes and rate limit at start-up
without importing ccxt (about 100 MiB); this table is that knowledge, read off ccxt once.
Run: .venv/bin/python tools/build_ccxt_table.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ccxt

from exchangeql.exchanges.ccxt_bridge import HAS_KEYS, support_of

TABLE = Path(__file__).parents[1] / "src" / "exchangeql" / "data" / "ccxt_engine.json"


def build() -> str:
    exchanges = {}
    for exchange_id in sorted(ccxt.exchanges):
        instance = getattr(ccxt, exchange_id)()
        exchanges[exchange_id] = {
            "rate_limit_ms": instance.rateLimit,
            "has": {
                method.value: support_of(instance.has.get(key)).value for method, key in HAS_KEYS.items()
            },
            "timeframes": {str(k): str(v) for k, v in (instance.timeframes or {}).items()},
        }
    return (
        json.dumps({"ccxt_version": ccxt.__version__, "exchanges": exchanges}, indent=1, sort_keys=True)
        + "\n"
    )


if __name__ == "__main__":
    text = build()
    if "--check" in sys.argv:
        sys.exit(
            0 if TABLE.read_text() == text else "ccxt_engine.json is stale: run tools/build_ccxt_table.py"
        )
    TABLE.write_text(text)
