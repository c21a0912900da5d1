"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded Coinbase Exchange payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings, so the rule is
  that our exact Decimal rounds to ccxt's double (`float(ours) == theirs`).

ccxt's markets come from its own fetch_markets run on tests/fixtures/coinbaseexchange/products.json (its
`fetch` answers the recorded body, so nothing goes on the network).
Documented difference: ccxt gives the order book no timestamp; ours is the book's own "time" field.
"""

from __future__ import annotations

import json
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.coinbaseexchange import parsing
from exchangeql.exchanges.coinbaseexchange.schemas import (
    Candle,
    Product,
    ProductBook,
    ProductTicker,
    ProductTrade,
)
from exchangeql.models import MarketIndex

from ..harness import assert_fields
from . import recorded


def _json(name: str) -> Any:
    return json.loads(recorded(name))


PRODUCTS = _json("products.json")


def _oracle(exact: bool) -> Any:
    exchange = ccxt.coinbaseexchange()
    if exact:
        exchange.number = str
    exchange.fetch = lambda url, method="GET", headers=None, body=None: PRODUCTS
    exchange.set_markets(exchange.fetch_markets())
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_coinbase(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(
        parsing.parse_markets(msgspec.json.decode(recorded("products.json"), type=list[Product]))
    )


# --- markets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", PRODUCTS, ids=[p["id"] for p in PRODUCTS])
def test_markets(raw: dict[str, Any], ccxt_coinbase: Any) -> None:
    ours = parsing.parse_market(msgspec.convert(raw, type=Product))
    theirs = ccxt_coinbase.market(ours.symbol)
    assert (ours.symbol, ours.id, ours.base, ours.quote, ours.base_id, ours.quote_id) == (
        theirs["symbol"],
        theirs["id"],
        theirs["base"],
        theirs["quote"],
        theirs["baseId"],
        theirs["quoteId"],
    )
    assert (ours.type.value, ours.active, ours.settle) == (theirs["type"], theirs["active"], theirs["settle"])
    precision, limits = theirs["precision"], theirs["limits"]
    assert_fields(
        {
            "precision.price": (ours.precision.price, precision["price"]),
            "precision.amount": (ours.precision.amount, precision["amount"]),
            "limits.amount.min": (ours.limits.amount.min, limits["amount"]["min"]),
            "limits.amount.max": (ours.limits.amount.max, limits["amount"]["max"]),
            "limits.price.min": (ours.limits.price.min, limits["price"]["min"]),
            "limits.price.max": (ours.limits.price.max, limits["price"]["max"]),
            "limits.cost.min": (ours.limits.cost.min, limits["cost"]["min"]),
            "limits.cost.max": (ours.limits.cost.max, limits["cost"]["max"]),
        }
    )


def test_an_offline_product_is_inactive_for_both() -> None:
    raw = PRODUCTS[0] | {"status": "offline"}  # variant
    assert parsing.parse_market(msgspec.convert(raw, type=Product)).active is False
    exchange = ccxt.coinbaseexchange()
    exchange.fetch = lambda url, method="GET", headers=None, body=None: [raw]
    (theirs,) = exchange.fetch_markets()
    assert theirs["active"] is False


# --- tickers ----------------------------------------------------------------------------------------------

TICKER = _json("ticker_BTC-USDT.json")
TICKERS = {
    "recorded": TICKER,
    "variant-zero-bid-ask": TICKER | {"bid": "0", "ask": "0"},
    "variant-live-trade-id": TICKER | {"trade_id": 18502105},
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


@pytest.mark.parametrize("raw", TICKERS.values(), ids=TICKERS.keys())
def test_ticker(raw: dict[str, Any], ccxt_coinbase: Any, index: MarketIndex) -> None:
    ours = parsing.parse_ticker(msgspec.convert(raw, type=ProductTicker), index.by_symbol["BTC/USDT"])
    theirs = ccxt_coinbase.parse_ticker(raw, ccxt_coinbase.market("BTC/USDT"))
    assert ours.symbol == theirs["symbol"]
    assert_fields({name: (getattr(ours, name), theirs[key]) for name, key in TICKER_FIELDS.items()})


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(ccxt_coinbase: Any, index: MarketIndex) -> None:
    raw = _json("book_level2.json")
    ours = parsing.parse_order_book(msgspec.convert(raw, type=ProductBook), index.by_symbol["BTC/USDT"])
    theirs = ccxt_coinbase.parse_order_book(raw, "BTC/USDT")
    assert ours.symbol == theirs["symbol"]
    assert theirs["timestamp"] is None and ours.timestamp == 1613092163334  # documented difference
    # ccxt's fetch_order_book sets the nonce from the sequence after parsing.
    assert ours.nonce == ccxt_coinbase.safe_integer(raw, "sequence")
    for side in ("bids", "asks"):
        levels = getattr(ours, side)
        assert len(levels) == len(theirs[side])
        for level, (price, amount, *_count) in zip(levels, theirs[side], strict=True):
            assert_fields({f"{side}.price": (level.price, price), f"{side}.amount": (level.amount, amount)})


TRADES = {
    "recorded": _json("trades_BTC-USDT.json"),
    "variant-maker-bought": [trade | {"side": "buy"} for trade in _json("trades_BTC-USDT.json")],
}


@pytest.mark.parametrize("raw", TRADES.values(), ids=TRADES.keys())
def test_trades(raw: list[dict[str, Any]], ccxt_coinbase: Any, index: MarketIndex) -> None:
    market = index.by_symbol["BTC/USDT"]
    ours = parsing.parse_trades(msgspec.convert(raw, type=list[ProductTrade]), market)
    theirs = ccxt_coinbase.parse_trades(raw, ccxt_coinbase.market("BTC/USDT"))
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


def test_ohlcv(ccxt_coinbase: Any) -> None:
    raw = _json("candles_BTC-USDT_3600.json")
    ours = parsing.parse_ohlcv(msgspec.convert(raw, type=list[Candle]))
    theirs = ccxt_coinbase.parse_ohlcvs(raw, ccxt_coinbase.market("BTC/USDT"), "1h")
    assert len(ours) == len(theirs) == 1
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields({f"[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))})
