"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded HTX payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles, so the rule is that our exact Decimal rounds to
  ccxt's double (`float(ours) == theirs`).

ccxt's htx builds markets inside fetchMarkets (it has no per-market parser), so the oracle runs its own
fetch_markets, fetch_ticker, fetch_order_book, fetch_trades and fetch_ohlcv with `fetch` answering the
recorded body: the unified methods parse the recording exactly as they would a live answer.
Documented difference: ccxt's fetchTickers leaves `timestamp` empty; ours carries the answer's time.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.htx import parsing
from exchangeql.exchanges.htx import schemas as wire
from exchangeql.models import MarketIndex

from ..harness import assert_fields
from . import recorded


def _json(name: str) -> Any:
    return json.loads(recorded(name))


class Oracle:
    """ccxt's htx whose HTTP layer answers with the body it is given."""

    def __init__(self, exact: bool) -> None:
        self.exchange: Any = ccxt.htx()
        if exact:
            self.exchange.number = str
        self.exchange.options["fetchMarkets"] = {"types": {"spot": True}}
        self.answer(_json("symbols.json"))
        self.exchange.load_markets()

    def answer(self, body: Any) -> Any:
        self.exchange.fetch = lambda *args, **kwargs: body
        return self.exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def oracle(request: pytest.FixtureRequest) -> Oracle:
    return Oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(
        parsing.parse_markets(
            msgspec.convert(_json("symbols.json")["data"], type=list[wire.SymbolInfo], strict=False)
        )
    )


# --- markets ----------------------------------------------------------------------------------------------


def test_markets(oracle: Oracle, index: MarketIndex) -> None:
    theirs = {m["symbol"]: m for m in oracle.exchange.markets.values()}
    assert list(index.by_symbol) == list(theirs)
    for market in index.markets:
        their = theirs[market.symbol]
        assert (market.id, market.base, market.quote, market.base_id, market.quote_id) == (
            their["id"],
            their["base"],
            their["quote"],
            their["baseId"],
            their["quoteId"],
        )
        assert (market.type.value, market.active) == (their["type"], their["active"])
        precision, limits = their["precision"], their["limits"]
        assert_fields(
            {
                "precision.price": (market.precision.price, precision["price"]),
                "precision.amount": (market.precision.amount, precision["amount"]),
                "limits.amount.min": (market.limits.amount.min, limits["amount"]["min"]),
                "limits.amount.max": (market.limits.amount.max, limits["amount"]["max"]),
                "limits.price.min": (market.limits.price.min, limits["price"]["min"]),
                "limits.price.max": (market.limits.price.max, limits["price"]["max"]),
                "limits.cost.min": (market.limits.cost.min, limits["cost"]["min"]),
                "limits.cost.max": (market.limits.cost.max, limits["cost"]["max"]),
            }
        )


# --- tickers ----------------------------------------------------------------------------------------------

MERGED = _json("detail_merged_btcusdt.json")
TICK = MERGED["tick"]
# The recorded ticker, and variants of it (fields changed as named) for rules the recording does not reach.
MERGED_CASES = {
    "recorded": MERGED,
    "variant-no-asks": MERGED | {"tick": TICK | {"ask": None}},
    "variant-open-zero": MERGED | {"tick": TICK | {"open": 0}},
    "variant-falling": MERGED | {"tick": TICK | {"close": "70000.01"}},
    "variant-no-volume": MERGED | {"tick": TICK | {"amount": 0, "vol": 0}},
}

TICKER_FIELDS = {  # ours -> ccxt's
    "bid": "bid",
    "bid_volume": "bidVolume",
    "ask": "ask",
    "ask_volume": "askVolume",
    "last": "last",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "previous_close": "previousClose",
    "change": "change",
    "percentage": "percentage",
    "vwap": "vwap",
    "base_volume": "baseVolume",
    "quote_volume": "quoteVolume",
    "average": "average",
}


def assert_same_ticker(ours: Any, theirs: dict[str, Any]) -> None:
    assert ours.symbol == theirs["symbol"]
    assert_fields({name: (getattr(ours, name), theirs[key]) for name, key in TICKER_FIELDS.items()})


@pytest.mark.parametrize("raw", MERGED_CASES.values(), ids=MERGED_CASES.keys())
def test_ticker(raw: dict[str, Any], oracle: Oracle, index: MarketIndex) -> None:
    ours = parsing.parse_ticker(
        msgspec.convert(raw, type=wire.Merged, strict=False), index.by_symbol["BTC/USDT"]
    )
    theirs = oracle.answer(raw).fetch_ticker("BTC/USDT")
    assert_same_ticker(ours, theirs)
    assert ours.timestamp == theirs["timestamp"]


def test_tickers(oracle: Oracle, index: MarketIndex) -> None:
    """HTX's documented /market/tickers example, for variants of recorded markets under its ids."""
    ada, ltc = index.by_symbol["ADA/USDT"], index.by_symbol["LTC/USDT"]
    ours_index = MarketIndex.of(
        [
            dataclasses.replace(ada, id="smtusdt", symbol="SMT/USDT", base="SMT", base_id="smt"),
            dataclasses.replace(ltc, id="ltcht", symbol="LTC/HT", quote="HT", quote_id="ht"),
        ]
    )
    exchange = oracle.exchange
    markets = {
        "smtusdt": exchange.market("ADA/USDT") | {"id": "smtusdt", "symbol": "SMT/USDT", "base": "SMT"},
        "ltcht": exchange.market("LTC/USDT") | {"id": "ltcht", "symbol": "LTC/HT", "quote": "HT"},
    }
    raw = _json("tickers_docs.json")
    ours = parsing.parse_tickers(msgspec.convert(raw, type=wire.Tickers, strict=False), ours_index)
    assert len(ours) == 2
    for mine, item in zip(ours, raw["data"], strict=True):
        theirs = exchange.parse_ticker(item, markets[item["symbol"]])
        assert_same_ticker(mine, theirs)
        assert (mine.timestamp, theirs["timestamp"]) == (raw["ts"], None)  # the documented difference


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(oracle: Oracle, index: MarketIndex) -> None:
    raw = _json("depth_btcusdt_docs.json")
    ours = parsing.parse_order_book(
        msgspec.convert(raw, type=wire.Depth, strict=False), index.by_symbol["BTC/USDT"]
    )
    theirs = oracle.answer(raw).fetch_order_book("BTC/USDT")
    assert (ours.symbol, ours.timestamp, ours.nonce) == (
        theirs["symbol"],
        theirs["timestamp"],
        theirs["nonce"],
    )
    for side in ("bids", "asks"):
        levels = getattr(ours, side)
        assert len(levels) == len(theirs[side])
        for level, (price, amount, *_count) in zip(levels, theirs[side], strict=True):
            assert_fields({f"{side}.price": (level.price, price), f"{side}.amount": (level.amount, amount)})


@pytest.mark.parametrize("limit", [1, 3, 12, None])
def test_trades(limit: int | None, oracle: Oracle, index: MarketIndex) -> None:
    raw = _json("history_trade_btcusdt.json")
    market = index.by_symbol["BTC/USDT"]
    ours = parsing.parse_trades(msgspec.convert(raw, type=wire.HistoryTrades, strict=False), market, limit)
    # ccxt's fetch_trades defaults its limit to 1000.
    theirs = oracle.answer(raw).fetch_trades("BTC/USDT", None, limit if limit is not None else 1000)
    assert len(ours) == len(theirs) == (limit or 12)
    for mine, trade in zip(ours, theirs, strict=True):
        assert (mine.id, mine.symbol, mine.side.value if mine.side else None) == (
            trade["id"],
            trade["symbol"],
            trade["side"],
        )
        assert (mine.taker_or_maker, mine.order) == (trade["takerOrMaker"], trade["order"])
        assert_fields(
            {
                "timestamp": (mine.timestamp, trade["timestamp"]),
                "price": (mine.price, trade["price"]),
                "amount": (mine.amount, trade["amount"]),
                "cost": (mine.cost, trade["cost"]),
            }
        )


def test_ohlcv(oracle: Oracle) -> None:
    raw = _json("history_kline_btcusdt_60min.json")
    ours = parsing.parse_ohlcv(msgspec.convert(raw, type=wire.Klines, strict=False))
    exchange = oracle.answer(raw)
    exchange.options["fetchOHLCV"] = {"useHistoricalEndpointForSpot": False}
    theirs = exchange.fetch_ohlcv("BTC/USDT", "1h", None, 1)
    assert len(ours) == len(theirs) == 1
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields(
            {f"{candle.timestamp}[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))}
        )
