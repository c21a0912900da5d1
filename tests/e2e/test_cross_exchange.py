"""bestPrice and the consolidated order book over the replay server, against values worked out by hand
from the recorded fixtures (src/exchangeql/data/replay/<id>.json; provenance in each route)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from exchangeql.transport.replay import build_replay_app, replay_transport

from ..support import gateway_client, graphql

QUOTE = "{ exchangeId price amount }"


@pytest.fixture
async def clients() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    transport = replay_transport(build_replay_app(enforce_rate_limit=False))
    async with (
        gateway_client(transport_for=lambda _: transport, replay=True) as gateway,
        httpx.AsyncClient(transport=transport, base_url="http://replay.invalid") as replay,
    ):
        yield gateway, replay


def _best(exchanges: str) -> str:
    return (
        f'{{ bestPrice(symbol: "BTC/USDT", exchanges: {exchanges}) {{ '
        f"bid {QUOTE} ask {QUOTE} spread spreadPercentage crossed }} }}"
    )


async def test_best_price_of_two_venues_that_do_not_cross(clients: tuple[httpx.AsyncClient, Any]) -> None:
    gateway, _ = clients
    body = await graphql(gateway, _best('["coinbaseexchange", "bitstamp"]'))
    # coinbaseexchange ticker: bid 73360.34, ask 73369.19; bitstamp ticker: bid 73353, ask 73367.
    # best bid 73360.34 (coinbaseexchange), best ask 73367 (bitstamp); spread 6.66;
    # mid (73367 + 73360.34) / 2 = 73363.67; 6.66 / 73363.67 * 100 = 0.0090780627... -> 0.00907806.
    assert body == {
        "data": {
            "bestPrice": {
                "bid": {"exchangeId": "coinbaseexchange", "price": "73360.34", "amount": None},
                "ask": {"exchangeId": "bitstamp", "price": "73367", "amount": None},
                "spread": "6.66",
                "spreadPercentage": "0.00907806",
                "crossed": False,
            }
        }
    }


async def test_best_price_across_all_native_venues_is_crossed(clients: tuple[httpx.AsyncClient, Any]) -> None:
    gateway, _ = clients
    venues = [
        "binance",
        "kraken",
        "bitstamp",
        "gemini",
        "coinbaseexchange",
        "bitfinex",
        "kucoin",
        "okx",
        "htx",
        "gate",
    ]
    body = await graphql(gateway, _best(json.dumps(venues)))
    # Highest bid: okx 73384.7 (size 0.0655768). Lowest ask: kucoin 67400 (recorded at another time, with
    # no size in its ticker). 67400 - 73384.7 = -5984.7; mid 70392.35; -5984.7 / 70392.35 * 100 = -8.50191818.
    assert body["data"]["bestPrice"] == {
        "bid": {"exchangeId": "okx", "price": "73384.7", "amount": "0.0655768"},
        "ask": {"exchangeId": "kucoin", "price": "67400", "amount": None},
        "spread": "-5984.7",
        "spreadPercentage": "-8.50191818",
        "crossed": True,
    }
    assert "errors" not in body


async def test_failures_are_reported_beside_the_answer(clients: tuple[httpx.AsyncClient, Any]) -> None:
    gateway, _ = clients
    body = await graphql(gateway, _best('["htx", "nosuchvenue", "_1btcxe"]'))
    # htx alone: bid 73360.53 (0.595189), ask 73360.54 (0.566063); spread 0.01, mid 73360.535.
    best = body["data"]["bestPrice"]
    assert best["bid"] == {"exchangeId": "htx", "price": "73360.53", "amount": "0.595189"}
    assert best["ask"] == {"exchangeId": "htx", "price": "73360.54", "amount": "0.566063"}
    assert best["spread"] == "0.01"
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [
        (["bestPrice"], {"code": "BAD_REQUEST", "exchange": "nosuchvenue"}),
        (["bestPrice"], {"code": "EXCHANGE_CLOSED", "exchange": "_1btcxe"}),
    ]


async def test_consolidated_book_merges_levels_by_price(clients: tuple[httpx.AsyncClient, Any]) -> None:
    gateway, _ = clients
    query = """{ orderBook(symbol: "BTC/USDT", exchanges: ["binance", "kucoin", "okx"], limit: 3) {
        exchanges
        bids { price amount sources { exchangeId amount } }
        asks { price amount sources { exchangeId } } } }"""
    body = await graphql(gateway, query)
    book = body["data"]["orderBook"]
    # binance bids 42574.3/0.0107, 42574.2/0.00646; asks 42574.31/0.0087, 42574.8/0.00893
    # kucoin  bids 67539.7/1.1829567, 67538.5/0.25229199; asks 67539.8/1.08883964, 67539.9/0.0001
    # okx     bids 67973.3/0.05, 67973.2/0.00725939; asks 67973.4/1.40848059, 67975.9/0.08292002
    assert book["exchanges"] == ["binance", "kucoin", "okx"]
    assert book["bids"] == [
        {"price": "67973.3", "amount": "0.05", "sources": [{"exchangeId": "okx", "amount": "0.05"}]},
        {
            "price": "67973.2",
            "amount": "0.00725939",
            "sources": [{"exchangeId": "okx", "amount": "0.00725939"}],
        },
        {
            "price": "67539.7",
            "amount": "1.1829567",
            "sources": [{"exchangeId": "kucoin", "amount": "1.1829567"}],
        },
    ]
    assert [(a["price"], a["amount"], a["sources"][0]["exchangeId"]) for a in book["asks"]] == [
        ("42574.31000000", "0.00870000", "binance"),
        ("42574.80000000", "0.00893000", "binance"),
        ("67539.8", "1.08883964", "kucoin"),
    ]


async def test_cross_exchange_answers_read_through_the_same_cache(
    clients: tuple[httpx.AsyncClient, Any],
) -> None:
    gateway, replay = clients
    await graphql(gateway, '{ tickers(symbol: "BTC/USDT", exchanges: ["okx", "htx"]) { last } }')
    await graphql(
        gateway, '{ a: exchange(id: "okx") { orderBook(symbol: "BTC/USDT", limit: 3) { bids { price } } } }'
    )
    before = (await replay.get("/_replay/stats")).json()["total"]
    await graphql(gateway, _best('["okx", "htx"]'))
    await graphql(gateway, '{ orderBook(symbol: "BTC/USDT", exchanges: ["okx"], limit: 3) { exchanges } }')
    assert (await replay.get("/_replay/stats")).json()["total"] == before  # no extra upstream call
