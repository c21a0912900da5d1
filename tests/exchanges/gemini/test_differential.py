"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded Gemini payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings (v2 candles:
  from the JSON numbers themselves), so the rule is that our exact Decimal rounds to ccxt's double.

ccxt's markets are built by ccxt 4.5.90's own parse_market from the ids of tests/fixtures/gemini/
symbols.json, which is what its default fetch_markets does with /v1/symbols when it has no trading-pair
data from the web page (see constants.py): the ccxt-static markets/gemini.json was scraped from an older
documentation page and carries HTML rows, not API entries.
"""

from __future__ import annotations

import json
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.gemini import parsing
from exchangeql.exchanges.gemini.schemas import Book, Candle, Price, PubTicker, Trade
from exchangeql.models import MarketIndex

from ..harness import assert_fields
from . import recorded

SYMBOLS = json.loads(recorded("symbols.json"))


def _oracle(exact: bool) -> Any:
    exchange = ccxt.gemini()
    if exact:
        exchange.number = str
    exchange.set_markets([market for i in SYMBOLS if (market := exchange.parse_market(i)) is not None])
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_gemini(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(SYMBOLS))


# --- markets ----------------------------------------------------------------------------------------------


def test_markets(ccxt_gemini: Any, index: MarketIndex) -> None:
    assert sorted(m.symbol for m in index.markets) == sorted(ccxt_gemini.markets)
    for ours in index.markets:
        theirs = ccxt_gemini.markets[ours.symbol]
        assert (ours.id, ours.base, ours.quote, ours.settle) == (
            theirs["id"],
            theirs["base"],
            theirs["quote"],
            theirs["settle"],
        )
        assert (ours.base_id, ours.quote_id, ours.settle_id) == (
            theirs["baseId"],
            theirs["quoteId"],
            theirs["settleId"],
        )
        assert (ours.type.value, ours.linear, ours.contract_size) == (
            theirs["type"],
            theirs["linear"],
            theirs["contractSize"],
        )
        assert (
            (ours.precision.price, ours.precision.amount)
            == (None, None)
            == tuple(theirs["precision"].values())
        )
        assert theirs["limits"]["amount"]["min"] is None and ours.limits.amount.min is None
        # Deliberate difference: ccxt reports `active` None (unknown); every listed id is tradable here.
        assert (ours.active, theirs["active"]) == (True, None)


# --- tickers ----------------------------------------------------------------------------------------------

TICKERS = {
    "recorded btcusdt": ("BTC/USDT", json.loads(recorded("pubticker_btcusdt.json"))),
    "recorded usdcusd": ("USDC/USD", json.loads(recorded("pubticker_usdcusd.json"))),
    "recorded btcgusdperp": ("BTC/GUSD:GUSD", json.loads(recorded("pubticker_btcgusdperp.json"))),
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
    "timestamp": "timestamp",
}


def assert_same_ticker(ours: Any, theirs: dict[str, Any]) -> None:
    assert ours.symbol == theirs["symbol"]
    assert_fields({name: (getattr(ours, name), theirs[key]) for name, key in TICKER_FIELDS.items()})


@pytest.mark.parametrize(("symbol", "raw"), TICKERS.values(), ids=TICKERS.keys())
def test_ticker(symbol: str, raw: dict[str, Any], ccxt_gemini: Any, index: MarketIndex) -> None:
    ours = parsing.parse_ticker(msgspec.convert(raw, type=PubTicker, strict=False), index.by_symbol[symbol])
    assert_same_ticker(ours, ccxt_gemini.parse_ticker(raw, ccxt_gemini.market(symbol)))


# No /v1/pricefeed answer is recorded: entries built from the recorded BTCUSDT ticker (price = its last),
# the 24 h change set by the test, to compare ccxt's derivations with ours.
LAST = json.loads(recorded("pubticker_btcusdt.json"))["last"]
PRICES = [
    {"pair": "BTCUSDT", "price": LAST, "percentChange24h": change} for change in ("2", "-0.0146", "0.0000")
]


@pytest.mark.parametrize("raw", PRICES, ids=[p["percentChange24h"] for p in PRICES])
def test_price_feed_tickers(raw: dict[str, Any], ccxt_gemini: Any, index: MarketIndex) -> None:
    (ours,) = parsing.parse_price_tickers([msgspec.convert(raw, type=Price)], index)
    theirs = ccxt_gemini.parse_tickers([raw])
    assert list(theirs) == ["BTC/USDT"]
    assert_same_ticker(ours, theirs["BTC/USDT"])


# --- order book, trades, candles --------------------------------------------------------------------------


def test_an_empty_order_book(ccxt_gemini: Any, index: MarketIndex) -> None:
    raw: dict[str, list[Any]] = {"bids": [], "asks": []}  # no book is recorded: the shape only
    ours = parsing.parse_order_book(msgspec.convert(raw, type=Book), index.by_symbol["BTC/USDT"])
    theirs = ccxt_gemini.parse_order_book(raw, "BTC/USDT", None, "bids", "asks", "price", "amount")
    assert (ours.symbol, ours.timestamp, list(ours.bids), list(ours.asks)) == (
        theirs["symbol"],
        theirs["timestamp"],
        theirs["bids"],
        theirs["asks"],
    )


ROWS = json.loads(recorded("trades_btcusdt.json"))
TRADES = {"recorded": ROWS, "variant-sell": [row | {"type": "sell"} for row in ROWS]}


@pytest.mark.parametrize("rows", TRADES.values(), ids=TRADES.keys())
def test_trades(rows: list[dict[str, Any]], ccxt_gemini: Any, index: MarketIndex) -> None:
    market = index.by_symbol["BTC/USDT"]
    ours = parsing.parse_trades(msgspec.convert(rows, type=list[Trade], strict=False), market)
    theirs = ccxt_gemini.parse_trades(rows, ccxt_gemini.market("BTC/USDT"))
    assert len(ours) == len(theirs) == len(rows)
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


def test_ohlcv(ccxt_gemini: Any) -> None:
    body = recorded("candles_btcusdt_1hr.json")
    ours = parsing.parse_ohlcv(msgspec.json.decode(body, type=list[Candle]), None, 1)
    theirs = ccxt_gemini.parse_ohlcvs(json.loads(body), ccxt_gemini.market("BTC/USDT"), "1h", None, 1)
    assert len(ours) == len(theirs) == 1
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields(
            {f"{candle.timestamp}[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))}
        )
