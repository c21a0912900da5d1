"""docs/benchmarks.md from one run's results (also kept as JSON in bench/results/last-run.json)."""

from __future__ import annotations

import math
from typing import Any

# Why a target can be missed and what would close it: shown under a scenario when one of its targets is
# missed in the run being reported (the figures themselves always come from the run).
ANALYSIS: dict[str, str] = {
    "parsing": (
        "Two costs hold the figure from raw bytes back, both measured above. (1) The ticker model: "
        "`models.Ticker` is a frozen dataclass, which sets each of its 20 fields through "
        "`object.__setattr__`; building 2,000 of them costs about as much as the rest of parse_tickers. "
        "The first prototype row is the same parser with `Ticker` as a `msgspec.Struct(frozen=True, "
        "gc=False)` (same fields, immutable, hashable; a plain `@dataclass(slots=True)` gets most of the "
        "gain too). (2) Exact decimals: msgspec builds a `Decimal` for each of the 16 numeric strings of "
        "every entry, most of the decode time; ccxt keeps floats and does not pay it. The second prototype "
        "keeps the venue's numeric text and builds a `Decimal` only for the three values that enter "
        "arithmetic (open, last, change); the rest stay text until serialized, which GraphQL does as "
        "strings anyway. Both prototypes (bench/prototypes.py) are checked to produce the same values as "
        "parse_tickers before they are timed. Change (1) is a change to models.py (a contract); (2) also "
        "changes the domain type of those fields (for example a `DecimalText` that converts on first "
        "arithmetic use)."
    ),
    "fanout": (
        "The gateway's own share is the p50 minus the 50 ms upstream; the CPU row gives its cost per "
        "query. On this 2-core machine the replay server, the gateway and the load generator share the "
        "cores, so p99 follows the machine's other load."
    ),
    "peer": (
        "In quick mode only 3 ccxt-gateway exchange instances are started; the target is for 10 (each "
        "instance is a ccxt subprocess of about 115 MiB), which the full run measures."
    ),
}

# Changes measured while building the suite: the suite run with `--gateway-python` set to a venv built
# from a patched copy of the tree. Not re-measured by a normal run; kept here with their figures so that
# the proposals and their evidence stay beside the numbers they would move.
FINDINGS = """\
## Changes made after measuring, and one still proposed

Measured with this suite on this machine on 2026-11-24 (3 runs of 6 s each), with the server processes
run from a venv that has the change: `python -m bench --only <scenarios> --runs 3 --duration 6
--gateway-python <that venv>/bin/python` (the option runs the gateway, the replay server and the baseline
apps from that interpreter); "before" is the same command with the bench's own venv, minutes apart.
Changes 1-3 are now in the gateway, so a normal run includes them; 4 is still proposed.

1. **Done: single-flight in the operation cache** (src/exchangeql/app.py, `GraphQLView.__call__`).
   The operation cache helps only once an answer is stored: when an entry expires (at most a second
   after it was stored)
   every identical request already in flight executes the query again, and a cold burst executes it once
   per request (scenario 3: the CPU row). Patch (about 25 lines, on a copy of the tree): a dict of futures
   keyed like the operation cache; the first request for a key executes and, in `finally`, sets the future
   to its replayable body (or None); identical requests arriving meanwhile await it under `asyncio.shield`
   and send that body, or execute themselves when it is None. Measured: scenario 1 p99 45.2 ms -> 7.1 ms
   at the same throughput (7,520 and 7,219 req/s, within noise); scenario 3, gateway CPU for the 1,000
   identical cold queries 3.50 s -> 0.23 s, time until all are answered 3.58 s -> 0.32 s; upstream calls
   unchanged (one per endpoint).
2. **Done: httptools as a dependency** (pyproject.toml: `httptools`; `uvicorn[standard]` would also bring
   watchfiles and websockets). Without it uvicorn parses HTTP/1.1 with h11, in pure Python. With it (and
   the image's uvloop), every server of scenario 1 included: exchangeql 7,520 -> 18,411 req/s (p50 1.9 ->
   0.8 ms); the plain app, list form, 345 -> 374 req/s (its time goes to strawberry's execution); the
   ratio 22x -> 49x.
3. **Done: sniffio** (in pyproject.toml): httpcore imports it on every pool operation; while it was
   absent, each failed import searched sys.path: 13 % of the gateway's CPU on the fan-out path in a
   py-spy profile.
4. **Proposed: parsing** (scenario 4's target): a Struct ticker model, and numbers kept as text until
   arithmetic; see the prototype rows there.
"""


def fmt(value: float, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit in ("req/s", "calls") or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    out: list[str] = []
    add = out.append
    mode = "quick run (short runs; not the reference figures)" if meta["quick"] else "full run"
    add("# Benchmarks\n")
    add(
        f"Generated by `{meta['command']}` ({mode}) on {meta['date']}, at revision {meta['revision']}. "
        "Everything runs on 127.0.0.1"
        + (" inside a private network namespace with only loopback (`unshare -n`)" if meta["netns"] else "")
        + ": the gateway under uvicorn with one worker, the replay server as every upstream, baselines and "
        "the load generator in their own processes. Every process is started by the suite and stopped by "
        "PID.\n"
    )
    add(
        f"Figures are the median of {meta['runs']} runs of {meta['duration_s']:g} s each, with the minimum "
        "and maximum beside them, unless a row says otherwise. This is a shared machine with "
        f"{meta['machine']['cores']} cores: absolute numbers move by 10-20 % from one run to the next, so "
        "compare the ratios, each measured against a baseline in the same run.\n"
    )
    add("## Summary\n")
    add("| scenario | target | measured | met |")
    add("|---|---|---|---|")
    for key, result in results.items():
        title = result.get("title", key)
        if "skipped" in result or "error" in result:
            why = " ".join(str(result.get("skipped") or result.get("error")).split())
            add(f"| {title} | - | {'skipped' if 'skipped' in result else 'failed'}: {why[:160]} | - |")
            continue
        for t in result["targets"]:
            add(f"| {title} | {t['text']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
    add("")
    add("## Machine and versions\n")
    m = meta["machine"]
    add(f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}; {m['os']}, kernel {m['kernel']}")
    add(f"- Python {m['python']}")
    for venv, packages in meta["versions"].items():
        listed = ", ".join(f"{name} {version}" for name, version in packages.items())
        add(f"- {venv}: {listed}")
    add(f"- load generator: {meta['tool']} ({meta['wrk']})")
    add("")
    add("## Command\n")
    add("```bash")
    add(meta["command"])
    add("```\n")
    add(
        "First run: the suite creates `bench/results/venvs/gateway` "
        f'(`pip install -e ".[{meta["extras"]}]"`, the extras the Dockerfile installs, so the gateway '
        "runs with the image's packages) and "
        "`bench/results/venvs/ccxt-gateway` (ccxt-gateway 1.9.0 for scenario 7), and installs wrk with "
        "apt-get when it is missing and it runs as root (otherwise it uses its own asyncio load generator, "
        "bench/loadgen.py). The orchestrator runs from the dev venv, which has ccxt 4.5.90 for the "
        "baselines. Raw results of the last run: `bench/results/last-run.json`; server logs: "
        "`bench/results/logs/`.\n"
    )
    for key, result in results.items():
        add(f"## {result.get('title', key)}\n")
        if "skipped" in result:
            add(f"Skipped: {result['skipped']}\n")
            continue
        if "error" in result:
            add(f"Failed: {result['error']}\n")
            continue
        for line in result["setup"]:
            add(f"- {line}")
        add("")
        add("| figure | median | min | max | unit |")
        add("|---|---|---|---|---|")
        for r in result["rows"]:
            label = r["label"]
            if "p50_ms" in r:
                label += f" (p50 {fmt(r['p50_ms'])} ms)"
            if len(r["runs"]) == 1:
                add(f"| {label} | {fmt(r['median'], r['unit'])} | | | {r['unit']} |")
            else:
                add(
                    f"| {label} | {fmt(r['median'], r['unit'])} | {fmt(r['min'], r['unit'])} | "
                    f"{fmt(r['max'], r['unit'])} | {r['unit']} |"
                )
        add("")
        if result.get("table"):
            add("| upstream request (replay access log) | exchangeql | ccxt direct |")
            add("|---|---|---|")
            for t in result["table"]:
                add(f"| {t['endpoint']} | {t['exchangeql']} | {t['ccxt']} |")
            add("")
        if result["ratios"]:
            add("Ratios (same run):\n")
            for ratio in result["ratios"]:
                spread = ""
                if "min" in ratio:
                    spread = f" (per run {ratio['min']:.1f}x-{ratio['max']:.1f}x)"
                add(f"- {ratio['label']}: **{ratio['value']:.2f}x**{spread}")
            add("")
        add("Targets:\n")
        for t in result["targets"]:
            verdict = "met" if t["met"] else "**missed**"
            note = f" ({t['note']})" if t.get("note") else ""
            add(f"- {t['text']}: {t['measured']}, {verdict}{note}")
        add("")
        for note in result.get("notes", []):
            add(f"{note}\n")
        quick_only = key == "peer" and not meta["quick"]  # its note explains a quick-mode shortfall
        if any(not t["met"] for t in result["targets"]) and key in ANALYSIS and not quick_only:
            add(f"Why, and what would close it: {ANALYSIS[key]}\n")
    add(FINDINGS)
    return "\n".join(out).rstrip() + "\n"
