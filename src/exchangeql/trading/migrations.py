"""The journal's schema, as numbered migrations. Each runs once, in a transaction, at start-up.

One SQL text serves SQLite and PostgreSQL (types both accept: TEXT, BIGINT, INTEGER, BOOLEAN). Amounts and
prices are TEXT: exact decimals, never a float column. Append new migrations; never edit an applied one.
"""

from __future__ import annotations

from collections.abc import Sequence

MIGRATIONS: Sequence[tuple[int, str, Sequence[str]]] = (
    (
        1,
        "accounts, orders, tokens",
        (
            # An account's exchange and sandbox flag are fixed for its life: the first start records them.
            """CREATE TABLE eql_accounts (
                id TEXT PRIMARY KEY,
                exchange_id TEXT NOT NULL,
                sandbox BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL
            )""",
            # One row per idempotency key and account, written (state PENDING_SEND) before the venue hears
            # of the order. The primary key is the claim: a second instance inserting the same key loses.
            """CREATE TABLE eql_orders (
                account TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                client_order_id TEXT NOT NULL,
                params_hash TEXT NOT NULL,
                exchange_id TEXT NOT NULL,
                symbol TEXT NOT NULL,
                side TEXT NOT NULL,
                type TEXT NOT NULL,
                amount TEXT NOT NULL,
                price TEXT,
                time_in_force TEXT,
                state TEXT NOT NULL,
                order_id TEXT,
                venue_order TEXT,
                error_code TEXT,
                error_message TEXT,
                owner TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                sent_at BIGINT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (account, idempotency_key),
                UNIQUE (account, client_order_id)
            )""",
            "CREATE INDEX eql_orders_state ON eql_orders (state)",
            "CREATE INDEX eql_orders_account_created ON eql_orders (account, created_at)",
            "CREATE INDEX eql_orders_account_order_id ON eql_orders (account, order_id)",
            # Gateway bearer tokens: only a SHA-256 of the token is stored.
            """CREATE TABLE eql_tokens (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                token_hash TEXT NOT NULL UNIQUE,
                scopes TEXT NOT NULL,
                accounts TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )""",
        ),
    ),
)
