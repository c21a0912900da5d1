"""Processes the benchmark starts: each one started here, waited for, measured, and stopped by its PID."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LOCAL = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCAL, 0))
        port: int = sock.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    """Resident set size of one process (VmRSS), KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc/<pid>/stat); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (read from /proc), so they can be measured and stopped by PID."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # The command name is in parentheses and may hold spaces: fields start after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo and len(found) < 10_000:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Proc:
    """One started process, its log file, and the wall-clock time from start to ready."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    base: str = ""
    ready_s: float = 0.0
    descendants: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_kib(self, with_children: bool = False) -> int:
        total = rss_kib(self.pid)
        if with_children:
            total += sum(rss_kib(child) for child in children(self.pid))
        return total

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class StartError(RuntimeError):
    pass


def start(
    name: str,
    command: Sequence[str],
    *,
    logs: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    ready_url: str | None = None,
    timeout_s: float = 60.0,
    poll_s: float = 0.01,
) -> Proc:
    """Start `command`; with `ready_url`, wait (bounded) until it answers 200 and record how long it took."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    full_env = {**os.environ, **(env or {})}
    with log.open("wb") as out:
        began = time.perf_counter()
        popen = subprocess.Popen(
            list(command), env=full_env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    proc = Proc(name, popen, log)
    if ready_url is None:
        return proc
    deadline = began + timeout_s
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while True:
            if popen.poll() is not None:
                raise StartError(f"{name} exited with {popen.returncode}:\n{proc.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(ready_url).status_code == 200:
                    proc.ready_s = time.perf_counter() - began
                    return proc
            if time.perf_counter() > deadline:
                stop(proc)
                raise StartError(f"{name} not ready after {timeout_s:.0f}s:\n{proc.tail()}")
            time.sleep(poll_s)


def stop(proc: Proc, timeout_s: float = 15.0) -> None:
    """SIGTERM by PID, SIGKILL after `timeout_s`; then any descendant still alive, by its PID."""
    known = set(proc.descendants) | set(children(proc.pid))
    _terminate(proc.popen, timeout_s)
    for pid in sorted(known):
        _kill_pid(pid, timeout_s)


def _terminate(popen: subprocess.Popen[bytes], timeout_s: float) -> None:
    if popen.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(popen.pid, signal.SIGTERM)
        try:
            popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(popen.pid, signal.SIGKILL)
            popen.wait(timeout=timeout_s)


def _kill_pid(pid: int, timeout_s: float) -> None:
    if not Path(f"/proc/{pid}").exists():
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running(*args: object, **kwargs: object) -> Iterator[Proc]:
    proc = start(*args, **kwargs)  # type: ignore[arg-type]
    try:
        yield proc
    finally:
        stop(proc)


def run(
    command: Sequence[str], *, timeout_s: float, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """A short helper process (a measurement, an install) with a bounded run time; output captured."""
    return subprocess.run(
        list(command),
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
