"""Differential tests: our parsers against ccxt 4.5.90's, on the same recorded KuCoin payloads.

Two ccxt oracles parse each payload:
- `exact`: ccxt with `number = str`, so every number it returns is the decimal string its Precise string
  arithmetic produced. Ours must equal it exactly, as a Decimal.
- `floats`: ccxt as users run it. Its numbers are doubles parsed from those same strings, so the rule is
  that our exact Decimal rounds to ccxt's double (`float(ours) == theirs`).

ccxt's markets come from its own fetch_markets run on tests/fixtures/kucoin/symbols.json (its `fetch`
answers the recorded body; spot only, no fee tickers, no credentials: nothing else is asked).
Documented difference: trade times are ns // 10**6 in integers; ccxt goes through doubles, which is the
same on the recorded time but a millisecond early on some exact-millisecond times (test_trade_time_rule).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import ccxt
import msgspec
import pytest

from exchangeql.exchanges.kucoin import parsing
from exchangeql.exchanges.kucoin.schemas import (
    AllTickers,
    CandleRow,
    HistoryTrade,
    PartOrderBook,
    Stats,
    SymbolInfo,
    TickerItem,
)
from exchangeql.models import MarketIndex

from ..harness import assert_fields
from . import recorded


def _json(name: str) -> Any:
    return json.loads(recorded(name))


SYMBOLS = _json("symbols.json")


def _answer(body: Any) -> Any:
    """A replacement for ccxt's `fetch` that answers `body` to any request."""
    return lambda *args, **kwargs: body


def _oracle(exact: bool) -> Any:
    exchange = ccxt.kucoin()
    if exact:
        exchange.number = str
    exchange.options["fetchMarkets"] = {"types": ["spot"]}
    exchange.fetch = _answer(SYMBOLS)
    exchange.set_markets(exchange.fetch_markets({"fetchTickersFees": False}))
    return exchange


@pytest.fixture(scope="module", params=["exact", "floats"])
def ccxt_kucoin(request: pytest.FixtureRequest) -> Any:
    return _oracle(request.param == "exact")


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(msgspec.convert(SYMBOLS["data"], type=list[SymbolInfo])))


# --- markets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", SYMBOLS["data"], ids=[s["symbol"] for s in SYMBOLS["data"]])
def test_markets(raw: dict[str, Any], ccxt_kucoin: Any) -> None:
    ours = parsing.parse_market(msgspec.convert(raw, type=SymbolInfo))
    theirs = ccxt_kucoin.market(ours.symbol)
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


# --- tickers ----------------------------------------------------------------------------------------------

STATS = _json("stats_BTC-USDT.json")["data"]
TICKERS = {
    "recorded": STATS,
    "variant-rate-zero": STATS | {"changeRate": "0"},
    "variant-falling": STATS | {"changeRate": "-0.0089", "changePrice": "-597.9"},
    "variant-no-average": STATS | {"averagePrice": None},
    "variant-idle": STATS
    | dict.fromkeys(("buy", "sell", "last", "high", "low", "changePrice", "changeRate", "averagePrice"))
    | {"vol": "0", "volValue": "0"},
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


def assert_same_ticker(ours: Any, theirs: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    assert ours.symbol == theirs["symbol"]
    assert_fields({n: (getattr(ours, n), theirs[k]) for n, k in TICKER_FIELDS.items() if n not in skip})


@pytest.mark.parametrize("raw", TICKERS.values(), ids=TICKERS.keys())
def test_ticker(raw: dict[str, Any], ccxt_kucoin: Any, index: MarketIndex) -> None:
    ours = parsing.parse_ticker(msgspec.convert(raw, type=Stats), index.by_symbol["BTC/USDT"])
    assert_same_ticker(ours, ccxt_kucoin.parse_spot_or_uta_ticker(raw, ccxt_kucoin.market("BTC/USDT")))


def test_all_tickers(ccxt_kucoin: Any, index: MarketIndex) -> None:
    body = _json("all_tickers.json")
    (item,) = body["data"]["ticker"]
    sized = item | {"bestBidSize": "0.1", "bestAskSize": "1", "symbol": "ETH-USDT"}  # variant
    body["data"]["ticker"].append(sized)
    ours = parsing.parse_tickers(msgspec.convert(body["data"], type=AllTickers), index)
    ccxt_kucoin.fetch = _answer(body)
    theirs = ccxt_kucoin.fetch_tickers()
    assert [t.symbol for t in ours] == list(theirs) == ["BTC/USDT", "ETH/USDT"]
    for mine in ours:
        assert_same_ticker(mine, theirs[mine.symbol])


def test_all_tickers_derive_a_missing_average_at_the_tick(ccxt_kucoin: Any, index: MarketIndex) -> None:
    """Without averagePrice, (open + last) / 2 is truncated to the price tick on both paths: ccxt resolves
    each row's market by id before deriving."""
    base = _json("all_tickers.json")["data"]["ticker"][0]
    for item, average in (
        (base | {"averagePrice": None}, "11360.7"),  # (11392.5 + 11328.9) / 2
        (base | {"averagePrice": None, "last": "11328.95", "changePrice": "-63.65"}, "11360.7"),  # 11360.775
    ):
        (ours,) = parsing.parse_tickers(
            AllTickers(1602832092060, [msgspec.convert(item, type=TickerItem)]), index
        )
        theirs = ccxt_kucoin.parse_spot_or_uta_ticker(item | {"time": 1602832092060})
        assert ours.average == Decimal(average)
        assert_same_ticker(ours, theirs)


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(ccxt_kucoin: Any, index: MarketIndex) -> None:
    body = _json("orderbook_level2_20_BTC-USDT.json")
    ours = parsing.parse_order_book(
        msgspec.convert(body["data"], type=PartOrderBook, strict=False), index.by_symbol["BTC/USDT"]
    )
    ccxt_kucoin.fetch = _answer(body)
    theirs = ccxt_kucoin.fetch_order_book("BTC/USDT", 20)
    assert (ours.symbol, ours.timestamp, ours.nonce) == (
        theirs["symbol"],
        theirs["timestamp"],
        theirs["nonce"],
    )
    for side in ("bids", "asks"):
        levels = getattr(ours, side)
        assert len(levels) == len(theirs[side]) == 2
        for level, (price, amount) in zip(levels, theirs[side], strict=True):
            assert_fields({f"{side}.price": (level.price, price), f"{side}.amount": (level.amount, amount)})


TRADES = _json("histories_BTC-USDT.json")["data"]


@pytest.mark.parametrize(
    "raw", [TRADES, [trade | {"side": "buy"} for trade in TRADES]], ids=["recorded", "variant-buy"]
)
def test_trades(raw: list[dict[str, Any]], ccxt_kucoin: Any, index: MarketIndex) -> None:
    ours = parsing.parse_trades(msgspec.convert(raw, type=list[HistoryTrade]), index.by_symbol["BTC/USDT"])
    theirs = ccxt_kucoin.parse_trades(raw, ccxt_kucoin.market("BTC/USDT"))
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


def test_trade_time_rule(ccxt_kucoin: Any, index: MarketIndex) -> None:
    """ccxt reads the nanoseconds as a double (rounded to 256 ns here) and divides as doubles; we divide
    integers. Both give the recorded time; on an exact millisecond that the double rounds down, ccxt lands
    one millisecond early, and we do not."""
    market = index.by_symbol["BTC/USDT"]
    for ns, ms in ((1709897616745000000, 1709897616745), (1709897616745999999, 1709897616745)):
        raw = TRADES[0] | {"time": ns}
        assert parsing.parse_trade(msgspec.convert(raw, type=HistoryTrade), market).timestamp == ms
        assert ccxt_kucoin.parse_trade(raw, ccxt_kucoin.market("BTC/USDT"))["timestamp"] == ms
    exact_ms = TRADES[0] | {"time": 1709897616746000000}
    assert (
        parsing.parse_trade(msgspec.convert(exact_ms, type=HistoryTrade), market).timestamp == 1709897616746
    )
    assert ccxt_kucoin.parse_trade(exact_ms, ccxt_kucoin.market("BTC/USDT"))["timestamp"] == 1709897616745


def test_ohlcv(ccxt_kucoin: Any) -> None:
    raw = _json("candles_BTC-USDT_1hour.json")["data"]
    ours = parsing.parse_ohlcv(msgspec.convert(raw, type=list[CandleRow], strict=False))
    theirs = ccxt_kucoin.parse_ohlcvs(raw, ccxt_kucoin.market("BTC/USDT"), "1h")
    assert len(ours) == len(theirs) == 3
    for candle, row in zip(ours, theirs, strict=True):
        values = (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert_fields(
            {f"{candle.timestamp}[{i}]": pair for i, pair in enumerate(zip(values, row, strict=True))}
        )
