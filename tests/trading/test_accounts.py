"""Accounts from TOML, environment variables and secret files; checked at start-up; never shown."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from exchangeql.settings import Settings, SettingsError, load_settings
from exchangeql.trading.accounts import load_accounts

TOML = """
[accounts.main]
exchange = "binance"
sandbox = true
api_key = "tomlKey123"
secret_file = "{secret_file}"

[accounts.coin]
exchange = "coinbaseexchange"
api_key = "coinKey123"
secret = "coinSecret123"
passphrase = "coinPassphrase123"

[paper]
balances = {{ USDT = "2500.5", BTC = "0.25" }}
"""


def test_accounts_from_toml_environment_and_files(tmp_path: Path) -> None:
    secret_file = tmp_path / "main.secret"
    secret_file.write_text("  tomlSecret123 \n")
    config = tmp_path / "exchangeql.toml"
    config.write_text(TOML.format(secret_file=secret_file))
    env = {
        "EXCHANGEQL_ACCOUNT_MAIN_API_KEY": "envKey123",  # the environment wins over the file
        "EXCHANGEQL_ACCOUNT_OKX_MAIN_EXCHANGE": "okx",  # a name with an underscore
        "EXCHANGEQL_ACCOUNT_OKX_MAIN_API_KEY": "okxKey123",
        "EXCHANGEQL_ACCOUNT_OKX_MAIN_SECRET": "okxSecret123",
        "EXCHANGEQL_ACCOUNT_OKX_MAIN_PASSPHRASE": "okxPassphrase123",
        "EXCHANGEQL_DATABASE_URL": "postgresql://user:dbPassword123@db/eql",
    }
    settings = load_settings(config, env)
    accounts = load_accounts(settings)
    assert set(accounts) == {"main", "coin", "okx_main", "paper"}
    main = accounts["main"]
    assert (main.exchange_id, main.engine, main.sandbox) == ("binance", "native", True)
    assert main.credentials.values() == ("envKey123", "tomlSecret123")
    assert accounts["coin"].credentials.values() == ("coinKey123", "coinSecret123", "coinPassphrase123")
    assert accounts["okx_main"].credentials.values() == ("okxKey123", "okxSecret123", "okxPassphrase123")
    assert accounts["paper"].engine == "paper"
    assert settings.paper_balances == {"USDT": Decimal("2500.5"), "BTC": Decimal("0.25")}
    shown = repr(settings) + repr(accounts)
    for secret in (
        "tomlKey123",
        "envKey123",
        "tomlSecret123",
        "coinPassphrase123",
        "okxSecret123",
        "dbPassword123",
    ):
        assert secret not in shown


def test_accounts_configuration_is_checked(tmp_path: Path) -> None:
    cases: list[tuple[dict[str, dict[str, Any]], str]] = [
        ({"x": {"exchange": "binance", "api_key": "k"}}, "api_key and secret"),
        ({"x": {"exchange": "binance", "api_key": "k", "secret": "s", "colour": "red"}}, "unknown field"),
        ({"x": {"exchange": "binance", "api_key": "k", "api_key_file": "/f", "secret": "s"}}, "not both"),
        (
            {"x": {"exchange": "okx", "api_key": "k", "secret": "s", "password": "p", "passphrase": "p"}},
            "not both",
        ),
        (
            {"x": {"exchange": "binance", "api_key_file": str(tmp_path / "missing"), "secret": "s"}},
            "cannot read",
        ),
        ({"x": {"exchange": "paper", "sandbox": True}}, "sandbox must be false"),
        ({"x": {"exchange": "binance", "api_key": "k", "secret": "s", "sandbox": "maybe"}}, "true or false"),
        (
            {"x": {"exchange": "hitbtc", "api_key": "k", "secret": "s", "engine": "native"}},
            "no native trading",
        ),
        ({"Bad Name": {"exchange": "paper"}}, "account name"),
    ]
    for bad, message in cases:
        with pytest.raises(SettingsError, match=message):
            load_accounts(Settings(accounts=bad))
