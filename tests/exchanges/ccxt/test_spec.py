"""The ccxt spec: cheap to build (no ccxt import), ccxt's rate limit in our terms, capabilities from `has`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from exchangeql.exchanges.base import Engine, Method, Support
from exchangeql.exchanges.ccxt_bridge import (
    CCXT_VERSION,
    HAS_KEYS,
    CcxtErrorTable,
    ccxt_spec,
    engine_facts,
    support_of,
)
from exchangeql.settings import RateLimit, Settings
from exchangeql.transport.errors import DEFAULT_STATUS_MAP

from . import Upstream, ccxt_adapter


def test_bridge_and_spec_do_not_import_ccxt() -> None:
    """A gateway serving only native venues never loads ccxt: importing the bridge and building specs is free.

    Checked in a fresh interpreter; building the adapter afterwards must import it (so the check can fail).
    """
    code = textwrap.dedent(
        """
        import asyncio, json, sys
        import exchangeql.exchanges.ccxt_bridge as bridge
        from exchangeql.settings import ExchangeSettings, Settings
        from exchangeql.transport.client import build_venue_client

        specs = [bridge.ccxt_spec(i, i.title()) for i in ("luno", "whitebit", "bit2c")]
        before = sorted(m for m in sys.modules if m == "ccxt" or m.startswith("ccxt."))
        spec = specs[0]
        client = build_venue_client(
            "luno", ExchangeSettings(), errors=spec.errors, default_rate_limit=spec.rate_limit, deadline_s=1
        )
        adapter = spec.factory(client, Settings())
        after_build = "ccxt" in sys.modules
        adapter.exchange  # first use builds the ccxt instance
        after_use = "ccxt" in sys.modules

        async def close():
            await adapter.close()
            await client.http.aclose()

        asyncio.run(close())
        print(json.dumps({"before": before, "after_build": after_build, "after_use": after_use}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"before": [], "after_build": False, "after_use": True}


def test_engine_table_is_ccxts() -> None:
    """The table specs and adapters read (so that they need no ccxt import) equals ccxt 4.5.90 itself:
    every class's rateLimit, `has` for our methods, and timeframes."""
    import ccxt

    assert ccxt.__version__ == CCXT_VERSION
    facts = engine_facts()
    assert set(facts) == set(ccxt.exchanges)
    for exchange_id in ccxt.exchanges:
        instance = getattr(ccxt, exchange_id)()
        recorded = facts[exchange_id]
        assert recorded.rate_limit_ms == instance.rateLimit, exchange_id
        has = {m.value: support_of(instance.has.get(key)).value for m, key in HAS_KEYS.items()}
        assert dict(recorded.has) == has, exchange_id
        assert dict(recorded.timeframes) == {str(k): str(v) for k, v in (instance.timeframes or {}).items()}


def test_spec() -> None:
    spec = ccxt_spec("luno", "Luno", aliases=["bitx"])
    assert (spec.id, spec.name, spec.engine, spec.aliases) == ("luno", "Luno", Engine.CCXT, ("bitx",))
    # luno: 200 ms between requests of cost 1 -> 5 units per second
    assert spec.rate_limit == RateLimit(weight=5, per_seconds=1)
    assert isinstance(spec.errors, CcxtErrorTable)
    assert spec.errors.exchange == "luno" and dict(spec.errors.by_status) == dict(DEFAULT_STATUS_MAP)


@pytest.mark.parametrize(
    ("exchange_id", "weight", "per_seconds"),
    [
        ("poloniex", 200, 1),  # 5 ms: its ticker, of cost 20, fits the window 10 times
        ("hitbtc", 1000 / 3.333, 1),
        ("coinbase", 1000 / 34, 1),
        ("digifinex", 1000 / 900, 1),
        ("bitso", 1, 2),  # 2000 ms: one request per spacing
        ("bit2c", 1, 3),
    ],
)
def test_rate_limit_keeps_ccxts_average_rate(exchange_id: str, weight: float, per_seconds: float) -> None:
    limit = ccxt_spec(exchange_id, exchange_id).rate_limit
    assert limit is not None
    assert limit.weight == pytest.approx(weight) and limit.per_seconds == per_seconds
    assert limit.per_second == pytest.approx(1000 / engine_facts()[exchange_id].rate_limit_ms)
    assert limit.weight >= 1  # a request of cost 1 always fits


def test_spec_refuses_what_ccxt_does_not_serve() -> None:
    with pytest.raises(ValueError, match=r"not an exchange of ccxt 4\.5\.90"):
        ccxt_spec("mtgox", "Mt. Gox")
    with pytest.raises(ValueError, match="needs a VenueClient"):
        ccxt_spec("luno", "Luno").factory(None, Settings())


async def test_capabilities_and_timeframes_come_from_ccxt() -> None:
    async with ccxt_adapter("bitflyer", Upstream()) as adapter:
        has, timeframes = adapter.exchange.has, adapter.exchange.timeframes
        capabilities = dict(adapter.capabilities)
        adapter_timeframes = dict(adapter.timeframes)
    assert set(capabilities) == set(Method)
    # bitflyer in ccxt 4.5.90: a ticker endpoint, fetchOrder emulated from order lists, no candles
    assert has["fetchTicker"] is True and capabilities[Method.FETCH_TICKER] is Support.NATIVE
    assert has["fetchOrder"] == "emulated" and capabilities[Method.FETCH_ORDER] is Support.EMULATED
    assert not has["fetchOHLCV"] and capabilities[Method.FETCH_OHLCV] is Support.NONE
    assert adapter_timeframes == {str(k): str(v) for k, v in (timeframes or {}).items()}

    async with ccxt_adapter("luno", Upstream()) as adapter:
        assert adapter.timeframes["1h"] == "3600"  # ccxt's venue value, as text
        assert adapter.capabilities[Method.FETCH_OHLCV] is Support.NATIVE
