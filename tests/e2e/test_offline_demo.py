"""The offline demo: `exchangeql serve --replay` answers every native exchange from the bundled
recordings, reports engine REPLAY, and the prices it returns are the recorded ones, digit for digit."""

from __future__ import annotations

import json
from importlib.resources import files

import httpx

from exchangeql.exchanges.base import Engine
from exchangeql.exchanges.registry import NATIVE_SPECS

from ..support import server_process

NATIVE = sorted(spec.id for spec in NATIVE_SPECS.values() if spec.engine is Engine.NATIVE)


def _recorded_ticker_bodies(exchange_id: str) -> list[str]:
    recording = json.loads((files("exchangeql") / "data" / "replay" / f"{exchange_id}.json").read_text())
    tickers = ("fetchTicker", "fetchTickers")
    return [json.dumps(r["body"]) for r in recording["routes"] if r["fetch"] in tickers]


def test_serve_replay_answers_every_native_exchange_with_recorded_values() -> None:
    venues = json.dumps(NATIVE)
    query = (
        f'{{ tickers(symbol: "BTC/USDT", exchanges: {venues}) {{ exchangeId last bid ask }} '
        "exchanges(status: ACTIVE) { id engine } }"
    )
    with server_process(["serve", "--replay"]) as gateway:
        response = httpx.post(gateway + "/graphql", json={"query": query}, timeout=10)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    engines = {e["id"]: e["engine"] for e in body["data"]["exchanges"]}
    assert len(NATIVE) == 10
    for exchange_id, ticker in zip(NATIVE, body["data"]["tickers"], strict=True):
        assert engines[exchange_id] == "REPLAY"
        assert ticker["exchangeId"] == exchange_id
        recorded = _recorded_ticker_bodies(exchange_id)
        for field in ("last", "bid", "ask"):
            # the exact decimal text the venue sent is in its recorded answer
            assert any(ticker[field] in text for text in recorded), (exchange_id, field, ticker[field])
    assert engines["paper"] == "PAPER"
