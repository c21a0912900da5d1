"""Real gateway processes for trading tests (`python -m exchangeql.cli serve`), stopped by PID, and
GraphQL over HTTP to them. Output (stdout and stderr, the gateway's log lines) is kept for inspection."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ..conftest import free_port

CREATE = """mutation Create($input: CreateOrderInput!) {
  createOrder(input: $input) { id clientOrderId status journalState symbol amount price filled cost
    fee { cost currency } }
}"""


class Gateway:
    """One `exchangeql serve` process with its own port and log file."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "exchangeql.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 30.0) -> Gateway:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            try:
                if httpx.get(self.base + "/readyz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateway not ready after {timeout}s:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def graphql(
        self, token: str | None, query: str, timeout: float = 15.0, **variables: Any
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(
            self.base + "/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=timeout,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def kill(self) -> int:
        """kill -9, by PID."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        return self.wait()

    def wait(self, timeout: float = 15.0) -> int:
        code = self.process.wait(timeout=timeout)
        self._log.close()
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if not self._log.closed:
            self._log.close()

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")
