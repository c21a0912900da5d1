r"""The write-ahead order journal: SQLite in the data directory by default, PostgreSQL when configured.

Every order the gateway places has a row, committed before any byte goes to the venue:

    PENDING_SEND --(committed just before the request leaves)--> SENT --> ACKED     the venue took it
                                                                     \-> REJECTED  the venue refused it
                                                                     \-> UNKNOWN   timeout, 5xx, lost line

PENDING_SEND therefore proves the order was never sent. UNKNOWN (and SENT after a crash) is settled only by
the venue: a lookup by client order id finds the order (ACKED), or shows it absent once no request in flight
could still be accepted (REJECTED, reason NOT_PLACED). Every change of state is a conditional UPDATE
(`WHERE state IN (...)`), so two instances sharing one PostgreSQL database cannot both move a row: the
primary key (account, idempotency_key) decides who claims a key, and only the claimant sends.

Both backends speak the same SQL (written with `?` placeholders). SQLite runs in a worker thread on one
connection (WAL, synchronous=FULL: a committed row survives kill -9 and power loss); PostgreSQL runs on one
psycopg async connection. Calls are serialised per journal: orders are not a hot path, and one connection
keeps the write order obvious.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ExchangeUnavailable, GatewayError
from ..models import Fee, Order, OrderStatus, OrderType, Side
from .migrations import MIGRATIONS

T = TypeVar("T")


class JournalState(StrEnum):
    PENDING_SEND = "PENDING_SEND"
    SENT = "SENT"
    ACKED = "ACKED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


FINAL_STATES = frozenset({JournalState.ACKED, JournalState.REJECTED})
IN_FLIGHT_STATES = frozenset({JournalState.PENDING_SEND, JournalState.SENT})


class Reason(StrEnum):
    """Why a row is REJECTED without a venue error code of ours (ErrorCode values are used otherwise)."""

    NOT_SENT = "NOT_SENT"  # the gateway stopped before sending: the venue never heard of it
    NOT_PLACED = "NOT_PLACED"  # sent, but the venue does not have it and no longer can


# Rejections that leave nothing at the venue and say nothing about the order itself: the same idempotency
# key may send it again. A venue's verdict on the order (invalid, insufficient funds) is final instead.
RESENDABLE = frozenset({Reason.NOT_SENT.value, Reason.NOT_PLACED.value, "RATE_LIMITED"})


class JournalUnavailable(ExchangeUnavailable):
    """The journal database cannot be reached: no order is sent without its row."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class JournalRow:
    account: str
    idempotency_key: str
    client_order_id: str
    params_hash: str
    exchange_id: str
    symbol: str
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None
    time_in_force: str | None
    state: JournalState
    owner: str
    created_at: int
    updated_at: int
    attempts: int = 1
    order_id: str | None = None
    venue_order: Order | None = None  # the venue's last answer about the order
    error_code: str | None = None
    error_message: str | None = None
    sent_at: int | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def resendable(self) -> bool:
        return self.state is JournalState.REJECTED and self.error_code in RESENDABLE


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    name: str
    token_hash: str
    scopes: tuple[str, ...]
    accounts: tuple[str, ...]
    created_at: int
    revoked_at: int | None = None


# --- order (de)serialisation: the venue's answer without its raw payload ---------------------------------


def order_to_json(order: Order) -> str:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return json.dumps(
        {
            "id": order.id,
            "client_order_id": order.client_order_id,
            "exchange_id": order.exchange_id,
            "symbol": order.symbol,
            "type": order.type.value,
            "side": order.side.value,
            "price": text(order.price),
            "amount": str(order.amount),
            "filled": str(order.filled),
            "remaining": str(order.remaining),
            "cost": str(order.cost),
            "status": order.status.value,
            "timestamp": order.timestamp,
            "fee": None
            if order.fee is None
            else {"cost": str(order.fee.cost), "currency": order.fee.currency},
        },
        separators=(",", ":"),
    )


def order_from_json(text: str) -> Order:
    raw = json.loads(text)
    fee = raw["fee"]
    return Order(
        id=raw["id"],
        client_order_id=raw["client_order_id"],
        exchange_id=raw["exchange_id"],
        symbol=raw["symbol"],
        type=OrderType(raw["type"]),
        side=Side(raw["side"]),
        price=None if raw["price"] is None else Decimal(raw["price"]),
        amount=Decimal(raw["amount"]),
        filled=Decimal(raw["filled"]),
        remaining=Decimal(raw["remaining"]),
        cost=Decimal(raw["cost"]),
        status=OrderStatus(raw["status"]),
        timestamp=raw["timestamp"],
        fee=None if fee is None else Fee(Decimal(fee["cost"]), fee["currency"]),
    )


_ORDER_COLUMNS = (
    "account, idempotency_key, client_order_id, params_hash, exchange_id, symbol, side, type, amount, price, "
    "time_in_force, state, owner, created_at, updated_at, attempts, order_id, venue_order, error_code, "
    "error_message, sent_at"
)


def _row_values(row: JournalRow) -> tuple[Any, ...]:
    return (
        row.account,
        row.idempotency_key,
        row.client_order_id,
        row.params_hash,
        row.exchange_id,
        row.symbol,
        row.side.value,
        row.type.value,
        str(row.amount),
        None if row.price is None else str(row.price),
        row.time_in_force,
        row.state.value,
        row.owner,
        row.created_at,
        row.updated_at,
        row.attempts,
        row.order_id,
        None if row.venue_order is None else order_to_json(row.venue_order),
        row.error_code,
        row.error_message,
        row.sent_at,
    )


def _row(values: Sequence[Any]) -> JournalRow:
    (account, key, coid, phash, exchange_id, symbol, side, type_, amount, price, tif, state, owner, created,
     updated, attempts, order_id, venue_order, error_code, error_message, sent_at) = values  # fmt: skip
    return JournalRow(
        account=account,
        idempotency_key=key,
        client_order_id=coid,
        params_hash=phash,
        exchange_id=exchange_id,
        symbol=symbol,
        side=Side(side),
        type=OrderType(type_),
        amount=Decimal(amount),
        price=None if price is None else Decimal(price),
        time_in_force=tif,
        state=JournalState(state),
        owner=owner,
        created_at=int(created),
        updated_at=int(updated),
        attempts=int(attempts),
        order_id=order_id,
        venue_order=None if venue_order is None else order_from_json(venue_order),
        error_code=error_code,
        error_message=error_message,
        sent_at=None if sent_at is None else int(sent_at),
    )


def _token(values: Sequence[Any]) -> TokenRecord:
    id_, name, token_hash, scopes, accounts, created, revoked = values
    return TokenRecord(
        id=id_,
        name=name,
        token_hash=token_hash,
        scopes=tuple(s for s in scopes.split(",") if s),
        accounts=tuple(a for a in accounts.split(",") if a),
        created_at=int(created),
        revoked_at=None if revoked is None else int(revoked),
    )


# --- backends ---------------------------------------------------------------------------------------------


class _Backend(ABC):
    """Runs SQL written with `?` placeholders. `transaction` runs statements atomically."""

    dialect: str

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """A write; returns the number of rows changed."""

    @abstractmethod
    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    async def migrate(self, migrations: Sequence[tuple[int, str, Sequence[str]]]) -> list[int]: ...

    @abstractmethod
    async def close(self) -> None: ...


_RECORD_MIGRATION = "INSERT INTO eql_schema_migrations (version, description, applied_at) VALUES (?, ?, ?)"
_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS eql_schema_migrations ("
    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)"
)


class _SQLite(_Backend):
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; transactions are explicit (BEGIN IMMEDIATE).
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # the write-ahead row must survive a power cut too
        self._db.execute("PRAGMA busy_timeout=10000")  # another process on the same file (the CLI)
        self._lock = asyncio.Lock()

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        async with self._lock:
            return await asyncio.to_thread(work, self._db)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self._run(lambda db: db.execute(sql, tuple(params)).rowcount)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return await self._run(lambda db: db.execute(sql, tuple(params)).fetchall())

    async def migrate(self, migrations: Sequence[tuple[int, str, Sequence[str]]]) -> list[int]:
        def work(db: sqlite3.Connection) -> list[int]:
            db.execute("BEGIN IMMEDIATE")  # one migrator at a time, even across processes
            try:
                db.execute(_MIGRATIONS_TABLE)
                done = {v for (v,) in db.execute("SELECT version FROM eql_schema_migrations")}
                applied = []
                for version, description, statements in migrations:
                    if version in done:
                        continue
                    for statement in statements:
                        db.execute(statement)
                    db.execute(_RECORD_MIGRATION, (version, description, now_ms()))
                    applied.append(version)
                db.execute("COMMIT")
                return applied
            except BaseException:
                db.execute("ROLLBACK")
                raise

        return await self._run(work)

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._db.close)


class _Postgres(_Backend):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=10)
        return self._conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._lock:
            conn = await self._connection()
            cursor = await conn.execute(self._sql(sql), tuple(params))
            return int(cursor.rowcount)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._lock:
            conn = await self._connection()
            cursor = await conn.execute(self._sql(sql), tuple(params))
            return list(await cursor.fetchall())

    async def migrate(self, migrations: Sequence[tuple[int, str, Sequence[str]]]) -> list[int]:
        async with self._lock:
            conn = await self._connection()
            async with conn.transaction():
                # Instances starting together: one migrates, the others wait here and then find it done.
                await conn.execute("SELECT pg_advisory_xact_lock(7243001)")
                await conn.execute(_MIGRATIONS_TABLE)
                cursor = await conn.execute("SELECT version FROM eql_schema_migrations")
                done = {v for (v,) in await cursor.fetchall()}
                applied = []
                for version, description, statements in migrations:
                    if version in done:
                        continue
                    for statement in statements:
                        await conn.execute(statement)
                    await conn.execute(self._sql(_RECORD_MIGRATION), (version, description, now_ms()))
                    applied.append(version)
                return applied

    async def close(self) -> None:
        async with self._lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None


def _is_postgres(url: str | None) -> bool:
    return url is not None and url.split(":", 1)[0] in ("postgresql", "postgres")


def describe(database_url: str | None, data_dir: Path) -> str:
    """Where the journal lives, for logs: never the URL itself (it may hold a password)."""
    if _is_postgres(database_url):
        return "postgresql"
    return f"sqlite {data_dir / 'journal.sqlite3'}"


# --- the journal ------------------------------------------------------------------------------------------


@dataclass
class Journal:
    backend: _Backend
    clock: Callable[[], int] = field(default=now_ms)

    @classmethod
    def open(cls, database_url: str | None, data_dir: Path) -> Journal:
        """PostgreSQL for a postgresql:// URL, else SQLite at <data_dir>/journal.sqlite3."""
        if _is_postgres(database_url):
            assert database_url is not None
            return cls(_Postgres(database_url))
        if database_url and not database_url.startswith("sqlite:"):
            raise ValueError("the database URL must be postgresql://... or sqlite:///path")
        path = Path(database_url.removeprefix("sqlite://")) if database_url else data_dir / "journal.sqlite3"
        return cls(_SQLite(path))

    @property
    def dialect(self) -> str:
        return self.backend.dialect

    async def _call(self, pending: Any) -> Any:
        try:
            return await pending
        except GatewayError:
            raise
        except Exception as exc:  # the database is down or refused the statement
            raise JournalUnavailable(f"the order journal is unavailable ({type(exc).__name__})") from exc

    async def migrate(self) -> list[int]:
        applied: list[int] = await self._call(self.backend.migrate(MIGRATIONS))
        return applied

    async def close(self) -> None:
        await self.backend.close()

    # --- accounts ---------------------------------------------------------------------------------------

    async def bind_account(self, account: str, exchange_id: str, sandbox: bool) -> tuple[str, bool]:
        """Records an account's exchange and sandbox flag on first sight; returns what is recorded."""
        await self._call(
            self.backend.execute(
                "INSERT INTO eql_accounts (id, exchange_id, sandbox, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (account, exchange_id, sandbox, self.clock()),
            )
        )
        rows = await self._call(
            self.backend.fetch("SELECT exchange_id, sandbox FROM eql_accounts WHERE id = ?", (account,))
        )
        recorded_exchange, recorded_sandbox = rows[0]
        return str(recorded_exchange), bool(recorded_sandbox)

    # --- orders -----------------------------------------------------------------------------------------

    async def claim(self, row: JournalRow) -> bool:
        """Insert the write-ahead row; False when the key (or the client order id) is taken already."""
        placeholders = ", ".join("?" * len(_row_values(row)))
        changed: int = await self._call(
            self.backend.execute(
                f"INSERT INTO eql_orders ({_ORDER_COLUMNS}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
                _row_values(row),
            )
        )
        return changed == 1

    async def _one(self, where: str, params: Sequence[Any]) -> JournalRow | None:
        rows = await self._call(
            self.backend.fetch(f"SELECT {_ORDER_COLUMNS} FROM eql_orders WHERE {where}", params)
        )
        return _row(rows[0]) if rows else None

    async def get(self, account: str, idempotency_key: str) -> JournalRow | None:
        return await self._one("account = ? AND idempotency_key = ?", (account, idempotency_key))

    async def by_client_order_id(self, account: str, client_order_id: str) -> JournalRow | None:
        return await self._one("account = ? AND client_order_id = ?", (account, client_order_id))

    async def by_order_id(self, account: str, order_id: str) -> JournalRow | None:
        return await self._one("account = ? AND order_id = ?", (account, order_id))

    async def transition(
        self,
        row: JournalRow,
        to: JournalState,
        *,
        from_states: Iterable[JournalState],
        error_codes: Iterable[str] | None = None,
        **changes: Any,
    ) -> JournalRow | None:
        """Move `row` to `to` if it is still in one of `from_states` (and, with `error_codes`, carries one
        of them); returns the updated row, or None when someone else moved it first."""
        updated = replace(row, state=to, updated_at=self.clock(), **changes)
        states = [s.value for s in from_states]
        sql = (
            "UPDATE eql_orders SET state = ?, updated_at = ?, owner = ?, attempts = ?, order_id = ?, "
            "venue_order = ?, error_code = ?, error_message = ?, sent_at = ? "
            f"WHERE account = ? AND client_order_id = ? AND state IN ({', '.join('?' * len(states))})"
        )
        values = _row_values(updated)
        params: list[Any] = [
            to.value,
            updated.updated_at,
            updated.owner,
            updated.attempts,
            *values[16:21],  # order_id, venue_order, error_code, error_message, sent_at
            row.account,
            row.client_order_id,
            *states,
        ]
        if error_codes is not None:
            codes = list(error_codes)
            sql += f" AND error_code IN ({', '.join('?' * len(codes))})"
            params += codes
        changed: int = await self._call(self.backend.execute(sql, params))
        return updated if changed == 1 else None

    async def record_order(self, row: JournalRow, order: Order) -> JournalRow:
        """The venue's latest answer about an ACKED order (fills, status); the state stays ACKED."""
        updated = await self.transition(
            row, JournalState.ACKED, from_states=(JournalState.ACKED,), order_id=order.id, venue_order=order
        )
        return updated or row

    async def unsettled(self) -> list[JournalRow]:
        """Every row not in a final state, oldest first."""
        rows = await self._call(
            self.backend.fetch(
                f"SELECT {_ORDER_COLUMNS} FROM eql_orders WHERE state IN (?, ?, ?) ORDER BY created_at",
                (JournalState.PENDING_SEND.value, JournalState.SENT.value, JournalState.UNKNOWN.value),
            )
        )
        return [_row(r) for r in rows]

    async def recent(self, account: str, symbol: str | None, limit: int) -> list[JournalRow]:
        where, params = "account = ?", [account]
        if symbol is not None:
            where += " AND symbol = ?"
            params.append(symbol)
        rows = await self._call(
            self.backend.fetch(
                f"SELECT {_ORDER_COLUMNS} FROM eql_orders WHERE {where} ORDER BY created_at DESC LIMIT ?",
                (*params, limit),
            )
        )
        return [_row(r) for r in rows]

    # --- tokens -----------------------------------------------------------------------------------------

    async def add_token(self, record: TokenRecord) -> bool:
        changed: int = await self._call(
            self.backend.execute(
                "INSERT INTO eql_tokens (id, name, token_hash, scopes, accounts, created_at, revoked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    record.id,
                    record.name,
                    record.token_hash,
                    ",".join(record.scopes),
                    ",".join(record.accounts),
                    record.created_at,
                    record.revoked_at,
                ),
            )
        )
        return changed == 1

    _TOKEN_COLUMNS = "id, name, token_hash, scopes, accounts, created_at, revoked_at"

    async def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        rows = await self._call(
            self.backend.fetch(
                f"SELECT {self._TOKEN_COLUMNS} FROM eql_tokens WHERE token_hash = ?", (token_hash,)
            )
        )
        return _token(rows[0]) if rows else None

    async def tokens(self) -> list[TokenRecord]:
        rows = await self._call(
            self.backend.fetch(f"SELECT {self._TOKEN_COLUMNS} FROM eql_tokens ORDER BY created_at")
        )
        return [_token(r) for r in rows]

    async def revoke_token(self, name: str) -> bool:
        changed: int = await self._call(
            self.backend.execute(
                "UPDATE eql_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (self.clock(), name),
            )
        )
        return changed == 1
