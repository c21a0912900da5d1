"""`exchangeql token create | list | revoke`: gateway bearer tokens, stored as hashes in the journal database.

`token create` prints the token once, as its last line; nothing else can show it again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from ..settings import load_settings
from .accounts import load_accounts
from .auth import SCOPES, create_token, parse_list
from .journal import Journal


def add_token_parser(sub: Any) -> None:
    token = sub.add_parser("token", help="create, list or revoke gateway bearer tokens")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a token; it is printed once, as the last line")
    create.add_argument("--name", required=True, help="a unique name for the token")
    create.add_argument("--scopes", required=True, help=f"comma-separated: {', '.join(SCOPES)}")
    create.add_argument("--accounts", required=True, help="comma-separated account names it may use")
    create.add_argument("--config", help="TOML settings file (for the data directory and database)")
    listing = actions.add_parser("list", help="list tokens (names, scopes, accounts; never the tokens)")
    listing.add_argument("--config")
    revoke = actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("--name", required=True)
    revoke.add_argument("--config")
    token.set_defaults(run=run_token)


def run_token(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    journal = Journal.open(settings.database_url, settings.data_dir)
    try:
        await journal.migrate()
        if args.action == "create":
            scopes = parse_list(args.scopes, "--scopes")
            accounts = parse_list(args.accounts, "--accounts")
            configured = load_accounts(settings)
            for name in accounts:
                if name not in configured:
                    sys.stderr.write(f"exchangeql: note: account {name!r} is not configured (yet)\n")
            token, record = await create_token(journal, args.name, scopes, accounts)
            sys.stdout.write(
                f"token {record.name} (id {record.id}): scopes {','.join(record.scopes)}; "
                f"accounts {','.join(record.accounts)}\n"
                "Store it now: it is shown only once.\n"
            )
            sys.stdout.write(token + "\n")
        elif args.action == "list":
            for record in await journal.tokens():
                state = "revoked" if record.revoked_at is not None else "active"
                sys.stdout.write(
                    f"{record.name}\t{record.id}\t{state}\t{','.join(record.scopes)}\t{','.join(record.accounts)}\n"
                )
        elif args.action == "revoke":
            if not await journal.revoke_token(args.name):
                sys.stderr.write(f"exchangeql: no active token named {args.name!r}\n")
                return 1
            sys.stdout.write(f"revoked {args.name}\n")
        return 0
    finally:
        await journal.close()
