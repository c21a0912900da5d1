"""`exchangeql token create | list | revoke` as a user runs them: the token is printed once, as the last
line; only its hash is stored; the gateway accepts it until it is revoked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from exchangeql.settings import Settings

from ..support import gateway_client
from .test_paper_http import ACCOUNT, codes, gql, offline


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXCHANGEQL_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "exchangeql.cli", "token", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_token_lifecycle(tmp_path: Path) -> None:
    made = cli(
        tmp_path, "create", "--name", "bot", "--scopes", "trade,read:account", "--accounts", "paper,main"
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.splitlines()[-1]
    assert token.startswith("eql_") and len(token) == 47
    assert made.stdout.count(token) == 1
    assert "'main' is not configured" in made.stderr  # a note, not a refusal
    assert token.encode() not in (tmp_path / "journal.sqlite3").read_bytes()

    listed = cli(tmp_path, "list")
    assert listed.returncode == 0 and "bot" in listed.stdout and "trade,read:account" in listed.stdout
    assert token not in listed.stdout

    duplicate = cli(tmp_path, "create", "--name", "bot", "--scopes", "trade", "--accounts", "paper")
    assert duplicate.returncode == 2 and "exists already" in duplicate.stderr
    bad_scope = cli(tmp_path, "create", "--name", "x", "--scopes", "admin", "--accounts", "paper")
    assert bad_scope.returncode == 2 and "unknown scope admin" in bad_scope.stderr

    async with gateway_client(Settings(data_dir=tmp_path), transport_for=offline) as client:
        assert "errors" not in await gql(client, token, ACCOUNT)
    assert cli(tmp_path, "revoke", "--name", "bot").returncode == 0
    async with gateway_client(Settings(data_dir=tmp_path), transport_for=offline) as client:
        assert codes(await gql(client, token, ACCOUNT)) == ["UNAUTHENTICATED"]
    assert cli(tmp_path, "revoke", "--name", "bot").returncode == 1
