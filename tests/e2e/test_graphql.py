"""The gateway in-process over HTTP semantics: contract, fan-out, typed errors, abuse limits."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from exchangeql.settings import Settings

from ..support import error_codes, gateway_client, graphql

BINANCE = Path(__file__).parents[1] / "fixtures" / "binance"


def _offline(exchange_id: str) -> httpx.AsyncBaseTransport | None:
    """No network: every venue connection is refused, as on a laptop on a plane."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    return httpx.MockTransport(refuse)


async def test_paper_ticker_has_decimal_prices_with_bid_below_ask() -> None:
    async with gateway_client(transport_for=_offline) as client:
        body = await graphql(
            client, '{ exchange(id: "paper") { ticker(symbol: "BTC/USDT") { last bid ask ageMs } } }'
        )
    ticker = body["data"]["exchange"]["ticker"]
    assert "errors" not in body
    assert all(isinstance(ticker[k], str) for k in ("last", "bid", "ask"))
    assert Decimal(ticker["bid"]) < Decimal(ticker["ask"])
    assert Decimal(ticker["bid"]) <= Decimal(ticker["last"]) <= Decimal(ticker["ask"])
    assert ticker["ageMs"] >= 0


async def test_failing_exchange_gives_null_and_a_typed_error_while_others_answer() -> None:
    started = time.monotonic()
    async with gateway_client(transport_for=_offline) as client:
        body = await graphql(
            client, '{ tickers(symbol: "BTC/USDT", exchanges: ["paper", "binance"]) { exchangeId last } }'
        )
    elapsed = time.monotonic() - started
    tickers = body["data"]["tickers"]
    assert tickers[0]["exchangeId"] == "paper"
    assert Decimal(tickers[0]["last"]) > 0
    assert tickers[1] is None
    assert error_codes(body) == [("binance", "EXCHANGE_UNAVAILABLE")]
    assert body["errors"][0]["path"] == ["tickers", 1]
    assert elapsed < 2.5  # well inside the 5 s deadline


async def test_a_hanging_exchange_times_out_at_the_deadline() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    settings = Settings(request_deadline_ms=600)
    started = time.monotonic()
    async with gateway_client(settings, transport_for=lambda _: httpx.MockTransport(hang)) as client:
        body = await graphql(
            client, '{ tickers(symbol: "BTC/USDT", exchanges: ["binance", "paper"]) { exchangeId last } }'
        )
    assert time.monotonic() - started < 2.0
    assert body["data"]["tickers"][0] is None
    assert body["data"]["tickers"][1]["exchangeId"] == "paper"
    assert error_codes(body) == [("binance", "TIMEOUT")]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ exchange(id: "nosuchexchange") { id } }', "BAD_REQUEST"),
        ('{ exchange(id: "paper") { ticker(symbol: "btcusdt") { last } } }', "BAD_SYMBOL"),
        ('{ exchange(id: "paper") { ticker(symbol: "DOGE/EUR") { last } } }', "BAD_SYMBOL"),
        ('{ exchange(id: "paper") { trades(symbol: "BTC/USDT", limit: -1) { id } } }', "BAD_REQUEST"),
        (
            '{ exchange(id: "paper") { orderBook(symbol: "BTC/USDT", limit: 1000000) { bids { price } } } }',
            "BAD_REQUEST",
        ),
        (
            '{ exchange(id: "paper") { candles(symbol: "BTC/USDT", timeframe: "7s") { close } } }',
            "BAD_REQUEST",
        ),
        ('{ tickers(symbol: "BTC/USDT", exchanges: []) { last } }', "BAD_REQUEST"),
        ('{ exchange(id: "paper") { nosuchfield } }', "BAD_REQUEST"),
        ("{ exchange(id: 1 { id } }", "BAD_REQUEST"),
    ],
)
async def test_bad_input_gets_a_typed_error_not_a_500(query: str, code: str) -> None:
    async with gateway_client(transport_for=_offline) as client:
        response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert "Traceback" not in response.text


async def test_unknown_exchange_resolves_to_null() -> None:
    async with gateway_client(transport_for=_offline) as client:
        body = await graphql(client, '{ exchange(id: "nosuchexchange") { id } }')
    assert body["data"] == {"exchange": None}
    assert "nosuchexchange" in body["errors"][0]["message"]


async def test_field_suggestions_are_off_in_production() -> None:
    async with gateway_client(transport_for=_offline) as client:
        body = await graphql(client, '{ exchange(id: "paper") { tickr(symbol: "BTC/USDT") { last } } }')
    assert "Did you mean" not in body["errors"][0]["message"]
    async with gateway_client(Settings(debug=True), transport_for=_offline) as client:
        body = await graphql(client, '{ exchange(id: "paper") { tickr(symbol: "BTC/USDT") { last } } }')
    assert "Did you mean" in body["errors"][0]["message"]


async def test_malformed_json_and_oversized_bodies_are_typed_errors() -> None:
    async with gateway_client(Settings(max_body_bytes=2048), transport_for=_offline) as client:
        malformed = await client.post(
            "/graphql",
            content=b'{"query": "{ exchanges { id } ',
            headers={"content-type": "application/json"},
        )
        oversized = await client.post("/graphql", json={"query": "{ exchanges { id } }", "pad": "x" * 5000})
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert oversized.status_code == 413
    assert oversized.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_depth_and_alias_limits() -> None:
    aliases = " ".join(f'a{i}: exchange(id: "paper") {{ id }}' for i in range(40))
    deep = '{ exchange(id: "paper") { successor { successor { successor { successor { id } } } } } }'
    async with gateway_client(Settings(max_query_depth=4, max_aliases=30), transport_for=_offline) as client:
        too_many = await graphql(client, "{ " + aliases + " }")
        too_deep = await graphql(client, deep)
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "aliases" in too_many["errors"][0]["message"]
    assert too_deep["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "depth" in too_deep["errors"][0]["message"]


async def test_graphiql_health_and_readiness() -> None:
    async with gateway_client(transport_for=_offline) as client:
        ide = await client.get("/graphql", headers={"accept": "text/html"})
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    assert health.json() == {"status": "alive"}
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert "x-request-id" in ready.headers


async def test_exchanges_list_and_capabilities() -> None:
    async with gateway_client(transport_for=_offline) as client:
        body = await graphql(
            client, "{ exchanges(status: ACTIVE) { id status engine capabilities { method support } } }"
        )
    by_id = {e["id"]: e for e in body["data"]["exchanges"]}
    assert by_id["paper"]["engine"] == "PAPER"
    assert by_id["binance"]["engine"] == "NATIVE"
    caps = {c["method"]: c["support"] for c in by_id["binance"]["capabilities"]}
    assert caps["fetch_ticker"] == "NATIVE"
    assert json.dumps(body).count('"status": "ACTIVE"') == len(by_id)


async def test_identical_anonymous_queries_are_answered_from_the_operation_cache() -> None:
    query = {"query": '{ exchange(id: "paper") { ticker(symbol: "BTC/USDT") { last bid ask } } }'}
    with_age = {"query": '{ exchange(id: "paper") { ticker(symbol: "BTC/USDT") { last ageMs } } }'}
    failing = {"query": '{ exchange(id: "paper") { ticker(symbol: "NOPE/USDT") { last } } }'}
    async with gateway_client(transport_for=_offline) as client:
        first = await client.post("/graphql", json=query)
        second = await client.post("/graphql", json=query)
        authorized = await client.post("/graphql", json=query, headers={"authorization": "Bearer x"})
        aged = [await client.post("/graphql", json=with_age) for _ in range(2)]
        errors = [await client.post("/graphql", json=failing) for _ in range(2)]
    assert "x-exchangeql-cache" not in first.headers
    assert second.headers["x-exchangeql-cache"] == "hit"
    assert second.json() == first.json()
    assert "x-exchangeql-cache" not in authorized.headers
    assert all("x-exchangeql-cache" not in r.headers for r in aged + errors)


async def test_identical_queries_in_flight_together_execute_once() -> None:
    query = {"query": '{ exchange(id: "paper") { ticker(symbol: "ETH/USDT") { last bid ask } } }'}
    async with gateway_client(transport_for=_offline) as client:
        answers = await asyncio.gather(*(client.post("/graphql", json=query) for _ in range(20)))
    executed = [a for a in answers if "x-exchangeql-cache" not in a.headers]
    assert len(executed) == 1  # the others shared its answer or found it cached
    assert {a.headers.get("x-exchangeql-cache") for a in answers} <= {None, "shared", "hit"}
    assert len({a.content for a in answers}) == 1
