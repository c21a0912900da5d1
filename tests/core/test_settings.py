from __future__ import annotations

from pathlib import Path

import pytest

from exchangeql.settings import DataKind, RateLimit, SettingsError, load_settings


def test_defaults_need_no_configuration() -> None:
    settings = load_settings(environ={})
    assert settings.cache_url == "memory://"
    assert settings.request_deadline_ms == 5000
    assert settings.ttl_for("binance", DataKind.MARKETS) > settings.ttl_for("binance", DataKind.TICKER)
    assert settings.exchange("binance").upstream is None


def test_environment_per_exchange() -> None:
    settings = load_settings(
        environ={
            "EXCHANGEQL_UPSTREAM_BINANCE": "http://127.0.0.1:9000/",
            "EXCHANGEQL_EXCHANGE_BINANCE_TIMEOUT_MS": "2500",
            "EXCHANGEQL_EXCHANGE_BINANCE_RATE_LIMIT": "1200/60",
            "EXCHANGEQL_EXCHANGE_BINANCE_TTL_TICKER": "0.5",
            "EXCHANGEQL_EXCHANGE_KRAKEN_ENABLED": "false",
            "EXCHANGEQL_CACHE_URL": "redis://127.0.0.1:6379/0",
        }
    )
    binance = settings.exchange("binance")
    assert binance.upstream == "http://127.0.0.1:9000"
    assert binance.timeout_s == 2.5
    assert binance.rate_limit == RateLimit(1200, 60)
    assert settings.ttl_for("binance", DataKind.TICKER) == 0.5
    assert settings.ttl_for("kraken", DataKind.TICKER) == 2.0
    assert settings.exchange("kraken").enabled is False
    assert settings.cache_url.startswith("redis://")


def test_toml_file_and_environment_precedence(tmp_path: Path) -> None:
    config = tmp_path / "exchangeql.toml"
    config.write_text(
        'request_deadline_ms = 3000\n[cache]\nurl = "memory://"\n[cache.ttl]\nticker = 5\n'
        '[exchanges.binance]\nupstream = "http://127.0.0.1:9100"\n'
        "rate_limit = { weight = 10, per_seconds = 1 }\n"
    )
    settings = load_settings(config, environ={"EXCHANGEQL_UPSTREAM_BINANCE": "http://127.0.0.1:9200"})
    assert settings.request_deadline_ms == 3000
    assert settings.ttl[DataKind.TICKER] == 5
    assert settings.exchange("binance").upstream == "http://127.0.0.1:9200"
    assert settings.exchange("binance").rate_limit == RateLimit(10, 1)


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({"EXCHANGEQL_CACHE_URL": "memcached://x"}, "EXCHANGEQL_CACHE_URL"),
        ({"EXCHANGEQL_UPSTREAM_BINANCE": "not a url"}, "upstream"),
        ({"EXCHANGEQL_EXCHANGE_BINANCE_TIMEOUT_MS": "soon"}, "timeout_ms"),
        ({"EXCHANGEQL_EXCHANGE_BINANCE_ENGINE": "magic"}, "engine"),
        ({"EXCHANGEQL_TTL_TICKER": "-1"}, "negative"),
    ],
)
def test_bad_values_are_rejected_with_the_key(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment):
        load_settings(environ=environ)


def test_settings_are_frozen() -> None:
    settings = load_settings(environ={})
    with pytest.raises(AttributeError):
        settings.cache_url = "redis://x"  # type: ignore[misc]


def test_instances_share_the_budget_setting() -> None:
    assert load_settings(environ={}).instances == 1
    assert load_settings(environ={"EXCHANGEQL_INSTANCES": "3"}).instances == 3
    with pytest.raises(SettingsError, match="instances"):
        load_settings(environ={"EXCHANGEQL_INSTANCES": "0"})
