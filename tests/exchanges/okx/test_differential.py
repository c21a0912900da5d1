"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded OKX payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings, so the rule is
  that our exact Decimal rounds to ccxt's double (`float(ours) == theirs`).

ccxt's markets are built by ccxt 4.5.90's own `parse_market` from the raw `info` entries of
tests/fixtures/okx/ccxt_markets.json (the recorded markets/okx.json), as ccxt builds them when it loads
markets live; the stored unified markets come from an older ccxt (no amount.max, for one).
Documented differences: ccxt's order book levels carry a third element (OKX's deprecated "liquidated
orders" count) that our levels do not model, so levels compare on price and amount.
"""

from __future__ import annotations

import json
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.okx import parsing
from exchangeql.exchanges.okx import schemas as wire
from exchangeql.models import MarketIndex, MarketType

from ..harness import assert_fields
from . import recorded

RAW_MARKETS = [m["info"] for m in json.loads(recorded("ccxt_markets.json")).values()]
OURS = [info for info in RAW_MARKETS if info["instType"] in ("SPOT", "SWAP")]


def _oracle(exact: bool) -> Any:
    exchange = ccxt.okx()
    if exact:
        exchange.number = str
    exchange.set_markets([exchange.parse_market(info) for info in RAW_MARKETS])
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_okx(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    infos = msgspec.convert(OURS, type=list[wire.Instrument], strict=False)
    return MarketIndex.of(parsing.parse_markets(infos))


def _json(name: str) -> Any:
    return json.loads(recorded(name))


# --- markets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", OURS, ids=[info["instId"] for info in OURS])
def test_markets(raw: dict[str, Any], ccxt_okx: Any) -> None:
    ours = parsing.parse_market(msgspec.convert(raw, type=wire.Instrument, strict=False))
    theirs = ccxt_okx.parse_market(raw)
    assert ours is not None
    assert (ours.symbol, ours.id, ours.base, ours.quote, ours.base_id, ours.quote_id) == (
        theirs["symbol"],
        theirs["id"],
        theirs["base"],
        theirs["quote"],
        theirs["baseId"],
        theirs["quoteId"],
    )
    assert (ours.settle, ours.settle_id) == (theirs["settle"], theirs["settleId"] or None)
    assert (ours.type.value, ours.active, ours.linear) == (theirs["type"], theirs["active"], theirs["linear"])
    precision, limits = theirs["precision"], theirs["limits"]
    assert_fields(
        {
            "contractSize": (ours.contract_size, theirs["contractSize"]),
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

(TICKER,) = _json("ticker_BTC-USDT.json")["data"]
# The recorded ticker, and variants of it (fields changed as named) for rules the recording does not reach.
TICKERS = {
    "recorded": TICKER,
    "variant-no-asks": TICKER | {"askPx": "", "askSz": ""},
    "variant-open-zero": TICKER | {"open24h": "0"},
    "variant-falling": TICKER | {"last": "70000.05"},
    "variant-no-last": TICKER | {"last": ""},
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
def test_ticker(raw: dict[str, Any], ccxt_okx: Any, index: MarketIndex) -> None:
    ours = parsing.parse_ticker(
        msgspec.convert(raw, type=wire.Ticker, strict=False), index.by_symbol["BTC/USDT"]
    )
    assert_same_ticker(ours, ccxt_okx.parse_ticker(raw, ccxt_okx.market("BTC/USDT")))


def test_tickers(ccxt_okx: Any, index: MarketIndex) -> None:
    """The all-tickers path: ccxt's parse_tickers resolves each market itself (okx passes it on)."""
    payload = [*TICKERS.values(), *_json("tickers_SWAP_docs.json")["data"]]
    ours = parsing.parse_tickers(msgspec.convert(payload, type=list[wire.Ticker], strict=False), index)
    theirs = [ccxt_okx.parse_ticker(raw) for raw in payload if raw["instId"] in index.by_id]
    assert len(ours) == len(theirs) == len(TICKERS) + 1  # LTC-USD-SWAP is not a recorded market
    for mine, ticker in zip(ours, theirs, strict=True):
        assert_same_ticker(mine, ticker)


# --- order book, trades, candles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "symbol"), [("books_BTC-USDT.json", "BTC/USDT"), ("books_BTC-USDT-SWAP.json", "BTC/USDT:USDT")]
)
def test_order_book(name: str, symbol: str, ccxt_okx: Any, index: MarketIndex) -> None:
    (raw,) = _json(name)["data"]
    ours = parsing.parse_order_book(
        msgspec.convert(raw, type=wire.Book, strict=False), index.by_symbol[symbol]
    )
    theirs = ccxt_okx.parse_order_book(raw, symbol, ccxt_okx.safe_integer(raw, "ts"))
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


TRADES = _json("trades_BTC-USDT.json")["data"]
TRADE_CASES = {  # (payload, market)
    "recorded": (TRADES, "BTC/USDT"),
    "variant-linear-swap": ([t | {"instId": "BTC-USDT-SWAP", "sz": "2"} for t in TRADES], "BTC/USDT:USDT"),
    "variant-inverse-swap": ([t | {"instId": "BTC-USD-SWAP", "sz": "2"} for t in TRADES], "BTC/USD:BTC"),
    "variant-ids-against-venue-order": ([*TRADES, TRADES[0] | {"tradeId": "2"}], "BTC/USDT"),
    "variant-same-millisecond": (
        [TRADES[0] | {"tradeId": "2", "side": "buy"}, *TRADES, TRADES[0] | {"tradeId": "0", "ts": "1"}],
        "BTC/USDT",
    ),
}


@pytest.mark.parametrize(("raw", "symbol"), TRADE_CASES.values(), ids=TRADE_CASES.keys())
def test_trades(raw: list[dict[str, Any]], symbol: str, ccxt_okx: Any, index: MarketIndex) -> None:
    market = index.by_symbol[symbol]
    ours = parsing.parse_trades(msgspec.convert(raw, type=list[wire.Trade], strict=False), market)
    theirs = ccxt_okx.parse_trades(raw, ccxt_okx.market(symbol))
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


@pytest.mark.parametrize("symbol", ["BTC/USDT", "BTC/USDT:USDT"])
def test_ohlcv(symbol: str, ccxt_okx: Any, index: MarketIndex) -> None:
    raw = _json("candles_BTC-USDT_1H.json")["data"]
    market = index.by_symbol[symbol]
    ours = parsing.parse_ohlcv(msgspec.convert(raw, type=list[wire.Candle], strict=False), market)
    theirs = ccxt_okx.parse_ohlcvs(raw, ccxt_okx.market(symbol), "1h")
    assert len(ours) == len(theirs) == 3
    assert market.type is (MarketType.SPOT if symbol == "BTC/USDT" else MarketType.SWAP)
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields(
            {f"{candle.timestamp}[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))}
        )
