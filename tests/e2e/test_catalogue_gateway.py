"""Every seed exchange answers through the gateway; ccxt-engine venues work end to end from a local upstream.

- all 124 seed ids resolve to an Exchange with the right status, and the 48 active ones have an engine;
- for ccxt-engine venues whose markets can be served from recordings, the ticker comes through the full
  gateway path (GraphQL -> resolver -> cache -> ccxt engine -> our transport -> EXCHANGEQL_UPSTREAM_<ID>)
  and equals the recorded parsedResponse under ccxt's comparison rules;
- one query fanning out to a native, a ccxt-engine and a closed exchange.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchangeql.settings import Settings
from exchangeql.transport.replay import build_replay_app, replay_transport

from ..exchanges.ccxt import Upstream, differences, load_fixture, market_routes, markets_source
from ..support import gateway_client, graphql

SEED = Path(__file__).parents[1] / "fixtures" / "seed-exchanges.tsv"
STATUS = {
    "active": "ACTIVE",
    "active-renamed": "ACTIVE",
    "closed": "CLOSED",
    "alive-not-in-ccxt": "UNSUPPORTED",
    "unverified": "UNVERIFIED",
}
TICKER_FIELDS = (
    "symbol timestamp datetime bid bidVolume ask askVolume last open high low close previousClose "
    "baseVolume quoteVolume change percentage vwap average"
)


def _offline(exchange_id: str) -> httpx.AsyncBaseTransport:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no network in tests", request=request)

    return httpx.MockTransport(refuse)


async def test_every_seed_id_resolves_with_its_status_and_active_ones_have_an_engine() -> None:
    with SEED.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == 124
    fields = "id status engine seedIds notes successor { id }"
    aliases = " ".join(f'e{i}: exchange(id: "{row["seed_id"]}") {{ {fields} }}' for i, row in enumerate(rows))
    async with gateway_client(Settings(max_aliases=200, max_tokens=20000), transport_for=_offline) as client:
        body = await graphql(client, "{ " + aliases + " }")
    assert "errors" not in body
    active = 0
    for i, row in enumerate(rows):
        exchange = body["data"][f"e{i}"]
        assert exchange is not None, row["seed_id"]
        assert row["seed_id"] in exchange["seedIds"]
        if row["status"] in STATUS:
            assert exchange["status"] == STATUS[row["status"]], row["seed_id"]
        if row["status"] in ("active", "active-renamed"):
            active += 1
            assert exchange["id"] == row["current_id"]
            assert exchange["engine"] in ("NATIVE", "CCXT"), row["seed_id"]
        else:
            assert exchange["engine"] is None, row["seed_id"]
        if exchange["status"] == "CLOSED":
            assert exchange["notes"], row["seed_id"]
    assert active == 48


async def test_closed_and_unverified_exchanges_answer_with_their_evidence() -> None:
    query = """{
      closed: exchange(id: "_1btcxe") { ticker(symbol: "BTC/USD") { last } }
      unverified: exchange(id: "bibox") { ticker(symbol: "BTC/USDT") { last } }
    }"""
    async with gateway_client(transport_for=_offline) as client:
        body = await graphql(client, query)
    codes = {e["path"][0]: e["extensions"] for e in body["errors"]}
    assert codes["closed"] == {"code": "EXCHANGE_CLOSED", "exchange": "_1btcxe"}
    assert codes["unverified"] == {"code": "NOT_SUPPORTED", "exchange": "bibox"}
    closed_message = next(e["message"] for e in body["errors"] if e["path"][0] == "closed")
    assert "delisted" in closed_message


def _ccxt_ticker_cases() -> list[tuple[str, Any]]:
    cases = []
    for exchange_id in ("luno", "whitebit", "indodax"):
        fixture = load_fixture(exchange_id)
        assert markets_source(fixture) in ("endpoints", "recorded")
        cases += [(exchange_id, case) for case in fixture.of("fetchTicker")]
    return cases


@pytest.mark.parametrize(
    ("exchange_id", "case"), _ccxt_ticker_cases(), ids=lambda v: getattr(v, "description", v)
)
async def test_ccxt_engine_ticker_through_the_gateway_equals_the_recording(
    exchange_id: str, case: Any
) -> None:
    fixture = load_fixture(exchange_id)
    upstream = Upstream(market_routes(fixture) + case.routes())
    symbol = case.args()[0]
    settings = Settings().with_exchange(exchange_id, upstream="http://127.0.0.1:9/local")
    async with gateway_client(settings, transport_for=lambda _: httpx.MockTransport(upstream)) as client:
        body = await graphql(
            client,
            f'{{ exchange(id: "{exchange_id}") {{ engine ticker(symbol: "{symbol}") '
            f"{{ {TICKER_FIELDS} }} }} }}",
        )
    assert "errors" not in body, body
    assert body["data"]["exchange"]["engine"] == "CCXT"
    ours = body["data"]["exchange"]["ticker"]
    ours = {
        k: (Decimal(v) if isinstance(v, str) and k not in ("symbol", "datetime") else v)
        for k, v in ours.items()
    }
    recorded = case.parsed()
    assert differences(ours, recorded, frozenset(fixture.skipKeys)) == {}
    assert all(str(r.url).startswith("http://127.0.0.1:9/local/") for r in upstream.requests)


async def test_one_query_over_a_native_a_ccxt_and_a_closed_exchange() -> None:
    fixture = load_fixture("luno")
    [case] = fixture.of("fetchTicker")
    luno = Upstream(market_routes(fixture) + case.routes())
    replay = replay_transport(build_replay_app(enforce_rate_limit=False))  # binance's recordings
    settings = Settings().with_exchange("luno", upstream="http://127.0.0.1:9/luno")

    def transport_for(exchange_id: str) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(luno) if exchange_id == "luno" else replay

    query = '{ tickers(symbol: "BTC/USDT", exchanges: ["binance", "luno", "_1btcxe"]) { exchangeId last } }'
    async with gateway_client(settings, transport_for=transport_for, replay=True) as client:
        body = await graphql(client, query)
    binance, luno_ticker, closed = body["data"]["tickers"]
    assert binance == {"exchangeId": "binance", "last": "73369.84000000"}  # response/binance.json
    assert luno_ticker["exchangeId"] == "luno"
    assert Decimal(luno_ticker["last"]) == Decimal(str(case.parsed()["last"]))
    assert closed is None
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [
        (["tickers", 2], {"code": "EXCHANGE_CLOSED", "exchange": "_1btcxe"})
    ]
