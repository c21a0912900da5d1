"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded Binance payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings, so the rule is
  that our exact Decimal rounds to ccxt's double (`float(ours) == theirs`): a double keeps about 17
  significant digits, and e.g. quoteVolume 5167027510.68728707 comes back as 5167027510.687287.

ccxt's markets are built by ccxt 4.5.90's own `parse_market` from the raw `info` entries of
tests/fixtures/binance/ccxt_markets.json (the recorded markets/binance.json), as ccxt builds them when it
loads markets live. The stored unified markets cannot be used as they are: their `precision` is in the
legacy decimal-places form (price: 2), which 4.5.90 reads as a tick of 2 and then truncates `average` to
whole units.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.binance import parsing
from exchangeql.exchanges.binance.schemas import AggTrade, Depth, ExchangeInfo, Kline, SymbolInfo, Ticker24hr
from exchangeql.models import MarketIndex

from ..harness import assert_fields, same
from . import recorded

RAW_MARKETS = [
    m["info"] for m in json.loads(recorded("ccxt_markets.json")).values() if m.get("type") == "spot"
]


def _oracle(exact: bool) -> Any:
    exchange = ccxt.binance()
    if exact:
        exchange.number = str
    # parse_market asks which pairs have margin; these come from a private endpoint we do not replay.
    exchange.options["crossMarginPairsData"] = []
    exchange.options["isolatedMarginPairsData"] = []
    exchange.set_markets([exchange.parse_market(info) for info in RAW_MARKETS])
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_binance(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    info = msgspec.json.decode(recorded("exchange_info.json"), type=ExchangeInfo, strict=False)
    return MarketIndex.of(parsing.parse_markets(info))


def _json(name: str) -> Any:
    return json.loads(recorded(name))


# --- markets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", RAW_MARKETS, ids=[info["symbol"] for info in RAW_MARKETS])
def test_markets(raw: dict[str, Any], ccxt_binance: Any) -> None:
    ours = parsing.parse_market(msgspec.convert(raw, type=SymbolInfo, strict=False))
    theirs = ccxt_binance.parse_market(raw)
    assert (ours.symbol, ours.id, ours.base, ours.quote, ours.base_id, ours.quote_id) == (
        theirs["symbol"],
        theirs["id"],
        theirs["base"],
        theirs["quote"],
        theirs["baseId"],
        theirs["quoteId"],
    )
    assert (ours.type.value, ours.active) == (theirs["type"], theirs["active"])
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


# --- tickers ----------------------------------------------------------------------------------------------

TICKER = _json("ticker_24hr_BTCUSDT.json")
ZERO = "0.00000000"
# The recorded ticker, and variants of it (fields changed as named) for rules the recording does not reach.
TICKERS = {
    "recorded": TICKER,
    "variant-idle-symbol": TICKER
    | dict.fromkeys(("openPrice", "lastPrice", "bidPrice", "askPrice", "highPrice", "lowPrice"), ZERO)
    | {"priceChange": ZERO, "priceChangePercent": "0.000"},
    "variant-open-zero": TICKER | {"openPrice": ZERO},
    "variant-percentage-zero": TICKER | {"priceChangePercent": "0.000"},
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


@pytest.mark.parametrize("raw", TICKERS.values(), ids=TICKERS.keys())
def test_ticker(raw: dict[str, Any], ccxt_binance: Any, index: MarketIndex) -> None:
    ours = parsing.parse_ticker(
        msgspec.convert(raw, type=Ticker24hr, strict=False), index.by_symbol["BTC/USDT"]
    )
    assert_same_ticker(ours, ccxt_binance.parse_ticker(raw, ccxt_binance.market("BTC/USDT")))


def test_tickers(ccxt_binance: Any, index: MarketIndex) -> None:
    payload = list(TICKERS.values())
    ours = parsing.parse_tickers(msgspec.convert(payload, type=list[Ticker24hr], strict=False), index)
    market = ccxt_binance.market("BTC/USDT")
    assert len(ours) == len(payload)
    for mine, raw in zip(ours, payload, strict=True):
        assert_same_ticker(mine, ccxt_binance.parse_ticker(raw, market))


def test_tickers_average_is_that_of_a_single_ticker(ccxt_binance: Any, index: MarketIndex) -> None:
    """ccxt's own parse_tickers passes no market to parse_ticker, so its `average` falls back to 18
    decimals (72775.465) while its fetch_ticker truncates to the price tick (72775.46). Ours gives one
    answer for one ticker whichever path asked: the fetch_ticker one. Every other field matches both."""
    (ours,) = parsing.parse_tickers([msgspec.convert(TICKER, type=Ticker24hr, strict=False)], index)
    theirs = ccxt_binance.parse_tickers([TICKER])["BTC/USDT"]
    assert same(Decimal("72775.465"), theirs["average"])
    assert ours.average == Decimal("72775.46")
    assert_fields({n: (getattr(ours, n), theirs[k]) for n, k in TICKER_FIELDS.items() if n != "average"})


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(ccxt_binance: Any, index: MarketIndex) -> None:
    raw = _json("depth_BTCUSDT.json")
    ours = parsing.parse_order_book(
        msgspec.convert(raw, type=Depth, strict=False), index.by_symbol["BTC/USDT"]
    )
    theirs = ccxt_binance.parse_order_book(raw, "BTC/USDT")
    assert (ours.symbol, ours.timestamp) == (theirs["symbol"], theirs["timestamp"])
    # ccxt's fetch_order_book sets the nonce from lastUpdateId after parsing.
    assert ours.nonce == ccxt_binance.safe_integer(raw, "lastUpdateId")
    for side in ("bids", "asks"):
        levels = getattr(ours, side)
        assert len(levels) == len(theirs[side])
        for level, (price, amount) in zip(levels, theirs[side], strict=True):
            assert_fields({f"{side}.price": (level.price, price), f"{side}.amount": (level.amount, amount)})


TRADES = {
    "recorded": _json("agg_trades_BTCUSDT.json"),
    "variant-buyer-maker": [trade | {"m": True} for trade in _json("agg_trades_BTCUSDT.json")],
}


@pytest.mark.parametrize("raw", TRADES.values(), ids=TRADES.keys())
def test_trades(raw: list[dict[str, Any]], ccxt_binance: Any, index: MarketIndex) -> None:
    market = index.by_symbol["BTC/USDT"]
    ours = parsing.parse_trades(msgspec.convert(raw, type=list[AggTrade], strict=False), market)
    theirs = ccxt_binance.parse_trades(raw, ccxt_binance.market("BTC/USDT"))
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


def test_ohlcv(ccxt_binance: Any) -> None:
    raw = _json("klines_BTCUSDT_1h.json")
    ours = parsing.parse_ohlcv(msgspec.convert(raw, type=list[Kline], strict=False))
    theirs = ccxt_binance.parse_ohlcvs(raw, ccxt_binance.market("BTC/USDT"), "1h")
    assert len(ours) == len(theirs) == 3
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields(
            {f"{candle.timestamp}[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))}
        )
