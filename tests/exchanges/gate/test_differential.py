"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded Gate payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles, so the rule is that our exact Decimal rounds to
  ccxt's double (`float(ours) == theirs`).

ccxt's gate builds spot markets inside fetchMarkets from two answers (spot and margin pairs): the oracle
runs its own fetch_markets with `fetch` answering the recorded pairs to both (each recorded entry already
merges the margin keys), and its fetch_ticker, fetch_order_book, fetch_trades and fetch_ohlcv the same way.
Documented differences (see parsing.py): limits.amount.max is max_base_amount where ccxt has none; the
best bid/ask sizes come from highest_size/lowest_size, which ccxt does not read.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.gate import parsing
from exchangeql.exchanges.gate import schemas as wire
from exchangeql.models import MarketIndex

from ..harness import assert_fields, same
from . import recorded


def _json(name: str) -> Any:
    return json.loads(recorded(name))


class Oracle:
    """ccxt's gate whose HTTP layer answers with the body it is given."""

    def __init__(self, exact: bool) -> None:
        self.exchange: Any = ccxt.gate()
        if exact:
            self.exchange.number = str
        self.exchange.options["fetchMarkets"] = {"types": ["spot"]}
        # fetch_markets, not load_markets: the latter also asks for currencies, which are not recorded.
        self.exchange.set_markets(self.answer(_json("currency_pairs.json")).fetch_markets())

    def answer(self, body: Any) -> Any:
        self.exchange.fetch = lambda *args, **kwargs: body
        return self.exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def oracle(request: pytest.FixtureRequest) -> Oracle:
    return Oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    pairs = msgspec.convert(_json("currency_pairs.json"), type=list[wire.CurrencyPair], strict=False)
    return MarketIndex.of(parsing.parse_markets(pairs))


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
        # Documented difference: ccxt reports no maximum amount.
        assert (market.limits.amount.max, limits["amount"]["max"]) == (market.info.max_base_amount, None)
        assert_fields(
            {
                "precision.price": (market.precision.price, precision["price"]),
                "precision.amount": (market.precision.amount, precision["amount"]),
                "limits.amount.min": (market.limits.amount.min, limits["amount"]["min"]),
                "limits.price.min": (market.limits.price.min, limits["price"]["min"]),
                "limits.price.max": (market.limits.price.max, limits["price"]["max"]),
                "limits.cost.min": (market.limits.cost.min, limits["cost"]["min"]),
                "limits.cost.max": (market.limits.cost.max, limits["cost"]["max"]),
            }
        )


# --- tickers ----------------------------------------------------------------------------------------------

(TICKER,) = _json("tickers_BTC_USDT.json")
# The recorded ticker, and variants of it (fields changed as named) for rules the recording does not reach.
TICKERS = {
    "recorded": TICKER,
    "variant-falling": TICKER | {"change_percentage": "-3.3333"},
    "variant-no-change": TICKER | {"change_percentage": "0"},
    "variant-no-ask": TICKER | {"lowest_ask": ""},
    "variant-nan-volumes": TICKER | {"base_volume": "nan", "quote_volume": "nan"},
    "variant-long-percentage": TICKER | {"change_percentage": "1.123456789012345678901"},
}

TICKER_FIELDS = {  # ours -> ccxt's
    "bid": "bid",
    "ask": "ask",
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


@pytest.mark.parametrize("raw", TICKERS.values(), ids=TICKERS.keys())
def test_ticker(raw: dict[str, Any], oracle: Oracle, index: MarketIndex) -> None:
    ours = parsing.parse_ticker(
        msgspec.convert(raw, type=wire.Ticker, strict=False), index.by_symbol["BTC/USDT"]
    )
    assert_same_ticker(ours, oracle.answer([raw]).fetch_ticker("BTC/USDT"))


def test_tickers(oracle: Oracle, index: MarketIndex) -> None:
    """The all-tickers path, with Gate's documented example under a variant of a recorded market."""
    btc = index.by_symbol["BTC/USDT"]
    etf = dataclasses.replace(btc, id="BTC3L_USDT", symbol="BTC3L/USDT", base="BTC3L", base_id="BTC3L")
    payload = [*TICKERS.values(), *_json("tickers_docs.json")]
    ours = parsing.parse_tickers(
        msgspec.convert(payload, type=list[wire.Ticker], strict=False), MarketIndex.of([btc, etf])
    )
    exchange = oracle.exchange
    etf_market = exchange.market("BTC/USDT") | {"id": "BTC3L_USDT", "symbol": "BTC3L/USDT", "base": "BTC3L"}
    markets = {"BTC_USDT": exchange.market("BTC/USDT"), "BTC3L_USDT": etf_market}
    assert len(ours) == len(payload)
    for mine, raw in zip(ours, payload, strict=True):
        assert_same_ticker(mine, exchange.parse_ticker(raw, markets[raw["currency_pair"]]))


def test_a_total_loss_has_no_change(oracle: Oracle, index: MarketIndex) -> None:
    """A -100 % change leaves no open to infer; ccxt then falls back to percentage / 100 * last / 100, a
    figure that is no price change: ours reports none. Every other field matches."""
    raw = TICKER | {"change_percentage": "-100"}  # variant
    ours = parsing.parse_ticker(
        msgspec.convert(raw, type=wire.Ticker, strict=False), index.by_symbol["BTC/USDT"]
    )
    theirs = oracle.answer([raw]).fetch_ticker("BTC/USDT")
    assert same(Decimal("-733.739"), theirs["change"]) and ours.change is None
    assert_fields({n: (getattr(ours, n), theirs[k]) for n, k in TICKER_FIELDS.items() if n != "change"})


def test_book_sizes_are_read_where_ccxt_does_not(oracle: Oracle, index: MarketIndex) -> None:
    raw = TICKER | {"highest_size": "0.5", "lowest_size": "1.25"}  # variant: today's answers carry them
    ours = parsing.parse_ticker(
        msgspec.convert(raw, type=wire.Ticker, strict=False), index.by_symbol["BTC/USDT"]
    )
    theirs = oracle.answer([raw]).fetch_ticker("BTC/USDT")
    assert (ours.bid_volume, ours.ask_volume) == (Decimal("0.5"), Decimal("1.25"))
    assert (theirs["bidVolume"], theirs["askVolume"]) == (None, None)
    assert_same_ticker(ours, theirs)


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(oracle: Oracle, index: MarketIndex) -> None:
    raw = _json("order_book_docs.json")
    ours = parsing.parse_order_book(
        msgspec.convert(raw, type=wire.OrderBook, strict=False), index.by_symbol["BTC/USDT"]
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


(TRADE,) = _json("trades_BTC_USDT.json")
TRADES = {
    "recorded": [TRADE],
    "variant-seconds-and-order": [
        TRADE | {"id": "2", "create_time_ms": "1710327649000.5", "side": "sell"},
        TRADE,
        TRADE | {"id": "1", "create_time_ms": "1710327648.162035"},
    ],
}


@pytest.mark.parametrize("raw", TRADES.values(), ids=TRADES.keys())
def test_trades(raw: list[dict[str, Any]], oracle: Oracle, index: MarketIndex) -> None:
    market = index.by_symbol["BTC/USDT"]
    ours = parsing.parse_trades(msgspec.convert(raw, type=list[wire.Trade], strict=False), market)
    theirs = oracle.answer(raw).fetch_trades("BTC/USDT")
    assert len(ours) == len(theirs) == len(raw)
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
    raw = _json("candlesticks_BTC_USDT_1h.json")
    ours = parsing.parse_ohlcv(msgspec.convert(raw, type=list[wire.Candlestick], strict=False))
    theirs = oracle.answer(raw).fetch_ohlcv("BTC/USDT", "1h", None, 1)
    assert len(ours) == len(theirs) == 1
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields(
            {f"{candle.timestamp}[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))}
        )
