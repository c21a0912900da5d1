"""Named trading accounts: configuration, credentials, and the adapter each one trades through.

Configuration (environment over TOML):

    [accounts.main]                         EXCHANGEQL_ACCOUNT_MAIN_EXCHANGE=binance
    exchange = "binance"                    EXCHANGEQL_ACCOUNT_MAIN_SANDBOX=true
    sandbox = true                          EXCHANGEQL_ACCOUNT_MAIN_API_KEY=...
    api_key_file = "/run/secrets/main_key"  EXCHANGEQL_ACCOUNT_MAIN_SECRET_FILE=/run/secrets/main_secret
    secret_file = "/run/secrets/main_secret"

Credential fields: api_key, secret, password (or passphrase, as coinbaseexchange and okx call it), uid;
each may instead be read from a file (`<field>_file`, surrounding whitespace stripped). They become
`Secret`s at once and are never shown again. `engine` picks "native" or "ccxt" (default: native where
the venue signs natively, else ccxt). An account named `paper` on the paper exchange exists unless
configured otherwise.

How adapters trade (the seam for native venues): a `TradingFactory` builds an adapter for one account from
its VenueClient, the settings, the credentials and the sandbox flag. Binance's is registered below; kraken,
coinbaseexchange and okx add theirs to NATIVE_TRADING when their adapters sign. A native adapter may declare
`order_arrival_window_ms` (how long a request in flight can still be accepted, e.g. Binance's recvWindow)
and `client_order_id_pattern` (the venue's rule for client order ids).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..exchanges.base import Adapter, AdapterSpec
from ..exchanges.binance.adapter import create as binance_create
from ..exchanges.coinbaseexchange.adapter import create as coinbaseexchange_create
from ..exchanges.kraken.adapter import create as kraken_create
from ..exchanges.okx.adapter import create as okx_create
from ..exchanges.registry import NATIVE_SPECS
from ..settings import Settings, SettingsError
from ..transport.client import VenueClient
from .credentials import Credentials, Secret

PAPER_ACCOUNT = "paper"
PAPER_EXCHANGE = "paper"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_CREDENTIAL_FIELDS = ("api_key", "secret", "password", "uid")
_ALIASES = {"passphrase": "password"}  # coinbaseexchange and okx call their password a passphrase
_KNOWN_FIELDS = {"exchange", "sandbox", "engine"} | {
    name + suffix for name in (*_CREDENTIAL_FIELDS, *_ALIASES) for suffix in ("", "_file")
}


class TradingFactory(Protocol):
    def __call__(
        self, client: VenueClient | None, settings: Settings, *, credentials: Credentials, sandbox: bool
    ) -> Adapter: ...


NATIVE_TRADING: Mapping[str, TradingFactory] = {
    "binance": binance_create,
    "coinbaseexchange": coinbaseexchange_create,
    "kraken": kraken_create,
    "okx": okx_create,
}


@dataclass(frozen=True, slots=True)
class AccountConfig:
    id: str
    exchange_id: str
    sandbox: bool
    engine: str  # "paper", "native" or "ccxt"
    credentials: Credentials

    def __repr__(self) -> str:
        return (
            f"AccountConfig(id={self.id!r}, exchange_id={self.exchange_id!r}, sandbox={self.sandbox}, "
            f"engine={self.engine!r}, credentials={self.credentials!r})"
        )


def _secret(entry: Mapping[str, Any], name: str, where: str) -> Secret | None:
    value = entry.get(name)
    path = entry.get(f"{name}_file")
    if value is not None and path is not None:
        raise SettingsError(f"{where}: give {name} or {name}_file, not both")
    if path is not None:
        try:
            value = Path(str(path)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            # The path is configuration, not a secret; the file's content is never shown.
            raise SettingsError(f"{where}.{name}_file: cannot read {path} ({exc.strerror})") from None
    if value is None or str(value) == "":
        return None
    return Secret(str(value))


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{where} must be true or false")


def _engine(exchange_id: str, choice: Any, where: str) -> str:
    if exchange_id == PAPER_EXCHANGE:
        return "paper"
    if choice is not None and choice not in ("native", "ccxt"):
        raise SettingsError(f"{where}.engine must be 'native' or 'ccxt'")
    if choice != "ccxt" and exchange_id in NATIVE_TRADING:
        return "native"
    if choice == "native":
        raise SettingsError(f"{where}: {exchange_id} has no native trading yet; use engine = 'ccxt'")
    return "ccxt"


def load_accounts(settings: Settings) -> dict[str, AccountConfig]:
    """Every configured account, checked; the default `paper` account unless configured otherwise."""
    raw = dict(settings.accounts)
    raw.setdefault(PAPER_ACCOUNT, {"exchange": PAPER_EXCHANGE})
    accounts: dict[str, AccountConfig] = {}
    for name, entry in raw.items():
        where = f"accounts.{name}"
        if not _NAME.match(name):
            raise SettingsError(f"{where}: an account name is 1-64 lowercase letters, digits or . _ : -")
        unknown = set(entry) - _KNOWN_FIELDS
        if unknown:
            raise SettingsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        entry = dict(entry)
        for alias, field in _ALIASES.items():
            for suffix in ("", "_file"):
                if alias + suffix in entry:
                    if any(field + s in entry for s in ("", "_file")):
                        raise SettingsError(f"{where}: give {field} or {alias}, not both")
                    entry[field + suffix] = entry.pop(alias + suffix)
        exchange_id = str(entry.get("exchange") or "").strip().lower()
        if not exchange_id:
            raise SettingsError(f"{where}.exchange is required")
        engine = _engine(exchange_id, entry.get("engine"), where)
        credentials = Credentials(*(_secret(entry, f, where) for f in _CREDENTIAL_FIELDS))
        if engine != "paper" and not (credentials.api_key and credentials.secret):
            raise SettingsError(f"{where}: api_key and secret (or their _file forms) are required")
        sandbox = _flag(entry.get("sandbox", False), f"{where}.sandbox")
        if engine == "paper" and sandbox:
            raise SettingsError(f"{where}: the paper exchange is simulated already; sandbox must be false")
        accounts[name] = AccountConfig(name, exchange_id, sandbox, engine, credentials)
    return accounts


def trading_spec(account: AccountConfig) -> tuple[AdapterSpec, TradingFactory]:
    """The spec (rate limit, error table) and the trading factory of an account's engine."""
    if account.engine == "native":
        return NATIVE_SPECS[account.exchange_id], NATIVE_TRADING[account.exchange_id]
    if importlib.util.find_spec("ccxt") is None:
        raise SettingsError(
            f"accounts.{account.id}: {account.exchange_id} trades through ccxt; install exchangeql[ccxt]"
        )
    from ..exchanges.ccxt_bridge import CcxtAdapter, ccxt_spec

    def ccxt_factory(
        client: VenueClient | None, settings: Settings, *, credentials: Credentials, sandbox: bool
    ) -> Adapter:
        if client is None:
            raise ValueError("the ccxt engine needs a VenueClient")
        return CcxtAdapter(account.exchange_id, client, credentials=credentials, sandbox=sandbox)

    try:
        spec = ccxt_spec(account.exchange_id, account.exchange_id)
    except ValueError:
        raise SettingsError(f"accounts.{account.id}: unknown exchange {account.exchange_id!r}") from None
    return spec, ccxt_factory
