"""Test helpers: the app in-process (lifespan run, httpx over ASGI) and real server processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from exchangeql.app import build_app
from exchangeql.gateway import TransportFor
from exchangeql.settings import Settings

from .conftest import free_port


@contextlib.asynccontextmanager
async def gateway_client(
    settings: Settings | None = None, transport_for: TransportFor | None = None, replay: bool = False
) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app in-process, its lifespan running, spoken to over HTTP semantics (ASGI)."""
    app = build_app(settings or Settings(), transport_for=transport_for, replay=replay)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or None})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["extensions"].get("exchange"), e["extensions"]["code"]) for e in body.get("errors", [])]


@contextlib.contextmanager
def server_process(
    args: list[str], env: Mapping[str, str] | None = None, ready_path: str = "/readyz", timeout: float = 20.0
) -> Iterator[str]:
    """Start `exchangeql <args> --port P` as a real process; yield its base URL; stop it by PID."""
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    command = [sys.executable, "-m", "exchangeql.cli", *args, "--port", str(port)]
    process = subprocess.Popen(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"server exited with {process.returncode}: {output[-2000:]}")
            try:
                if httpx.get(base + ready_path, timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} not ready after {timeout}s")
            time.sleep(0.05)
        yield base
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()
