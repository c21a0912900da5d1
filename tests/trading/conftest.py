"""Trading fixtures: the journal on SQLite (a temporary data directory) and on the real PostgreSQL at
127.0.0.1:5432 (database `test`), each PostgreSQL test in a schema of its own, dropped afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from ..conftest import POSTGRES_URL, _port_open


@dataclass(frozen=True)
class Store:
    """Where a test's journal lives: `database_url` None means SQLite in `data_dir`."""

    kind: str
    data_dir: Path
    database_url: str | None

    def env(self) -> dict[str, str]:
        env = {"EXCHANGEQL_DATA_DIR": str(self.data_dir)}
        if self.database_url is not None:
            env["EXCHANGEQL_DATABASE_URL"] = self.database_url
        return env


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema (the journal's tables land there)."""
    if not _port_open("127.0.0.1", 5432):
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)")
    schema = f"eql_test_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return Store("sqlite", tmp_path, None)
    url = request.getfixturevalue("pg_url")
    return Store("postgresql", tmp_path, url)
