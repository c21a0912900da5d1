"""A ccxt-engine account trades through the journal: ccxt signs with the account's credentials, and the
client order id the gateway journaled is the one the venue receives.

hitbtc (ccxt engine) with its recorded createOrder answer (tests/fixtures/ccxt/hitbtc.json, extracted from
ccxt's static test data; see the file's `sources`). Its markets reach ccxt with `set_markets` from the
recorded unified markets, because ccxt's load_markets first asks a currencies endpoint with no recording.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec

from exchangeql.exchanges.ccxt_bridge import CcxtAdapter
from exchangeql.models import OrderType, Side
from exchangeql.settings import ExchangeSettings, Settings
from exchangeql.trading.accounts import AccountConfig, trading_spec
from exchangeql.trading.credentials import Credentials, Secret
from exchangeql.trading.journal import Journal, JournalState
from exchangeql.trading.service import AccountVenue, OrderInput, TradingService
from exchangeql.transport.client import build_venue_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ccxt" / "hitbtc.json"


class _Fixture(msgspec.Struct):
    markets: dict[str, msgspec.Raw]
    cases: list[dict[str, Any]]


def _recorded() -> tuple[dict[str, Any], bytes, str]:
    fixture = msgspec.json.decode(FIXTURE.read_bytes(), type=_Fixture)
    as_text = msgspec.json.Decoder(float_hook=str)  # numbers as ccxt holds them with `number = str`
    markets = {symbol: as_text.decode(raw) for symbol, raw in fixture.markets.items()}
    (case,) = [c for c in fixture.cases if c["method"] == "createOrder"]
    return markets, json.dumps(case["httpResponse"]).encode(), case["parsedResponse"]["id"]


async def test_orders_carry_the_journaled_client_order_id(tmp_path: Path) -> None:
    markets, answer, recorded_id = _recorded()
    requests: list[httpx.Request] = []

    def venue(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=answer, headers={"content-type": "application/json"})

    config = AccountConfig("alt", "hitbtc", False, "ccxt", Credentials(Secret("key"), Secret("secretsecret")))
    spec, factory = trading_spec(config)
    assert spec.errors is not None and spec.rate_limit is not None
    client = build_venue_client(
        spec.id,
        ExchangeSettings(),
        errors=spec.errors,
        default_rate_limit=spec.rate_limit,
        deadline_s=5,
        transport=httpx.MockTransport(venue),
    )
    adapter = factory(client, Settings(), credentials=config.credentials, sandbox=False)
    assert isinstance(adapter, CcxtAdapter)
    assert (adapter.exchange.apiKey, adapter.exchange.secret) == ("key", "secretsecret")
    account = AccountVenue(config, adapter, Settings(), markets=adapter.set_markets(markets))
    journal = Journal.open(None, tmp_path)
    await journal.migrate()
    service = TradingService(journal, {"alt": account}, "test")
    order = OrderInput("alt", "TRX/USDT", Side.BUY, OrderType.LIMIT, Decimal("50"), Decimal("0.05"), "k1")
    try:
        placed = await service.create_order(order)
        again = await service.create_order(order)
        (row,) = await journal.recent("alt", None, 10)
    finally:
        await service.close()
        await client.http.aclose()
        await journal.close()
    (request,) = requests  # the replay sent nothing
    sent = json.loads(request.content)
    assert sent["clientOrderId"] == row.client_order_id == placed.client_order_id
    # hitbtc's HS256 scheme: base64("<api key>:<hmac signature>:<timestamp>"), signed with the secret.
    scheme, _, token = request.headers["authorization"].partition(" ")
    assert scheme == "HS256" and base64.b64decode(token).decode().startswith("key:")
    assert (placed.id, placed.journal_state, row.state) == (
        recorded_id,  # hitbtc's order id, as ccxt reads it
        JournalState.ACKED,
        JournalState.ACKED,
    )
    assert again.id == placed.id
    # ccxt venues have no recvWindow: an absent order is called absent only after a conservative window.
    assert account.arrival_window_ms == 60_000
