"""Pure parser tests from recorded HTX bodies and documentation examples: exact Decimals, no HTTP.

A few tests use a *variant* of a recorded body or market (fields changed with msgspec.structs.replace or
dataclasses.replace) to reach a rule the recordings do not exercise; each says what it changed.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest

from exchangeql.exchanges.htx import parsing
from exchangeql.exchanges.htx import schemas as wire
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind, strict=False)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_decode("symbols.json", wire.Symbols).data))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def merged() -> wire.Merged:
    return _decode("detail_merged_btcusdt.json", wire.Merged)


def documented_markets(index: MarketIndex) -> MarketIndex:
    """Variants of recorded markets under the ids of HTX's documentation example (ids and codes changed)."""
    ada, ltc = index.by_symbol["ADA/USDT"], index.by_symbol["LTC/USDT"]
    smt = dataclasses.replace(ada, id="smtusdt", symbol="SMT/USDT", base="SMT", base_id="smt")
    ltc_ht = dataclasses.replace(ltc, id="ltcht", symbol="LTC/HT", quote="HT", quote_id="ht")
    return MarketIndex.of([smt, ltc_ht])


# --- markets ----------------------------------------------------------------------------------------------


def test_markets_are_the_recorded_spot_pairs(index: MarketIndex) -> None:
    assert [m.symbol for m in index.markets] == [
        "BTC/USDT",
        "ETH/USDT",
        "ADA/USDT",
        "LTC/USDT",
        "XRP/USDT",
        "DOGE/USDT",
        "TRX/USDT",
    ]
    assert all(m.type is MarketType.SPOT for m in index.markets)
    assert index.by_id["ethusdt"].symbol == "ETH/USDT"


def test_btc_usdt_market_precision_and_limits(btc: Market) -> None:
    assert (btc.id, btc.base_id, btc.quote_id, btc.base, btc.quote) == (
        "btcusdt",
        "btc",
        "usdt",
        "BTC",
        "USDT",
    )
    assert btc.active is True
    # price-precision 2 and amount-precision 6: decimals, turned into ticks.
    assert (btc.precision.price, btc.precision.amount) == (Decimal("0.01"), Decimal("0.000001"))
    assert (btc.limits.amount.min, btc.limits.amount.max) == (Decimal("0.00001"), Decimal("1000"))
    assert (btc.limits.cost.min, btc.limits.cost.max) == (Decimal("1"), None)
    assert (btc.limits.price.min, btc.limits.price.max) == (None, None)
    assert btc.info.symbol == "btcusdt"


def test_live_numbers_and_recorded_strings_decode_alike(btc: Market) -> None:
    # The live API sends precisions and limits as JSON numbers; the recordings carry strings.
    live = b'{"base-currency":"btc","quote-currency":"usdt","price-precision":2,"amount-precision":6,'
    live += b'"state":"online","min-order-amt":0.00001,"max-order-amt":1000,"min-order-value":1}'
    market = parsing.parse_market(msgspec.json.decode(live, type=wire.SymbolInfo))
    assert (market.precision, market.limits) == (btc.precision, btc.limits)


def test_an_offline_pair_is_inactive(btc: Market) -> None:
    assert parsing.parse_market(msgspec.structs.replace(btc.info, state="offline")).active is False  # variant


@pytest.mark.parametrize(
    ("currency", "code"),
    [("btc", "BTC"), ("xbt", "BTC"), ("get", "THEMIS"), ("gtc", "GAMECOM"), ("fud", "FUD")],
)
def test_currency_codes(currency: str, code: str) -> None:
    assert parsing.currency_code(currency) == code


@pytest.mark.parametrize(("code", "currency"), [("BTC", "btc"), ("THEMIS", "get"), ("PENTA", "pnt")])
def test_currency_ids(code: str, currency: str) -> None:
    assert parsing.currency_id(code) == currency
    assert parsing.currency_code(parsing.currency_id(code)) == code


def test_symbols_to_ids_and_back(index: MarketIndex) -> None:
    for market in index.markets:
        assert parsing.symbol_id(market.symbol) == market.id
    assert parsing.symbol_id("THEMIS/USDT") == "getusdt"


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(merged: wire.Merged, btc: Market) -> None:
    ticker = parsing.parse_ticker(merged, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("htx", "BTC/USDT", 1710328245889)
    assert (ticker.bid, ticker.bid_volume) == (Decimal("73360.53"), Decimal("0.595189"))
    assert (ticker.ask, ticker.ask_volume) == (Decimal("73360.54"), Decimal("0.566063"))
    assert ticker.last == ticker.close == Decimal("73360.54")
    assert (ticker.open, ticker.high, ticker.low) == (
        Decimal("72150.14"),
        Decimal("73635.99"),
        Decimal("68640"),
    )
    assert ticker.base_volume == Decimal("2314.593946077937")  # amount
    assert ticker.quote_volume == Decimal("165753938.49546936")  # vol, sent as "1.6575393849546936E8"
    assert (ticker.change, ticker.percentage) == (Decimal("1210.40"), Decimal("1.6776128223729018"))
    assert ticker.vwap == Decimal("71612.534361086630920229")
    assert ticker.average == Decimal("72755.34")  # 72755.34 exactly: (72150.14 + 73360.54) / 2
    assert ticker.info is merged.tick


def test_ticker_without_a_book_side(merged: wire.Merged, btc: Market) -> None:
    variant = msgspec.structs.replace(
        merged, tick=msgspec.structs.replace(merged.tick, ask=None, open=Decimal(0))
    )
    ticker = parsing.parse_ticker(variant, btc)  # variant: no asks, open 0
    assert (ticker.ask, ticker.ask_volume, ticker.open, ticker.change, ticker.average) == (None,) * 5
    assert ticker.bid == Decimal("73360.53")


def test_tickers_from_the_documented_example(index: MarketIndex) -> None:
    raw = _decode("tickers_docs.json", wire.Tickers)
    smt, ltc = parsing.parse_tickers(raw, documented_markets(index))
    assert (smt.symbol, smt.timestamp) == ("SMT/USDT", 1629789355531)  # the envelope's time
    assert (smt.bid, smt.bid_volume, smt.ask, smt.ask_volume) == (
        Decimal("0.004651"),
        Decimal("54300.341"),
        Decimal("0.004679"),
        Decimal("1923.4879"),
    )
    assert (smt.open, smt.last, smt.base_volume) == (
        Decimal("0.004659"),
        Decimal("0.00468"),
        Decimal("36551302.17544405"),
    )
    assert smt.change == Decimal("0.000021")
    assert smt.average == Decimal("0.004669")  # (0.004659 + 0.00468) / 2, at the market's 6 price decimals
    assert ltc.symbol == "LTC/HT" and ltc.quote_volume == Decimal("14506.9381937385")


def test_tickers_skip_ids_outside_the_index(index: MarketIndex) -> None:
    assert parsing.parse_tickers(_decode("tickers_docs.json", wire.Tickers), index) == []


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book_from_the_documented_example(btc: Market) -> None:
    book = parsing.parse_order_book(_decode("depth_btcusdt_docs.json", wire.Depth), btc)
    assert (book.exchange_id, book.symbol, book.timestamp, book.nonce) == (
        "htx",
        "BTC/USDT",
        1629790438215,
        136107114472,
    )
    assert len(book.bids) == len(book.asks) == 5
    assert (book.bids[0].price, book.bids[0].amount) == (Decimal("49790.87"), Decimal("0.779876"))
    assert (book.asks[-1].price, book.asks[-1].amount) == (Decimal("49793.23"), Decimal("0.043103"))
    cut = parsing.parse_order_book(_decode("depth_btcusdt_docs.json", wire.Depth), btc, 2)
    assert [level.price for level in cut.bids] == [Decimal("49790.87"), Decimal("49785.9")]


def test_trades_flatten_every_aggregate_oldest_first(btc: Market) -> None:
    trades = parsing.parse_trades(_decode("history_trade_btcusdt.json", wire.HistoryTrades), btc)
    assert len(trades) == 12
    assert {t.timestamp for t in trades} == {1710327659140}  # one taker order, one millisecond
    # Same millisecond: the venue's order (newest fill first) is kept.
    assert [t.id for t in trades[:2]] == ["102882518926", "102882518925"]
    last = trades[-1]
    assert (last.id, last.side, last.symbol) == ("102882518915", Side.SELL, "BTC/USDT")
    assert (last.price, last.amount, last.cost) == (
        Decimal("73236.97"),
        Decimal("0.007856"),
        Decimal("575.34963632"),
    )


def test_trades_limit_keeps_the_last(btc: Market) -> None:
    raw = _decode("history_trade_btcusdt.json", wire.HistoryTrades)
    assert [t.id for t in parsing.parse_trades(raw, btc, 1)] == ["102882518915"]
    # Variant: an older aggregate after the recorded one, as HTX lists them (newest first).
    (group,) = raw.data
    fill = msgspec.structs.replace(group.data[0], trade_id=1, ts=group.ts - 1000)
    older = msgspec.structs.replace(group, ts=group.ts - 1000, data=[fill])
    trades = parsing.parse_trades(msgspec.structs.replace(raw, data=[group, older]), btc)
    assert trades[0].id == "1" and len(trades) == 13


def test_ohlcv(btc: Market) -> None:
    (candle,) = parsing.parse_ohlcv(_decode("history_kline_btcusdt_60min.json", wire.Klines))
    assert candle.timestamp == 1710327600000  # id, in seconds
    assert [candle.open, candle.high, candle.low, candle.close, candle.volume] == [
        Decimal(v) for v in ["73239.67", "73429.87", "73225.45", "73394.27", "7.878463990783707"]
    ]


def test_ohlcv_since_and_limit() -> None:
    raw = _decode("history_kline_btcusdt_60min.json", wire.Klines)
    (kline,) = raw.data
    earlier = msgspec.structs.replace(kline, id=kline.id - 3600)  # variant: the hour before, listed after
    both = msgspec.structs.replace(raw, data=[kline, earlier])
    assert [c.timestamp for c in parsing.parse_ohlcv(both)] == [1710324000000, 1710327600000]
    assert [c.timestamp for c in parsing.parse_ohlcv(both, None, 1)] == [1710327600000]
    assert [c.timestamp for c in parsing.parse_ohlcv(both, 1710324000000, 1)] == [1710324000000]
    assert parsing.parse_ohlcv(both, 1710327600001) == []
