"""What the suite needs before it measures: its own virtualenvs, wrk, and an offline network namespace.

- The gateway runs from `bench/results/venvs/gateway`: `pip install -e ".[<extras>]"` with the extras the
  Dockerfile installs, so it has the packages of the image (ccxt brings uvloop, which uvicorn then uses);
  the baseline app and the replay server run from it too.
- The peer, ccxt-gateway 1.9.0, gets its own venv `bench/results/venvs/ccxt-gateway` (never the project's).
- wrk from Debian when it is missing and we are root; otherwise our asyncio load generator (bench/loadgen.py).
- Measurements run inside a fresh network namespace (`unshare -n`, loopback only) when the machine allows
  it, so nothing can leave 127.0.0.1; ccxt-gateway tries the venues' hosts at start-up (load_markets) and
  is only run there.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import re
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

from . import procs

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENVS = RESULTS / "venvs"
PEER_PACKAGE = "ccxt-gateway==1.9.0"
CCXT_VERSION = "4.5.90"


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def _python_for_venvs() -> str:
    # The interpreter the dev venv was made from: the same Python for every venv of the run.
    return getattr(sys, "_base_executable", None) or sys.executable


def _venv(path: Path, requirements: list[str], marker: str, timeout_s: float = 900) -> Path:
    python = path / "bin" / "python"
    stamp = path / ".bench-installed"
    if python.exists() and stamp.exists() and stamp.read_text() == marker:
        return python
    log(f"creating {path.relative_to(ROOT)} ({' '.join(requirements)})")
    if path.exists():
        shutil.rmtree(path)
    made = procs.run([_python_for_venvs(), "-m", "venv", str(path)], timeout_s=120)
    if made.returncode != 0:
        raise RuntimeError(f"venv failed: {made.stderr}")
    done = procs.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
        timeout_s=timeout_s,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip install {requirements} failed:\n{done.stderr[-4000:]}")
    stamp.write_text(marker)
    return python


def image_extras() -> str:
    """The extras the Docker image installs (`pip install ".[ccxt,postgres]"` in the Dockerfile), so the
    benchmark measures the gateway with the same packages (uvloop, for one, comes with ccxt)."""
    try:
        found = re.search(r"install[^\n]*\.\[([\w,-]+)\]", (ROOT / "Dockerfile").read_text())
    except FileNotFoundError:
        return ""
    return found.group(1) if found else ""


def gateway_venv() -> Path:
    """The gateway installed as the Docker image installs it, but editable, so the run measures the
    working tree; rebuilt when pyproject.toml or the image's extras change."""
    extras = image_extras()
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    marker = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    return _venv(VENVS / "gateway", ["-e", target], marker=marker)


def peer_venv() -> Path:
    return _venv(VENVS / "ccxt-gateway", [PEER_PACKAGE], marker=PEER_PACKAGE)


def ensure_wrk() -> str | None:
    """wrk's path; installs Debian's package when missing and allowed (root, apt-get present)."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return found
    log("installing wrk (apt-get install -y wrk)")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    done = procs.run(["apt-get", "install", "-y", "-q", "wrk"], timeout_s=300, env=env)
    if done.returncode != 0:
        procs.run(["apt-get", "update", "-q"], timeout_s=300, env=env)
        procs.run(["apt-get", "install", "-y", "-q", "wrk"], timeout_s=300, env=env)
    return shutil.which("wrk")


def check_ccxt() -> str:
    """The orchestrator's own Python runs the ccxt baselines: it must have ccxt 4.5.90 (the dev extra)."""
    try:
        import ccxt
    except ImportError as exc:
        raise SystemExit(
            "bench: ccxt is missing; install the dev extra: .venv/bin/pip install -e '.[dev]'"
        ) from exc
    if ccxt.__version__ != CCXT_VERSION:
        log(f"warning: ccxt {ccxt.__version__} here, the baselines are specified for {CCXT_VERSION}")
    return str(ccxt.__version__)


# --- the offline network namespace --------------------------------------------------------------------

NETNS_FLAG = "EXCHANGEQL_BENCH_NETNS"


def in_netns() -> bool:
    return os.environ.get(NETNS_FLAG) == "1"


def can_unshare() -> bool:
    """Whether a loopback-only namespace works here: created, loopback up, a local socket bound."""
    if shutil.which("unshare") is None:
        return False
    code = (
        "import socket, bench.env as e; e.loopback_up(); s = socket.socket(); s.bind(('127.0.0.1', 0)); "
        "s.listen(); socket.create_connection(s.getsockname(), timeout=2).close()"
    )
    probe = procs.run(["unshare", "-n", sys.executable, "-c", code], timeout_s=30, cwd=ROOT)
    if probe.returncode != 0:
        log(f"no private network namespace here ({probe.stderr.strip()[-200:]}); measuring without one")
    return probe.returncode == 0


def reexec_in_netns(argv: list[str]) -> int:
    """Run this same command again in a new network namespace that has only loopback."""
    command = ["unshare", "-n", sys.executable, "-m", "bench", *argv]
    log("measuring inside a private network namespace (loopback only): " + " ".join(command))
    env = {**os.environ, NETNS_FLAG: "1"}
    child = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        return child.wait()
    finally:  # interrupted: the measuring child stops its own processes on SIGTERM
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)


def loopback_up() -> None:
    """`ip link set lo up` without iproute2: the interface flags through ioctl."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request)[:18])[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))


def network_is_isolated() -> bool:
    """True when a connection to a public address fails at once (no route): nothing can leave."""
    try:
        with socket.create_connection(("192.0.2.1", 80), timeout=0.5):
            return False
    except OSError as exc:
        return exc.errno in (101, 113)  # ENETUNREACH, EHOSTUNREACH


# --- machine and versions ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except FileNotFoundError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (FileNotFoundError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
    }


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except FileNotFoundError:
        pass
    return platform.system()


def versions(python: Path, packages: list[str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for p in sys.argv[1:]:\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: out[p] = '-'\n"
        "print(json.dumps(out))\n"
    )
    done = procs.run([str(python), "-c", code, *packages], timeout_s=60)
    import json

    result: dict[str, str] = json.loads(done.stdout) if done.returncode == 0 else {}
    return result


def wrk_version() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        return "-"
    done = procs.run([wrk, "--version"], timeout_s=10)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0] if first else "?"


def git_revision() -> str:
    try:
        head = procs.run(["git", "rev-parse", "--short", "HEAD"], timeout_s=10, cwd=ROOT).stdout.strip()
        dirty = procs.run(
            ["git", "status", "--porcelain", "--", "src"], timeout_s=10, cwd=ROOT
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"
