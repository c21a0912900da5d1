"""Paper trading end to end over HTTP (the app in-process, lifespan running): tokens, scopes, one order per
idempotency key, balances that move by exactly the filled cost plus fees, cancel, and a restart."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from exchangeql.settings import Settings
from exchangeql.trading.auth import create_token
from exchangeql.trading.journal import Journal

from ..support import gateway_client

CREATE = """mutation Create($input: CreateOrderInput!) {
  createOrder(input: $input) { id clientOrderId account exchangeId symbol type side price amount filled
    remaining cost status journalState fee { cost currency } }
}"""
CANCEL = """mutation Cancel($id: String) {
  cancelOrder(account: "paper", id: $id) { id status filled remaining journalState }
}"""
ACCOUNT = """{ account(id: "paper") { id exchangeId sandbox balances { currency free used total }
  orders { id clientOrderId status journalState } } }"""


def offline(exchange_id: str) -> httpx.AsyncBaseTransport:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    return httpx.MockTransport(refuse)


async def tokens(data_dir: Path) -> dict[str, str]:
    journal = Journal.open(None, data_dir)
    await journal.migrate()
    try:
        made = {}
        for name, scopes, accounts in [
            ("full", ["trade", "read:account"], ["paper"]),
            ("reader", ["read:account"], ["paper"]),
            ("elsewhere", ["trade", "read:account"], ["main"]),
        ]:
            made[name], _ = await create_token(journal, name, scopes, accounts)
        return made
    finally:
        await journal.close()


async def gql(client: httpx.AsyncClient, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def balances(body: dict[str, Any]) -> dict[str, dict[str, Decimal]]:
    return {
        b["currency"]: {k: Decimal(b[k]) for k in ("free", "used", "total")}
        for b in body["data"]["account"]["balances"]
    }


def market_buy(key: str, amount: str = "0.01") -> dict[str, Any]:
    return {
        "account": "paper",
        "symbol": "BTC/USDT",
        "side": "BUY",
        "type": "MARKET",
        "amount": amount,
        "idempotencyKey": key,
    }


async def test_paper_trading_over_http(tmp_path: Path) -> None:
    made = await tokens(tmp_path)
    token = made["full"]
    settings = Settings(data_dir=tmp_path)
    async with gateway_client(settings, transport_for=offline) as client:
        start = await gql(client, token, ACCOUNT)
        assert start["data"]["account"]["id"] == "paper" and start["data"]["account"]["sandbox"] is False
        before = balances(start)
        assert {c: b["total"] for c, b in before.items()} == {
            "BTC": Decimal(10),
            "ETH": Decimal(100),
            "USDT": Decimal(100000),
        }

        first = (await gql(client, token, CREATE, input=market_buy("buy-1")))["data"]["createOrder"]
        second = (await gql(client, token, CREATE, input=market_buy("buy-1")))["data"]["createOrder"]
        assert second == first  # one idempotency key, one order
        assert (first["status"], first["journalState"], first["account"]) == ("CLOSED", "ACKED", "paper")
        after = balances(await gql(client, token, ACCOUNT))
        filled, cost, fee = Decimal(first["filled"]), Decimal(first["cost"]), Decimal(first["fee"]["cost"])
        assert first["fee"]["currency"] == "USDT" and fee > 0 and filled == Decimal("0.01")
        # Exactly the filled amount in, exactly the cost plus the fee out; nothing else moved.
        assert after["BTC"]["total"] - before["BTC"]["total"] == filled
        assert before["USDT"]["total"] - after["USDT"]["total"] == cost + fee
        assert after["ETH"] == before["ETH"]

        conflict = await gql(client, token, CREATE, input=market_buy("buy-1", amount="0.02"))
        assert codes(conflict) == ["IDEMPOTENCY_CONFLICT"]

        # A limit sell far above the market rests and holds its BTC; cancel gives it back.
        resting = {**market_buy("sell-1"), "side": "SELL", "type": "LIMIT", "price": "900000"}
        placed = (await gql(client, token, CREATE, input=resting))["data"]["createOrder"]
        assert (placed["status"], placed["filled"]) == ("OPEN", "0")
        held = balances(await gql(client, token, ACCOUNT))
        assert held["BTC"]["used"] == Decimal("0.01") and held["BTC"]["total"] == after["BTC"]["total"]
        canceled = (await gql(client, token, CANCEL, id=placed["id"]))["data"]["cancelOrder"]
        assert (canceled["status"], canceled["journalState"]) == ("CANCELED", "ACKED")
        released = balances(await gql(client, token, ACCOUNT))
        assert released["BTC"] == after["BTC"]

        invalid = await gql(client, token, CREATE, input=market_buy("bad", amount="0.000001"))
        assert codes(invalid) == ["INVALID_ORDER"] and "precision.amount" in invalid["errors"][0]["message"]

    # A restart: the same account, the same orders, the same answer for a known key.
    async with gateway_client(settings, transport_for=offline) as client:
        restarted = await gql(client, token, ACCOUNT)
        assert balances(restarted) == released
        orders = {o["id"]: o for o in restarted["data"]["account"]["orders"]}
        assert orders[first["id"]]["status"] == "CLOSED" and orders[placed["id"]]["status"] == "CANCELED"
        assert all(o["journalState"] == "ACKED" for o in orders.values())
        replayed = (await gql(client, token, CREATE, input=market_buy("buy-1")))["data"]["createOrder"]
        assert replayed["id"] == first["id"]
        assert balances(await gql(client, token, ACCOUNT)) == released


async def test_account_data_needs_a_token_with_the_scope_and_the_account(tmp_path: Path) -> None:
    made = await tokens(tmp_path)
    async with gateway_client(Settings(data_dir=tmp_path), transport_for=offline) as client:
        public = await gql(client, None, '{ exchange(id: "paper") { ticker(symbol: "BTC/USDT") { last } } }')
        assert "errors" not in public  # market data needs no token
        assert codes(await gql(client, None, ACCOUNT)) == ["UNAUTHENTICATED"]
        assert codes(await gql(client, "eql_" + "x" * 43, ACCOUNT)) == ["UNAUTHENTICATED"]
        assert codes(await gql(client, made["elsewhere"], ACCOUNT)) == ["FORBIDDEN"]  # not its account
        assert "errors" not in await gql(client, made["reader"], ACCOUNT)
        no_trade = await gql(client, made["reader"], CREATE, input=market_buy("k"))
        assert codes(no_trade) == ["FORBIDDEN"] and "trade" in no_trade["errors"][0]["message"]
        assert codes(await gql(client, None, CREATE, input=market_buy("k"))) == ["UNAUTHENTICATED"]
        unknown = await gql(client, made["full"], CREATE, input={**market_buy("k"), "account": "main"})
        assert codes(unknown) == ["FORBIDDEN"]  # the same answer as for an account that exists
        # Nothing was placed by the refused requests.
        orders = (await gql(client, made["full"], ACCOUNT))["data"]["account"]["orders"]
        assert orders == []


async def test_failed_token_attempts_are_rate_limited_per_client(tmp_path: Path) -> None:
    made = await tokens(tmp_path)
    async with gateway_client(Settings(data_dir=tmp_path), transport_for=offline) as client:
        for attempt in range(10):
            bad = await gql(client, f"eql_{attempt:043d}", ACCOUNT)
            assert codes(bad) == ["UNAUTHENTICATED"]
        limited = await gql(client, "eql_" + "y" * 43, ACCOUNT)
        assert codes(limited) == ["RATE_LIMITED"]
        # While the window lasts even a valid token is refused: guessing gains nothing from a hit.
        assert codes(await gql(client, made["full"], ACCOUNT)) == ["RATE_LIMITED"]
        # Public data is not affected.
        assert "errors" not in await gql(client, None, '{ exchange(id: "paper") { id } }')


async def test_paper_starting_balances_are_configurable(tmp_path: Path) -> None:
    made = await tokens(tmp_path)
    settings = Settings(data_dir=tmp_path, paper_balances={"USDT": Decimal("500"), "SOL": Decimal("3")})
    async with gateway_client(settings, transport_for=offline) as client:
        got = balances(await gql(client, made["full"], ACCOUNT))
    assert {c: b["free"] for c, b in got.items()} == {"SOL": Decimal(3), "USDT": Decimal(500)}
