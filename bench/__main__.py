"""`python -m bench [--quick]`: the benchmark suite; writes docs/benchmarks.md (full run) or
bench/results/benchmarks-quick.md (--quick, short runs, under two minutes once the venvs exist)."""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from . import env, report, scenarios

ORDER = ["cached", "fanout", "coalescing", "parsing", "memory", "startup", "peer"]
NEEDS_PLAN = {"coalescing", "memory", "peer"}
GATEWAY_PACKAGES = ["exchangeql", "strawberry-graphql", "graphql-core", "starlette", "uvicorn", "httpx"]
GATEWAY_PACKAGES += ["httpcore", "anyio", "sniffio", "msgspec", "orjson", "httptools", "uvloop"]
DEV_PACKAGES = ["ccxt", "aiohttp", "httpx"]
PEER_PACKAGES = ["ccxt-gateway", "ccxt", "fastapi", "uvicorn", "pyzmq"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="short runs (one run of 3 s per figure); says so in its output"
    )
    parser.add_argument("--only", default="", help=f"comma-separated scenarios of: {', '.join(ORDER)}")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3, quick 1)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per run (default 10, quick 3)")
    parser.add_argument(
        "--tool",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (python: bench/loadgen.py)",
    )
    parser.add_argument("--out", type=Path, default=None, help="the Markdown report to write")
    parser.add_argument("--no-netns", action="store_true", help="do not use a private network namespace")
    parser.add_argument(
        "--gateway-python",
        type=Path,
        default=None,
        help="run the gateway, the replay server and the baseline apps with this interpreter instead of "
        "bench/results/venvs/gateway (to measure a change of dependencies or a patched tree)",
    )
    return parser.parse_args(argv)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # As an exception, so every `finally` runs and each started process is stopped by its PID.
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    args = parse_args(argv)
    selected = [s.strip() for s in args.only.split(",") if s.strip()] or ORDER
    unknown = set(selected) - set(ORDER)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if not env.in_netns():
        # Installs need the network: do them before entering the offline namespace.
        env.check_ccxt()
        if args.tool != "python":
            env.ensure_wrk()
        env.gateway_venv()  # also runs the replay server and the baseline apps
        if "peer" in selected:
            try:
                env.peer_venv()
            except RuntimeError as exc:
                env.log(f"ccxt-gateway venv unavailable, scenario 7 will be skipped: {exc}")
        if not args.no_netns and env.can_unshare():
            return env.reexec_in_netns(argv)
    else:
        env.loopback_up()
    return measure(args, selected, argv)


def measure(args: argparse.Namespace, selected: list[str], argv: list[str]) -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 concurrent connections in scenario 3
    with tempfile.TemporaryDirectory(prefix="exchangeql-bench-") as tmp:
        return run_scenarios(args, selected, argv, Path(tmp))


def run_scenarios(args: argparse.Namespace, selected: list[str], argv: list[str], tmp: Path) -> int:
    quick = args.quick
    runs = args.runs or (1 if quick else 3)
    duration = args.duration or (3.0 if quick else 10.0)
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    peer_python = env.VENVS / "ccxt-gateway" / "bin" / "python"
    logs = env.RESULTS / "logs"
    shutil.rmtree(logs, ignore_errors=True)  # this run's server logs only
    bench = scenarios.Bench(
        quick=quick,
        runs=runs,
        duration_s=duration,
        tool=tool,
        gateway_python=args.gateway_python or env.VENVS / "gateway" / "bin" / "python",
        tools_python=args.gateway_python or env.VENVS / "gateway" / "bin" / "python",
        peer_python=peer_python if (peer_python.parent / "ccxt-gateway").exists() else None,
        logs=logs,
        tmp=tmp,
    )
    bench.discover_natives()
    began = time.monotonic()
    results: dict[str, dict[str, Any]] = {}
    for key in ORDER:
        if key not in selected:
            continue
        env.log(f"scenario {key} ...")
        started = time.monotonic()
        try:
            if key in NEEDS_PLAN and not bench.slots:
                with bench.replay(latency_ms=0) as replay, bench.gateway(replay) as gw:
                    bench.plan_fan_out(gw.base, replay)
            results[key] = scenarios.SCENARIOS[key](bench)
        except scenarios.SkipScenario as exc:
            results[key] = {"title": key, "skipped": str(exc)}
        except Exception as exc:
            traceback.print_exc()
            results[key] = {"title": key, "error": f"{type(exc).__name__}: {str(exc)[:1500]}"}
        env.log(f"scenario {key}: {time.monotonic() - started:.0f} s")
    command = "python -m bench" + (" " + " ".join(argv) if argv else "")
    meta = {
        "command": command,
        "quick": quick,
        "runs": runs,
        "duration_s": duration,
        "tool": tool,
        "extras": env.image_extras(),
        "wrk": env.wrk_version(),
        "netns": env.in_netns(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "revision": env.git_revision(),
        "machine": env.machine(),
        "versions": {
            "gateway venv": env.versions(bench.gateway_python, GATEWAY_PACKAGES),
            "dev venv (orchestrator, ccxt baselines)": env.versions(Path(sys.executable), DEV_PACKAGES),
            **(
                {"ccxt-gateway venv": env.versions(bench.peer_python, PEER_PACKAGES)}
                if bench.peer_python
                else {}
            ),
        },
        "seconds": time.monotonic() - began,
    }
    env.RESULTS.mkdir(parents=True, exist_ok=True)
    name = "last-run-quick.json" if quick else "last-run.json"
    (env.RESULTS / name).write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
    out = args.out or (env.RESULTS / "benchmarks-quick.md" if quick else env.ROOT / "docs" / "benchmarks.md")
    text = report.render(meta, results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    summary = text.split("## Summary\n", 1)[1].split("\n## ", 1)[0]
    sys.stdout.write(("QUICK RUN: short runs, not reference figures\n" if quick else "") + summary)
    sys.stdout.write(f"\nwrote {out} in {meta['seconds']:.0f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
