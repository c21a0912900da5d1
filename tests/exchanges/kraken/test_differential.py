"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded Kraken payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings, so the rule is
  that our exact Decimal rounds to ccxt's double (`float(ours) == theirs`).

ccxt's markets are built by ccxt 4.5.90's own fetch_markets from the AssetPairs envelope in
tests/fixtures/kraken/asset_pairs.json (the raw `info` entries of the recorded markets/kraken.json), as
ccxt builds them live, without /0/public/Assets (ccxt would call it first through fetchCurrencies; its
only effect is to widen an amount tick to the asset's decimals, see parsing.py).
"""

from __future__ import annotations

import json
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.kraken import parsing
from exchangeql.exchanges.kraken.schemas import AssetPair, DepthBook, Envelope, OhlcRow, TickerInfo, TradeRow
from exchangeql.models import MarketIndex

from ..harness import assert_fields
from . import recorded

ASSET_PAIRS = json.loads(recorded("asset_pairs.json"))


def _oracle(exact: bool) -> Any:
    exchange = ccxt.kraken()
    if exact:
        exchange.number = str
    exchange.has["fetchCurrencies"] = False  # see the module docstring
    answers = {"AssetPairs": ASSET_PAIRS}

    def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        return answers[url.split("?")[0].rsplit("/", 1)[1]]

    exchange.fetch = fetch
    exchange.answers = answers
    exchange.load_markets()
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_kraken(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    envelope = msgspec.json.decode(
        recorded("asset_pairs.json"), type=Envelope[dict[str, AssetPair]], strict=False
    )
    assert envelope.result is not None
    return MarketIndex.of(parsing.parse_markets(envelope.result))


# --- markets ----------------------------------------------------------------------------------------------


def test_markets(ccxt_kraken: Any, index: MarketIndex) -> None:
    theirs = {market["id"]: market for market in ccxt_kraken.markets.values()}
    assert [m.id for m in index.markets] == list(ASSET_PAIRS["result"])
    assert set(theirs) == set(index.by_id)
    for ours in index.markets:
        market = theirs[ours.id]
        assert (ours.symbol, ours.base, ours.quote) == (market["symbol"], market["base"], market["quote"])
        # Deliberate difference: ccxt 4.5.90 reports the unified codes as ids; ours keep Kraken's.
        assert (market["baseId"], market["quoteId"]) == (ours.base, ours.quote)
        assert (ours.base_id, ours.quote_id) == (ours.info.base, ours.info.quote)
        assert (ours.type.value, ours.active) == (market["type"], market["active"])
        precision, limits = market["precision"], market["limits"]
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

TICKER = json.loads(recorded("ticker_XBTUSDT.json"))["result"]["XBTUSDT"]
DOCS_TICKER = json.loads(recorded("ticker_XXBTZUSD_docs.json"))["result"]["XXBTZUSD"]
# Recorded tickers, and variants (fields changed as named) for rules the recordings do not reach.
TICKERS = {
    "recorded XBTUSDT": ("XBTUSDT", TICKER),
    "docs example XXBTZUSD": ("XXBTZUSD", DOCS_TICKER),
    "variant-open-zero": ("XBTUSDT", TICKER | {"o": "0.00000"}),
    "variant-flat-day": ("XBTUSDT", TICKER | {"o": TICKER["c"][0]}),
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


@pytest.mark.parametrize(("pair_id", "raw"), TICKERS.values(), ids=TICKERS.keys())
def test_ticker(pair_id: str, raw: dict[str, Any], ccxt_kraken: Any, index: MarketIndex) -> None:
    market = index.by_id[pair_id]
    ours = parsing.parse_ticker(msgspec.convert(raw, type=TickerInfo, strict=False), market)
    assert_same_ticker(ours, ccxt_kraken.parse_ticker(raw, ccxt_kraken.market(market.symbol)))


def test_tickers_through_ccxt_fetch_tickers(ccxt_kraken: Any, index: MarketIndex) -> None:
    answer = {"error": [], "result": {"XBTUSDT": TICKER, "XXBTZUSD": DOCS_TICKER}}
    ccxt_kraken.answers["Ticker"] = answer
    theirs = ccxt_kraken.fetch_tickers()
    result = msgspec.convert(answer["result"], type=dict[str, TickerInfo], strict=False)
    ours = parsing.parse_tickers(result, index)
    assert [t.symbol for t in ours] == list(theirs) == ["BTC/USDT", "BTC/USD"]
    for ticker in ours:
        assert_same_ticker(ticker, theirs[ticker.symbol])


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(ccxt_kraken: Any, index: MarketIndex) -> None:
    raw = json.loads(recorded("depth_XXBTZUSD_docs.json"))["result"]["XXBTZUSD"]
    ours = parsing.parse_order_book(msgspec.convert(raw, type=DepthBook), index.by_symbol["BTC/USD"])
    theirs = ccxt_kraken.parse_order_book(raw, "BTC/USD")
    assert (ours.symbol, ours.timestamp, ours.nonce) == (
        theirs["symbol"],
        theirs["timestamp"],
        theirs["nonce"],
    )
    for side in ("bids", "asks"):
        levels = getattr(ours, side)
        assert len(levels) == len(theirs[side]) == 3
        for level, (price, amount, _) in zip(levels, theirs[side], strict=True):
            assert_fields({f"{side}.price": (level.price, price), f"{side}.amount": (level.amount, amount)})


ROWS = json.loads(recorded("trades_XBTUSDT.json"))["result"]["XBTUSDT"]
TRADES = {
    "recorded": ROWS,
    "variant-sell-limit": [[*row[:3], "s", "l", *row[5:]] for row in ROWS],
}


@pytest.mark.parametrize("rows", TRADES.values(), ids=TRADES.keys())
def test_trades(rows: list[list[Any]], ccxt_kraken: Any, index: MarketIndex) -> None:
    market = index.by_symbol["BTC/USDT"]
    ours = parsing.parse_trades(msgspec.convert(rows, type=list[TradeRow], strict=False), market)
    theirs = ccxt_kraken.parse_trades(json.loads(json.dumps(rows)), ccxt_kraken.market("BTC/USDT"))
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


@pytest.mark.parametrize(("since", "limit"), [(1706628191000, 3), (None, 2), (None, None)])
def test_ohlcv(since: int | None, limit: int | None, ccxt_kraken: Any) -> None:
    rows = json.loads(recorded("ohlc_XBTUSDT_60.json"))["result"]["XBTUSDT"]
    ours = parsing.parse_ohlcv(msgspec.convert(rows, type=list[OhlcRow], strict=False), since, limit)
    theirs = ccxt_kraken.parse_ohlcvs(rows, ccxt_kraken.market("BTC/USDT"), "1h", since, limit)
    assert len(ours) == len(theirs) > 0
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields(
            {f"{candle.timestamp}[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))}
        )
