"""Credentials are write-only: each one is a canary sent through every path, and none may come back.

A real gateway process with three accounts whose every credential is a unique canary string:
- main (binance, native; secret read from a file): the local upstream knows its key;
- wrong (binance, native): a key the upstream refuses, quoting it back in its error (a careless venue);
- alt (hitbtc, ccxt engine; api key, secret, password and uid): its upstream answers nothing useful.
Paths: invalid orders refused before sending, venue rejections that quote the key and secret, a 500 that
quotes them (unknown outcome), venue authentication failures, gateway token failures (including a canary
pasted as a bearer token), reads, a kill -9 mid-send and the reconciliation after the restart. Every HTTP
response body and header, every log line of both gateway lives, /metrics and /readyz are searched, and the
journal database file too.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
from pathlib import Path
from typing import Any

import httpx

from exchangeql.trading.auth import create_token
from exchangeql.trading.journal import Journal

from .gateway import CREATE, Gateway
from .upstream import FakeBinance, serving


def canary(name: str) -> str:
    return f"CANARY{name}{secrets.token_hex(12)}"


CANARIES = {
    "main_key": canary("MAINKEY"),
    "main_secret": canary("MAINSECRET"),
    "wrong_key": canary("WRONGKEY"),
    "wrong_secret": canary("WRONGSECRET"),
    "alt_key": canary("ALTKEY"),
    "alt_secret": canary("ALTSECRET"),
    "alt_password": canary("ALTPASS"),
    "alt_uid": canary("ALTUID"),
}
BALANCES = "query($id: String!) { account(id: $id) { id balances { currency free } } }"


def order(account: str, key: str, **changes: str) -> dict[str, Any]:
    base = {
        "account": account,
        "symbol": "BTC/USDT",
        "side": "BUY",
        "type": "LIMIT",
        "amount": "0.001",
        "price": "20000",
        "idempotencyKey": key,
    }
    return {**base, **changes}


async def _token(data_dir: Path) -> str:
    journal = Journal.open(None, data_dir)
    await journal.migrate()
    try:
        token, _ = await create_token(journal, "canary", ["trade", "read:account"], ["main", "wrong", "alt"])
        return token
    finally:
        await journal.close()


def test_no_credential_leaves_the_gateway(tmp_path: Path) -> None:
    secret_file = tmp_path / "main.secret"
    secret_file.write_text(CANARIES["main_secret"] + "\n")
    venue = FakeBinance(CANARIES["main_key"], CANARIES["main_secret"], echo_key_in_auth_errors=True)
    token = asyncio.run(_token(tmp_path))
    seen: list[str] = []  # every response: status line, headers, body

    def record(response: httpx.Response) -> dict[str, Any]:
        seen.append(f"{response.status_code} {dict(response.headers)} {response.text}")
        return (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        )

    def gql(gateway: Gateway, query: str, bearer: str | None = token, **variables: Any) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        return record(
            httpx.post(
                gateway.base + "/graphql",
                json={"query": query, "variables": variables},
                headers=headers,
                timeout=15,
            )
        )

    with serving(venue) as origin:
        env = {
            "EXCHANGEQL_DATA_DIR": str(tmp_path),
            "EXCHANGEQL_UPSTREAM_BINANCE": origin,
            "EXCHANGEQL_UPSTREAM_HITBTC": origin,
            "EXCHANGEQL_INSTANCE_ID": "canary",
            "EXCHANGEQL_REQUEST_DEADLINE_MS": "3000",
            "EXCHANGEQL_ACCOUNT_MAIN_EXCHANGE": "binance",
            "EXCHANGEQL_ACCOUNT_MAIN_API_KEY": CANARIES["main_key"],
            "EXCHANGEQL_ACCOUNT_MAIN_SECRET_FILE": str(secret_file),
            "EXCHANGEQL_ACCOUNT_WRONG_EXCHANGE": "binance",
            "EXCHANGEQL_ACCOUNT_WRONG_API_KEY": CANARIES["wrong_key"],
            "EXCHANGEQL_ACCOUNT_WRONG_SECRET": CANARIES["wrong_secret"],
            "EXCHANGEQL_ACCOUNT_ALT_EXCHANGE": "hitbtc",
            "EXCHANGEQL_ACCOUNT_ALT_ENGINE": "ccxt",
            "EXCHANGEQL_ACCOUNT_ALT_API_KEY": CANARIES["alt_key"],
            "EXCHANGEQL_ACCOUNT_ALT_SECRET": CANARIES["alt_secret"],
            "EXCHANGEQL_ACCOUNT_ALT_PASSWORD": CANARIES["alt_password"],
            "EXCHANGEQL_ACCOUNT_ALT_UID": CANARIES["alt_uid"],
        }
        first = Gateway(env, tmp_path / "first.log").wait_ready()
        try:
            # Refused before sending: nothing to leak, but the path is walked.
            bad = gql(first, CREATE, input=order("main", "bad", amount="0.0000001"))
            assert bad["errors"][0]["extensions"]["code"] == "INVALID_ORDER"
            # The venue rejects and quotes key and secret back: the gateway passes the reason, not them.
            venue.new_order = "echo_credentials"
            echoed = gql(first, CREATE, input=order("main", "echo"))
            assert echoed["errors"][0]["extensions"]["code"] == "INVALID_ORDER"
            assert "[redacted]" in echoed["errors"][0]["message"]  # the control: they were there
            # The same from a 500: an unknown outcome, logged as such.
            venue.new_order = "500_echo"
            unknown = gql(first, CREATE, input=order("main", "echo-500"))
            assert unknown["data"]["createOrder"]["journalState"] == "UNKNOWN"
            # Venue authentication failures, the venue quoting the refused key.
            venue.new_order = "ok"
            refused = gql(first, BALANCES, id="wrong")
            assert refused["errors"][0]["extensions"]["code"] == "AUTHENTICATION_FAILED"
            assert "[redacted]" in refused["errors"][0]["message"]
            refused_order = gql(first, CREATE, input=order("wrong", "wrong-1"))
            assert refused_order["errors"][0]["extensions"]["code"] == "AUTHENTICATION_FAILED"
            # The ccxt engine's account: its venue answers nothing useful.
            alt = gql(first, BALANCES, id="alt")
            alt_order = gql(first, CREATE, input=order("alt", "alt-1"))
            for answer in (alt, alt_order):
                assert answer["errors"][0]["extensions"] == {"code": "BAD_REQUEST", "exchange": "hitbtc"}
            # Gateway authentication failures, one with an exchange key pasted as a token.
            for bearer in (CANARIES["main_key"], "eql_" + CANARIES["main_secret"].ljust(43, "A"), "nonsense"):
                failed = gql(first, BALANCES, bearer=bearer, id="main")
                assert failed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            # Reads that work.
            assert gql(first, BALANCES, id="main")["data"]["account"]["balances"]
            # A crash while the venue holds the answer.
            venue.new_order = "hang"
            caller = threading.Thread(
                target=lambda: _swallow(lambda: gql(first, CREATE, input=order("main", "hang")))
            )
            caller.start()
            venue.wait_received(4)
            first.kill()
            caller.join(timeout=10)
        finally:
            first.stop()
        venue.new_order = "ok"
        second = Gateway(env, tmp_path / "second.log").wait_ready()  # reconciles the hung order
        try:
            again = gql(second, CREATE, input=order("main", "hang"))
            assert again["data"]["createOrder"]["journalState"] == "ACKED"
            for path in ("/metrics", "/readyz", "/healthz"):
                record(httpx.get(second.base + path, timeout=5))
        finally:
            second.stop()
        logs = first.output() + second.output()

    assert "reconciled order" in logs  # the logs are real and cover the restart
    assert "outcome unknown" in logs
    journal_bytes = (tmp_path / "journal.sqlite3").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("journal.sqlite3-*")
    )
    for name, value in CANARIES.items():
        for response in seen:
            assert value not in response, f"{name} leaked in a response: {response[:500]}"
        leaking = [line for line in logs.splitlines() if value in line]
        assert not leaking, f"{name} leaked in the logs: {leaking[:3]}"
        assert value.encode() not in journal_bytes, f"{name} is in the journal database"


def _swallow(call: Any) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the gateway dies while this request is open
        call()
