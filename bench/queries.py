"""The GraphQL queries the scenarios send, and the same calls as ccxt method calls."""

from __future__ import annotations

import json
from dataclasses import dataclass

# The paper exchange's markets (the built-in simulated venue: no upstream, always there).
PAPER_SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC")
TICKER_FIELDS = "symbol last bid ask"


def aliased_tickers(count: int, exchange_id: str = "paper", symbols: tuple[str, ...] = PAPER_SYMBOLS) -> str:
    """`count` aliased ticker fields (a0..aN) over the exchange's markets, round robin; no ageMs, so the
    operation cache may replay the answer."""
    fields = " ".join(
        f'a{i}: ticker(symbol: "{symbols[i % len(symbols)]}") {{ {TICKER_FIELDS} }}' for i in range(count)
    )
    return f'{{ exchange(id: "{exchange_id}") {{ {fields} }} }}'


def listed_tickers(count: int, exchange_id: str = "paper", symbols: tuple[str, ...] = PAPER_SYMBOLS) -> str:
    """The same tickers as one list field (baseline app only): no aliases for the validator to compare."""
    listed = ", ".join(f'"{symbols[i % len(symbols)]}"' for i in range(count))
    return f'{{ exchange(id: "{exchange_id}") {{ tickers(symbols: [{listed}]) {{ {TICKER_FIELDS} }} }} }}'


def body(query: str, **extensions: object) -> str:
    payload: dict[str, object] = {"query": query}
    if extensions:
        payload["extensions"] = extensions
    return json.dumps(payload, separators=(",", ":"))


@dataclass(frozen=True)
class Slot:
    """One upstream call of the fan-out query: an exchange, an endpoint kind, a symbol, a limit."""

    exchange_id: str
    kind: str  # ticker | orderBook | trades | candles
    symbol: str
    limit: int | None = None

    def graphql(self) -> str:
        symbol = json.dumps(self.symbol)
        limit = f", limit: {self.limit}" if self.limit is not None else ""
        if self.kind == "ticker":
            field = f"ticker(symbol: {symbol}) {{ {TICKER_FIELDS} }}"
        elif self.kind == "orderBook":
            field = (
                f"orderBook(symbol: {symbol}{limit}) {{ bids {{ price amount }} asks {{ price amount }} }}"
            )
        elif self.kind == "trades":
            field = f"trades(symbol: {symbol}{limit}) {{ price amount side }}"
        else:
            field = f'candles(symbol: {symbol}, timeframe: "1h"{limit}) {{ timestamp close }}'
        return f'exchange(id: "{self.exchange_id}") {{ {field} }}'

    def ccxt_call(self) -> list[object]:
        """[exchange id, ccxt method, args]: the same call through ccxt's unified API."""
        if self.kind == "ticker":
            return [self.exchange_id, "fetch_ticker", [self.symbol]]
        if self.kind == "orderBook":
            return [self.exchange_id, "fetch_order_book", [self.symbol, self.limit]]
        if self.kind == "trades":
            return [self.exchange_id, "fetch_trades", [self.symbol, None, self.limit]]
        return [self.exchange_id, "fetch_ohlcv", [self.symbol, "1h", None, self.limit]]

    def describe(self) -> str:
        limit = f", limit {self.limit}" if self.limit is not None else ""
        return f"{self.exchange_id} {self.kind}({self.symbol}{limit})"


def fan_out(slots: list[Slot]) -> str:
    return "{ " + " ".join(f"s{i}: {slot.graphql()}" for i, slot in enumerate(slots)) + " }"
