"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded Bitfinex API v2 payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings, so the rule is
  that our exact Decimal rounds to ccxt's double (`float(ours) == theirs`).

ccxt's markets come from its own fetch_markets run on tests/fixtures/bitfinex/conf_pairs.json (its `fetch`
answers the recorded body, with the two config lists it asks for and we do not, securities and margin
pairs, empty). The stored markets/bitfinex2.json cannot be used as is: it comes from an older ccxt
(baseId "fBTC").
Documented differences (see parsing.py): the price tick (ccxt: 5 significant digits, ours None; the amount
tick 1e-8 is ccxt's 8 decimals), a swap's settleId (ccxt: "USDT", ours the venue id "USTF0"), the book's
timestamp (ccxt: the local clock, ours None).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.conformance import compare, ticker_dict
from exchangeql.exchanges.bitfinex import parsing
from exchangeql.exchanges.bitfinex.schemas import (
    BookEntry,
    CandleRow,
    PairEntry,
    PairsConfig,
    PublicTrade,
    TickerRow,
    TradingTicker,
)
from exchangeql.models import MarketIndex

from ..harness import assert_fields
from . import FIXTURES, recorded

CCXT_STATIC = FIXTURES.parent / "ccxt-static"  # the repository's verbatim copy


def _json(name: str) -> Any:
    return json.loads(recorded(name))


CONF = _json("conf_pairs.json")
ENTRIES = [*CONF[0], *CONF[1]]


def _oracle(exact: bool) -> Any:
    exchange = ccxt.bitfinex()
    if exact:
        exchange.number = str
    exchange.fetch = lambda url, method="GET", headers=None, body=None: [*CONF, [], []]
    exchange.set_markets(exchange.fetch_markets())
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_bitfinex(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(
        parsing.parse_markets(msgspec.json.decode(recorded("conf_pairs.json"), type=PairsConfig))
    )


# --- markets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ENTRIES, ids=[entry[0] for entry in ENTRIES])
def test_markets(raw: list[Any], ccxt_bitfinex: Any) -> None:
    ours = parsing.parse_market(msgspec.convert(raw, type=PairEntry))
    theirs = ccxt_bitfinex.market(ours.symbol)
    assert (ours.symbol, ours.id, ours.base, ours.quote, ours.base_id, ours.quote_id, ours.settle) == (
        theirs["symbol"],
        theirs["id"],
        theirs["base"],
        theirs["quote"],
        theirs["baseId"],
        theirs["quoteId"],
        theirs["settle"],
    )
    assert (ours.type.value, ours.active, ours.linear) == (theirs["type"], theirs["active"], theirs["linear"])
    # Documented: ccxt repeats the unified code as settleId.
    assert theirs["settleId"] == ours.settle
    assert ours.settle_id == (ours.quote_id if ours.settle else None)
    # Documented: ccxt's precision is 8 (decimals, for amounts) and 5 (significant digits, for prices).
    assert (theirs["precision"]["amount"], theirs["precision"]["price"]) in ((8, 5), ("8", "5"))
    assert (ours.precision.amount, ours.precision.price) == (Decimal("1e-8"), None)
    limits = theirs["limits"]
    assert_fields(
        {
            "contractSize": (ours.contract_size, theirs["contractSize"]),
            "limits.amount.min": (ours.limits.amount.min, limits["amount"]["min"]),
            "limits.amount.max": (ours.limits.amount.max, limits["amount"]["max"]),
            "limits.price.min": (ours.limits.price.min, limits["price"]["min"]),
            "limits.price.max": (ours.limits.price.max, limits["price"]["max"]),
            "limits.cost.min": (ours.limits.cost.min, limits["cost"]["min"]),
            "limits.cost.max": (ours.limits.cost.max, limits["cost"]["max"]),
        }
    )


# --- tickers ----------------------------------------------------------------------------------------------

TICKER = _json("ticker_tBTCUST.json")
# The recorded ticker, and variants of it (fields as named) for rules the recording does not reach.
# Layout: BID, BID_SIZE, ASK, ASK_SIZE, DAILY_CHANGE, DAILY_CHANGE_RELATIVE, LAST_PRICE, VOLUME, HIGH, LOW.
TICKERS = {
    "recorded": TICKER,
    "variant-relative-zero": [*TICKER[:5], 0, *TICKER[6:]],
    "variant-falling": [*TICKER[:4], -1003, -0.01386374, *TICKER[6:]],
    "variant-falling-relative-zero": [*TICKER[:4], -977, 0, *TICKER[6:]],
    "variant-half-cent-average": [*TICKER[:4], 1003.07, 0.01386469, 73350.33, *TICKER[7:]],
    "variant-idle": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
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
def test_ticker(raw: list[Any], ccxt_bitfinex: Any, index: MarketIndex) -> None:
    body = json.dumps(raw).encode()  # through JSON text, as the venue's numbers arrive
    ours = parsing.parse_ticker(msgspec.json.decode(body, type=TradingTicker), index.by_symbol["BTC/USDT"])
    assert_same_ticker(ours, ccxt_bitfinex.parse_ticker(json.loads(body), ccxt_bitfinex.market("BTC/USDT")))


def test_tickers(ccxt_bitfinex: Any, index: MarketIndex) -> None:
    rows = [["tBTCUST", *raw] for raw in TICKERS.values()]
    rows.append(["tBTCF0:USTF0", *TICKER])  # the perpetual, from the same endpoint
    body = json.dumps(rows).encode()
    ours = parsing.parse_tickers(msgspec.json.decode(body, type=list[TickerRow]), index)
    assert len(ours) == len(rows)
    for mine, row in zip(ours, json.loads(body), strict=True):
        assert_same_ticker(mine, ccxt_bitfinex.parse_ticker(row))


def test_recorded_ticker_case_predates_ccxt_4_5_90(index: MarketIndex) -> None:
    """Why response/bitfinex2.json's 'public spot ticker' fails conformance: its parsedResponse comes from
    another ccxt, which read BID_SIZE/ASK_SIZE (sums of 25 levels) as bid/ask volume and derived no
    average. ccxt 4.5.90 itself differs from it on exactly those fields, as we do."""
    case = json.loads((CCXT_STATIC / "response" / "bitfinex2.json").read_text())["methods"]["fetchTicker"][0]
    ours = ticker_dict(
        parsing.parse_ticker(
            msgspec.convert(case["httpResponse"], type=TradingTicker), index.by_symbol["BTC/USDT"]
        )
    )
    exchange = _oracle(exact=False)
    theirs = exchange.parse_ticker(case["httpResponse"], exchange.market("BTC/USDT"))
    stale = [
        "bidVolume: expected 2.55279457 got null",
        "askVolume: expected 6.36068263 got null",
        "average: expected null got 72848.5",
    ]
    assert compare(case["parsedResponse"], ours) == stale
    assert compare(case["parsedResponse"], {key: theirs[key] for key in ours}) == stale


# --- order book, trades, candles --------------------------------------------------------------------------

# The documented book entry, with a bid and two asks added (variant) to reach the sorting and the sign rule.
BOOK = [*_json("book_P0_tBTCUSD.json"), [7255.9, 1, -0.5], [7255.1, 2, -1.25], [7254.5, 4, 0.75]]


def test_order_book(index: MarketIndex) -> None:
    exchange = _oracle(exact=True)
    exchange.options["fetchOrderBook"] = {"precision": "P0"}
    exchange.fetch = lambda url, method="GET", headers=None, body=None: BOOK
    theirs = exchange.fetch_order_book("BTC/USD", 25)
    ours = parsing.parse_order_book(msgspec.convert(BOOK, type=list[BookEntry]), index.by_symbol["BTC/USD"])
    assert (ours.symbol, ours.nonce, ours.timestamp) == (theirs["symbol"], theirs["nonce"], None)
    for side in ("bids", "asks"):
        levels = getattr(ours, side)
        assert len(levels) == len(theirs[side]) == 2
        for level, (price, amount) in zip(levels, theirs[side], strict=True):
            assert_fields({f"{side}.price": (level.price, price), f"{side}.amount": (level.amount, amount)})


TRADES = {
    "recorded": _json("trades_tBTCUST.json"),
    "variant-sold": [[trade[0], trade[1], -trade[2], trade[3]] for trade in _json("trades_tBTCUST.json")],
}


@pytest.mark.parametrize("raw", TRADES.values(), ids=TRADES.keys())
@pytest.mark.parametrize("symbol", ["BTC/USDT", "BTC/USDT:USDT"])
def test_trades(raw: list[Any], symbol: str, ccxt_bitfinex: Any, index: MarketIndex) -> None:
    ours = parsing.parse_trades(msgspec.convert(raw, type=list[PublicTrade]), index.by_symbol[symbol])
    theirs = ccxt_bitfinex.parse_trades([{"result": row} for row in raw], ccxt_bitfinex.market(symbol))
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


def test_ohlcv(ccxt_bitfinex: Any) -> None:
    raw = _json("candles_1h_tBTCUST.json")
    ours = parsing.parse_ohlcv(msgspec.convert(raw, type=list[CandleRow]))
    theirs = ccxt_bitfinex.parse_ohlcvs(raw, ccxt_bitfinex.market("BTC/USDT"), "1h")
    assert len(ours) == len(theirs) == 1
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields({f"[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))})
