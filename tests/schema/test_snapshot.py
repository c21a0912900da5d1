"""The printed SDL is a public contract: the committed schema.graphql must match it."""

from __future__ import annotations

import re
from pathlib import Path

from exchangeql.schema.root import build_schema
from exchangeql.settings import Settings

SNAPSHOT = Path(__file__).parents[2] / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    printed = build_schema(Settings()).as_str() + "\n"
    assert SNAPSHOT.read_text() == printed, "schema changed: run `exchangeql schema > schema.graphql`"


def _type_fields(sdl: str, name: str) -> set[str]:
    match = re.search(rf"^type {name} \{{\n(.*?)^\}}", sdl, re.M | re.S)
    assert match, f"type {name} missing"
    return {line.strip().split("(")[0].split(":")[0] for line in match[1].splitlines() if line.strip()}


def test_contract_names_are_kept() -> None:
    sdl = build_schema(Settings()).as_str()
    assert "scalar Decimal" in sdl
    assert {"exchanges", "exchange", "tickers"} <= _type_fields(sdl, "Query")
    assert {
        "id",
        "name",
        "status",
        "engine",
        "aliases",
        "capabilities",
        "markets",
        "market",
        "ticker",
        "tickers",
        "orderBook",
        "trades",
        "candles",
    } <= _type_fields(sdl, "Exchange")
    assert {
        "symbol",
        "id",
        "base",
        "quote",
        "settle",
        "type",
        "active",
        "precision",
        "limits",
    } <= _type_fields(sdl, "Market")
    assert {
        "exchangeId",
        "symbol",
        "timestamp",
        "datetime",
        "bid",
        "ask",
        "last",
        "open",
        "high",
        "low",
        "close",
        "baseVolume",
        "quoteVolume",
        "change",
        "percentage",
        "vwap",
        "ageMs",
    } <= _type_fields(sdl, "Ticker")
    assert {"exchangeId", "symbol", "timestamp", "bids", "asks"} <= _type_fields(sdl, "OrderBook")
    assert {"id", "timestamp", "symbol", "side", "price", "amount", "cost"} <= _type_fields(sdl, "Trade")
    assert {"timestamp", "open", "high", "low", "close", "volume"} <= _type_fields(sdl, "Candle")
    assert re.search(r"enum ExchangeStatus \{\s+ACTIVE\s+CLOSED\s+UNSUPPORTED\s+UNVERIFIED\s+\}", sdl)
    assert re.search(r"enum Engine \{\s+NATIVE\s+CCXT\s+PAPER\s+REPLAY\s+\}", sdl)
    assert "tickers(symbol: String!, exchanges: [String!]!): [Ticker]!" in sdl
    assert "exchanges(status: ExchangeStatus = null): [Exchange!]!" in sdl
