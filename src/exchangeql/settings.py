"""Typed, frozen settings from EXCHANGEQL_* environment variables and an optional TOML file.

Precedence: environment over TOML over defaults. Per-exchange settings live under [exchanges.<id>] in
TOML and in EXCHANGEQL_EXCHANGE_<ID>_<FIELD> variables; the upstream origin override is
EXCHANGEQL_UPSTREAM_<ID> (scheme and host replaced, path and query kept).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import BadRequest


class DataKind(StrEnum):
    """What a cached value is; each kind has its own time to live."""

    MARKETS = "markets"
    TICKER = "ticker"
    TICKERS = "tickers"
    ORDER_BOOK = "order_book"
    TRADES = "trades"
    OHLCV = "ohlcv"


DEFAULT_TTL_SECONDS: Mapping[DataKind, float] = {
    DataKind.MARKETS: 3600.0,
    DataKind.TICKER: 2.0,
    DataKind.TICKERS: 2.0,
    DataKind.ORDER_BOOK: 1.0,
    DataKind.TRADES: 2.0,
    DataKind.OHLCV: 10.0,
}


class SettingsError(BadRequest):
    """A configuration value is malformed; raised at start-up with the offending key."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: `weight` units per `per_seconds`, refilled continuously."""

    weight: float
    per_seconds: float

    @property
    def per_second(self) -> float:
        return self.weight / self.per_seconds


@dataclass(frozen=True, slots=True)
class ExchangeSettings:
    enabled: bool = True
    timeout_s: float = 10.0
    rate_limit: RateLimit | None = None  # None: the venue's declared default
    ttl: Mapping[DataKind, float] = field(default_factory=dict)  # overrides of Settings.ttl
    upstream: str | None = None  # origin override, e.g. http://127.0.0.1:9000
    engine: str | None = None  # "native" | "ccxt"; None: native where we have one


@dataclass(frozen=True, slots=True)
class Settings:
    cache_url: str = "memory://"
    ttl: Mapping[DataKind, float] = field(default_factory=lambda: dict(DEFAULT_TTL_SECONDS))
    request_deadline_ms: int = 5000
    debug: bool = False  # development mode: field suggestions and error details
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_body_bytes: int = 64 * 1024
    paper_seed: int = 42
    data_dir: Path = field(default_factory=lambda: _default_data_dir())
    replay: bool = False  # serve every native exchange from the bundled recordings
    # Gateway instances sharing one Redis: without Redis, each keeps 1/instances of a venue's budget.
    instances: int = 1
    exchanges: Mapping[str, ExchangeSettings] = field(default_factory=dict)
    # Trading. The order journal: SQLite in data_dir unless a postgresql:// URL (kept out of reprs: it
    # may hold a password). Accounts are raw tables checked by trading/accounts.py (credentials: no repr).
    database_url: str | None = field(default=None, repr=False)
    instance_id: str | None = None  # names this instance in the journal; the host name when None
    paper_balances: Mapping[str, Decimal] | None = None  # starting balances of paper accounts
    accounts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    def exchange(self, exchange_id: str) -> ExchangeSettings:
        return self.exchanges.get(exchange_id, ExchangeSettings())

    def ttl_for(self, exchange_id: str, kind: DataKind) -> float:
        override = self.exchange(exchange_id).ttl.get(kind)
        return override if override is not None else self.ttl.get(kind, DEFAULT_TTL_SECONDS[kind])

    def with_exchange(self, exchange_id: str, **changes: Any) -> Settings:
        updated = dict(self.exchanges)
        updated[exchange_id] = replace(self.exchange(exchange_id), **changes)
        return replace(self, exchanges=updated)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "exchangeql"


_EXCHANGE_FIELDS = ("ENABLED", "TIMEOUT_MS", "RATE_LIMIT", "ENGINE", "TTL_")


def load_settings(
    config_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from an optional TOML file and the environment (environment wins)."""
    env = os.environ if environ is None else environ
    config_file = config_file or env.get("EXCHANGEQL_CONFIG")
    raw: dict[str, Any] = {}
    if config_file:
        path = Path(config_file)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SettingsError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
    return _from_mapping(raw, env)


def _from_mapping(raw: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    defaults = Settings()
    cache = raw.get("cache", {})
    ttl = dict(DEFAULT_TTL_SECONDS)
    ttl.update(_parse_ttl(cache.get("ttl", {}), "cache.ttl"))
    for kind in DataKind:
        if (value := env.get(f"EXCHANGEQL_TTL_{kind.name}")) is not None:
            ttl[kind] = _number(value, f"EXCHANGEQL_TTL_{kind.name}")

    exchanges: dict[str, dict[str, Any]] = {k.lower(): dict(v) for k, v in raw.get("exchanges", {}).items()}
    for name, value in env.items():
        if name.startswith("EXCHANGEQL_UPSTREAM_"):
            exchange_id = name.removeprefix("EXCHANGEQL_UPSTREAM_").lower()
            exchanges.setdefault(exchange_id, {})["upstream"] = value
        elif name.startswith("EXCHANGEQL_EXCHANGE_"):
            rest = name.removeprefix("EXCHANGEQL_EXCHANGE_")
            for suffix in _EXCHANGE_FIELDS:
                marker = f"_{suffix}"
                if marker in rest:
                    exchange_id, _, key = rest.partition(marker)
                    entry = exchanges.setdefault(exchange_id.lower(), {})
                    if suffix == "TTL_":
                        entry.setdefault("ttl", {})[key.lower()] = value
                    else:
                        entry[suffix.lower()] = value
                    break

    def pick(key: str, env_name: str, default: Any) -> Any:
        return env.get(env_name, raw.get(key, default))

    return Settings(
        cache_url=_cache_url(env.get("EXCHANGEQL_CACHE_URL", cache.get("url", defaults.cache_url))),
        ttl=ttl,
        request_deadline_ms=int(
            _number(
                pick("request_deadline_ms", "EXCHANGEQL_REQUEST_DEADLINE_MS", 5000), "request_deadline_ms"
            )
        ),
        debug=_bool(pick("debug", "EXCHANGEQL_DEBUG", False), "debug"),
        max_query_depth=int(
            _number(pick("max_query_depth", "EXCHANGEQL_MAX_QUERY_DEPTH", 12), "max_query_depth")
        ),
        max_aliases=int(_number(pick("max_aliases", "EXCHANGEQL_MAX_ALIASES", 30), "max_aliases")),
        max_tokens=int(_number(pick("max_tokens", "EXCHANGEQL_MAX_TOKENS", 4000), "max_tokens")),
        max_body_bytes=int(
            _number(pick("max_body_bytes", "EXCHANGEQL_MAX_BODY_BYTES", 65536), "max_body_bytes")
        ),
        paper_seed=int(_number(pick("paper_seed", "EXCHANGEQL_PAPER_SEED", 42), "paper_seed")),
        data_dir=Path(pick("data_dir", "EXCHANGEQL_DATA_DIR", defaults.data_dir)),
        replay=_bool(pick("replay", "EXCHANGEQL_REPLAY", False), "replay"),
        instances=_whole(pick("instances", "EXCHANGEQL_INSTANCES", 1), "instances", minimum=1),
        exchanges={eid: _exchange(eid, entry) for eid, entry in exchanges.items()},
        database_url=env.get("EXCHANGEQL_DATABASE_URL", raw.get("database_url")) or None,
        instance_id=env.get("EXCHANGEQL_INSTANCE_ID", raw.get("instance_id")) or None,
        paper_balances=_balances(env.get("EXCHANGEQL_PAPER_BALANCES", raw.get("paper", {}).get("balances"))),
        accounts=_accounts(raw.get("accounts", {}), env),
    )


# EXCHANGEQL_ACCOUNT_<NAME>_<FIELD>; longest suffix first (API_KEY_FILE before API_KEY).
_ACCOUNT_CREDENTIALS = ("API_KEY", "SECRET", "PASSWORD", "PASSPHRASE", "UID")
_ACCOUNT_FIELDS = sorted(
    ["EXCHANGE", "SANDBOX", "ENGINE", *_ACCOUNT_CREDENTIALS, *(f"{f}_FILE" for f in _ACCOUNT_CREDENTIALS)],
    key=len,
    reverse=True,
)


def _accounts(tables: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """[accounts.<name>] tables merged with EXCHANGEQL_ACCOUNT_<NAME>_<FIELD> variables (env wins)."""
    if not isinstance(tables, Mapping):
        raise SettingsError("accounts must be a table of [accounts.<name>] tables")
    accounts = {str(k).lower(): dict(v) for k, v in tables.items() if isinstance(v, Mapping)}
    for name, value in env.items():
        if not name.startswith("EXCHANGEQL_ACCOUNT_"):
            continue
        rest = name.removeprefix("EXCHANGEQL_ACCOUNT_")
        for suffix in _ACCOUNT_FIELDS:
            if rest.endswith("_" + suffix) and len(rest) > len(suffix) + 1:
                accounts.setdefault(rest[: -len(suffix) - 1].lower(), {})[suffix.lower()] = value
                break
    return accounts


def _balances(value: Any) -> dict[str, Decimal] | None:
    """`{USDT = "100000", BTC = "10"}` in TOML, or "USDT=100000,BTC=10" in the environment."""
    if value is None:
        return None
    if isinstance(value, str):
        pairs = [item.partition("=")[::2] for item in value.split(",") if item.strip()]
        value = {code.strip(): amount.strip() for code, amount in pairs}
    if not isinstance(value, Mapping):
        raise SettingsError("paper balances must be CODE=AMOUNT pairs")
    out: dict[str, Decimal] = {}
    for code, amount in value.items():
        try:
            number = Decimal(str(amount))
        except InvalidOperation:
            raise SettingsError(f"paper balance of {code} must be a number, got {amount!r}") from None
        if not number.is_finite() or number < 0:
            raise SettingsError(f"paper balance of {code} must be a non-negative number")
        out[str(code).upper()] = number
    return out


def _exchange(exchange_id: str, entry: Mapping[str, Any]) -> ExchangeSettings:
    where = f"exchanges.{exchange_id}"
    upstream = entry.get("upstream")
    if upstream is not None:
        parts = urlsplit(str(upstream))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(
                f"{where}.upstream must be an origin like http://127.0.0.1:9000, got {upstream!r}"
            )
    engine = entry.get("engine")
    if engine is not None and engine not in ("native", "ccxt"):
        raise SettingsError(f"{where}.engine must be 'native' or 'ccxt', got {engine!r}")
    timeout_ms = entry.get("timeout_ms")
    return ExchangeSettings(
        enabled=_bool(entry.get("enabled", True), f"{where}.enabled"),
        timeout_s=_number(timeout_ms, f"{where}.timeout_ms") / 1000 if timeout_ms is not None else 10.0,
        rate_limit=_rate_limit(entry.get("rate_limit"), f"{where}.rate_limit"),
        ttl=_parse_ttl(entry.get("ttl", {}), f"{where}.ttl"),
        upstream=str(upstream).rstrip("/") if upstream else None,
        engine=engine,
    )


def _rate_limit(value: Any, where: str) -> RateLimit | None:
    """`{weight = 1200, per_seconds = 60}` in TOML, or "1200/60" in the environment."""
    if value is None:
        return None
    if isinstance(value, str):
        weight, _, per = value.partition("/")
        value = {"weight": weight, "per_seconds": per or 1}
    if not isinstance(value, Mapping):
        raise SettingsError(f"{where} must be 'WEIGHT/SECONDS' or a table with weight and per_seconds")
    limit = RateLimit(
        _number(value.get("weight"), f"{where}.weight"), _number(value.get("per_seconds", 1), where)
    )
    if limit.weight <= 0 or limit.per_seconds <= 0:
        raise SettingsError(f"{where} must be positive")
    return limit


def _parse_ttl(values: Mapping[str, Any], where: str) -> dict[DataKind, float]:
    out: dict[DataKind, float] = {}
    for key, value in values.items():
        try:
            kind = DataKind(key.lower())
        except ValueError:
            known = ", ".join(k.value for k in DataKind)
            raise SettingsError(f"{where}: unknown data kind {key!r} (known: {known})") from None
        out[kind] = _number(value, f"{where}.{key}")
    return out


def _cache_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in ("memory", "redis"):
        raise SettingsError(f"EXCHANGEQL_CACHE_URL must be memory:// or redis://host:port/db, got {url!r}")
    return url


def _number(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{where} must be a number, got {value!r}") from None
    if number < 0:
        raise SettingsError(f"{where} must not be negative")
    return number


def _whole(value: Any, where: str, *, minimum: int) -> int:
    number = _number(value, where)
    if number != int(number) or number < minimum:
        raise SettingsError(f"{where} must be a whole number of at least {minimum}, got {value!r}")
    return int(number)


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{where} must be true or false, got {value!r}")
