"""Load generation from a separate process: wrk when installed, else bench.loadgen (asyncio streams)."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import procs


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    non2xx: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# A body holding this marker gets a fresh serial number in its place on every request (no two equal).
UNIQUE = "__N__"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _lua_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def _wrk_script(method: str, bodies: Sequence[str], headers: Mapping[str, str]) -> str:
    header_lines = "\n".join(f"headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items())
    body_list = ",\n".join(_lua_string(b) for b in bodies) if bodies else '""'
    return f"""
local bodies = {{ {body_list} }}
local headers = {{}}
{header_lines}
local i = 0
local serial = 0
local marker = "{UNIQUE}"
local split = {{}}
for k, b in ipairs(bodies) do
  local at = string.find(b, marker, 1, true)
  if at then split[k] = {{ string.sub(b, 1, at - 1), string.sub(b, at + #marker) }} end
end
request = function()
  i = i % #bodies + 1
  local body = bodies[i]
  if split[i] then
    serial = serial + 1
    body = split[i][1] .. serial .. split[i][2]
  end
  if body == "" then body = nil end
  return wrk.format("{method}", nil, headers, body)
end
"""


_DURATION = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"wrk duration {text!r}")
    return float(match.group(1)) * _DURATION[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    requests = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if requests is None or rps is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    pct = dict(re.findall(r"^\s*(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.MULTILINE))
    if not {"50", "90", "99"} <= pct.keys():
        raise RuntimeError(f"no latency distribution in wrk's output:\n{output}")
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return LoadResult(
        tool="wrk",
        requests=int(requests.group(1)),
        seconds=_ms(requests.group(2) + requests.group(3)) / 1000,
        rps=float(rps.group(1)),
        p50_ms=_ms(pct["50"]),
        p90_ms=_ms(pct["90"]),
        p99_ms=_ms(pct["99"]),
        errors=sum(int(g) for g in socket.groups()) if socket else 0,
        non2xx=int(non2xx.group(1)) if non2xx else 0,
    )


def run_load(
    url: str,
    *,
    bodies: Sequence[str] = (),
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    connections: int = 16,
    duration_s: float = 10.0,
    count: int | None = None,
    tool: str = "auto",
) -> LoadResult:
    """One measured run against `url`; bounded by `duration_s` (and by `count` answers when given)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    wrk = wrk_path() if tool in ("auto", "wrk") else None
    if tool == "wrk" and wrk is None:
        raise RuntimeError("wrk is not installed")
    if wrk is not None and count is not None:
        return _wrk_count(url, bodies, method, headers, connections, duration_s, count)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        if wrk is not None:
            script = Path(tmp) / "load.lua"
            script.write_text(_wrk_script(method, bodies, all_headers))
            duration = max(1, round(duration_s))
            command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency"]
            done = procs.run([*command, "-s", str(script), url], timeout_s=duration + 90)
            if done.returncode != 0:
                raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}{done.stdout}")
            return parse_wrk(done.stdout)
        config = {
            "url": url,
            "method": method,
            "bodies": list(bodies),
            "headers": dict(headers or {}),
            "connections": connections,
            "duration_s": duration_s,
            "count": count,
            "max_s": duration_s + 60,
        }
        return LoadResult(**_loadgen(config, Path(tmp), duration_s + 120))


def _wrk_count(
    url: str,
    bodies: Sequence[str],
    method: str,
    headers: Mapping[str, str] | None,
    connections: int,
    max_s: float,
    count: int,
) -> LoadResult:
    """At least `count` answers with wrk, which runs by duration only: 5 s runs until the count is reached
    (or `max_s` passed). Percentiles: median p50/p90 and worst p99 of the runs."""
    chunks: list[LoadResult] = []
    began = time.monotonic()
    while sum(c.requests for c in chunks) < count and time.monotonic() - began < max_s and len(chunks) < 1000:
        chunks.append(
            run_load(
                url,
                bodies=bodies,
                method=method,
                headers=headers,
                connections=connections,
                duration_s=5,
                tool="wrk",
            )
        )
    requests = sum(c.requests for c in chunks)
    seconds = sum(c.seconds for c in chunks)
    return LoadResult(
        tool="wrk",
        requests=requests,
        seconds=seconds,
        rps=requests / seconds if seconds else 0.0,
        p50_ms=statistics.median(c.p50_ms for c in chunks),
        p90_ms=statistics.median(c.p90_ms for c in chunks),
        p99_ms=max(c.p99_ms for c in chunks),
        errors=sum(c.errors for c in chunks),
        non2xx=sum(c.non2xx for c in chunks),
    )


def burst(url: str, body: str, n: int, max_s: float = 60.0) -> dict[str, Any]:
    """`n` identical POSTs at the same moment, from a separate process (bench.loadgen)."""
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        config = {"url": url, "bodies": [body], "burst": n, "max_s": max_s}
        return _loadgen(config, Path(tmp), max_s + 60)


def _loadgen(config: Mapping[str, Any], tmp: Path, timeout_s: float) -> dict[str, Any]:
    path = tmp / "config.json"
    path.write_text(json.dumps(config))
    done = procs.run(
        [sys.executable, "-m", "bench.loadgen", str(path)],
        timeout_s=timeout_s,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if "burst" in config:
        return result
    return {k: result[k] for k in LoadResult.__dataclass_fields__}
