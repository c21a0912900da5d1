"""Pure parser tests from recorded Gate bodies and documentation examples: exact Decimals, no HTTP.

A few tests use a *variant* of a recorded body or market (fields changed with msgspec.structs.replace or
dataclasses.replace) to reach a rule the recordings do not exercise; each says what it changed.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest

from exchangeql.exchanges.gate import parsing
from exchangeql.exchanges.gate import schemas as wire
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind, strict=False)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_decode("currency_pairs.json", list[wire.CurrencyPair])))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def ticker_raw() -> wire.Ticker:
    (raw,) = _decode("tickers_BTC_USDT.json", list[wire.Ticker])
    return raw


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
    assert all(m.type is MarketType.SPOT and m.active for m in index.markets)
    assert index.by_id["ETH_USDT"].symbol == "ETH/USDT"


def test_btc_usdt_market_precision_and_limits(btc: Market) -> None:
    assert (btc.id, btc.base_id, btc.quote_id, btc.base, btc.quote) == (
        "BTC_USDT",
        "BTC",
        "USDT",
        "BTC",
        "USDT",
    )
    # precision 1 and amount_precision 6: decimals, turned into ticks.
    assert (btc.precision.price, btc.precision.amount) == (Decimal("0.1"), Decimal("0.000001"))
    assert (btc.limits.amount.min, btc.limits.amount.max) == (Decimal("0.000001"), Decimal("100"))
    assert (btc.limits.cost.min, btc.limits.cost.max) == (Decimal("3"), Decimal("5000000"))
    assert (btc.limits.price.min, btc.limits.price.max) == (None, None)


def test_minimum_amount_defaults_to_the_amount_tick(btc: Market) -> None:
    variant = msgspec.structs.replace(btc.info, min_base_amount=None)  # variant: no minimum sent
    assert parsing.parse_market(variant).limits.amount.min == Decimal("0.000001")


def test_a_pair_not_tradable_is_inactive(btc: Market) -> None:
    assert parsing.parse_market(msgspec.structs.replace(btc.info, trade_status="sellable")).active is False


def test_a_currency_with_an_underscore_is_read_from_the_pair_fields(btc: Market) -> None:
    # Variant: Gate lists GTC_HT (ccxt: GAMECOM_HT) against USDT as GTC_HT_USDT.
    variant = msgspec.structs.replace(btc.info, id="GTC_HT_USDT", base="GTC_HT")
    market = parsing.parse_market(variant)
    assert (market.symbol, market.base_id, market.quote_id) == ("GAMECOM_HT/USDT", "GTC_HT", "USDT")


@pytest.mark.parametrize(
    ("currency", "code"),
    [("BTC", "BTC"), ("XBT", "BTC"), ("POINT", "GATEPOINT"), ("88MPH", "MPH"), ("MPH", "MORPHER")],
)
def test_currency_codes(currency: str, code: str) -> None:
    assert parsing.currency_code(currency) == code


@pytest.mark.parametrize(("code", "currency"), [("BTC", "BTC"), ("GATEPOINT", "POINT"), ("MORPHER", "MPH")])
def test_currency_ids(code: str, currency: str) -> None:
    assert parsing.currency_id(code) == currency
    assert parsing.currency_code(parsing.currency_id(code)) == code


def test_symbols_to_pair_ids_and_back(index: MarketIndex) -> None:
    for market in index.markets:
        assert parsing.pair_id(market.symbol) == market.id
    assert parsing.pair_id("GATEPOINT/USDT") == "POINT_USDT"


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(ticker_raw: wire.Ticker, btc: Market) -> None:
    ticker = parsing.parse_ticker(ticker_raw, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("gate", "BTC/USDT", None)
    assert (ticker.bid, ticker.ask) == (Decimal("73364.1"), Decimal("73364.2"))
    assert (ticker.bid_volume, ticker.ask_volume) == (None, None)  # not in this (older) recording
    assert ticker.last == ticker.close == Decimal("73373.9")
    assert (ticker.high, ticker.low) == (Decimal("73636.3"), Decimal("68629.9"))
    assert ticker.percentage == Decimal("1.71")
    # open = 73373.9 / 1.0171 and change = last - open, both at 18 decimals.
    assert ticker.open == Decimal("72140.300855373119653918")
    assert ticker.change == Decimal("1233.599144626880346082")
    assert ticker.average == Decimal("72757.1")  # truncated at the tick's one decimal
    assert ticker.vwap == Decimal("71483.509590971303023792")
    assert (ticker.base_volume, ticker.quote_volume) == (
        Decimal("3410.0783503636"),
        Decimal("243764368.46418"),
    )
    assert ticker.info is ticker_raw


def test_ticker_book_sizes_and_empty_values(ticker_raw: wire.Ticker, btc: Market) -> None:
    # Variant: today's answers carry the best sizes; a pair without asks sends "" for them.
    variant = msgspec.structs.replace(ticker_raw, highest_size="0.5", lowest_ask="", lowest_size="")
    ticker = parsing.parse_ticker(variant, btc)
    assert (ticker.bid, ticker.bid_volume, ticker.ask, ticker.ask_volume) == (
        Decimal("73364.1"),
        Decimal("0.5"),
        None,
        None,
    )


def test_ticker_of_a_pair_without_trades(ticker_raw: wire.Ticker, btc: Market) -> None:
    variant = msgspec.structs.replace(
        ticker_raw, change_percentage="0", base_volume="nan", quote_volume="nan"
    )
    ticker = parsing.parse_ticker(variant, btc)  # variant: Gate's "nan" volumes and no change
    assert (ticker.base_volume, ticker.quote_volume) == (Decimal(0), Decimal(0))
    assert (ticker.percentage, ticker.open, ticker.change, ticker.average, ticker.vwap) == (None,) * 5


def test_a_total_loss_leaves_no_open(ticker_raw: wire.Ticker, btc: Market) -> None:
    ticker = parsing.parse_ticker(
        msgspec.structs.replace(ticker_raw, change_percentage="-100"), btc
    )  # variant
    assert (ticker.percentage, ticker.open, ticker.change) == (Decimal("-100"), None, None)


def test_tickers_from_the_documented_example(btc: Market) -> None:
    etf = dataclasses.replace(btc, id="BTC3L_USDT", symbol="BTC3L/USDT", base="BTC3L", base_id="BTC3L")
    (ticker,) = parsing.parse_tickers(_decode("tickers_docs.json", list[wire.Ticker]), MarketIndex.of([etf]))
    assert (ticker.symbol, ticker.last, ticker.percentage) == (
        "BTC3L/USDT",
        Decimal("2.46140352"),
        Decimal("-8.91"),
    )
    assert ticker.quote_volume == Decimal("1602221.66468375534639404191")  # all 27 digits
    assert ticker.open == Decimal("2.702166560544516412")  # 2.46140352 / 0.9109


def test_tickers_skip_pairs_outside_the_index(ticker_raw: wire.Ticker, index: MarketIndex) -> None:
    other = msgspec.structs.replace(ticker_raw, currency_pair="GT_USDT")  # variant: a pair we do not list
    assert [t.symbol for t in parsing.parse_tickers([other, ticker_raw], index)] == ["BTC/USDT"]
    assert parsing.parse_tickers(_decode("tickers_docs.json", list[wire.Ticker]), index) == []


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book_from_the_documented_example(btc: Market) -> None:
    book = parsing.parse_order_book(_decode("order_book_docs.json", wire.OrderBook), btc)
    assert (book.exchange_id, book.symbol, book.timestamp, book.nonce) == (
        "gate",
        "BTC/USDT",
        1623898993123,
        123456,
    )
    assert [(level.price, level.amount) for level in book.bids] == [
        (Decimal("1.17"), Decimal("201.863")),
        (Decimal("1.16"), Decimal("725.464")),
    ]
    assert [(level.price, level.amount) for level in book.asks] == [
        (Decimal("1.52"), Decimal("1.151")),
        (Decimal("1.53"), Decimal("1.218")),
    ]
    assert len(parsing.parse_order_book(_decode("order_book_docs.json", wire.OrderBook), btc, 1).bids) == 1


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_decode("trades_BTC_USDT.json", list[wire.Trade]), btc)
    assert (trade.id, trade.timestamp, trade.side) == ("7835390042", 1710327648162, Side.BUY)  # ms, truncated
    assert (trade.price, trade.amount, trade.cost) == (
        Decimal("73236.4"),
        Decimal("0.00020"),
        Decimal("14.64728"),
    )
    assert (trade.taker_or_maker, trade.order) == (None, None)


def test_trade_times_in_seconds_and_ordering(btc: Market) -> None:
    (raw,) = _decode("trades_BTC_USDT.json", list[wire.Trade])
    # Variants: the older answer format (seconds with a fraction), and a newer trade listed first.
    seconds = msgspec.structs.replace(raw, id="1", create_time_ms=Decimal("1710327648.162035"))
    newer = msgspec.structs.replace(raw, id="2", create_time_ms=Decimal("1710327649000.5"))
    trades = parsing.parse_trades([newer, raw, seconds], btc)
    assert [(t.id, t.timestamp) for t in trades] == [  # equal times: by trade id, as ccxt sorts
        ("1", 1710327648162),
        ("7835390042", 1710327648162),
        ("2", 1710327649000),
    ]
    assert [t.id for t in parsing.parse_trades([newer, raw, seconds], btc, 1)] == ["2"]


def test_ohlcv(btc: Market) -> None:
    (candle,) = parsing.parse_ohlcv(_decode("candlesticks_BTC_USDT_1h.json", list[wire.Candlestick]))
    assert candle.timestamp == 1710327600000  # seconds in the answer
    # [t, quote volume, close, high, low, open, base volume, closed]: the base volume is the volume.
    assert [candle.open, candle.high, candle.low, candle.close, candle.volume] == [
        Decimal(v) for v in ["73236.9", "73435.8", "73236.3", "73408.9", "13.53020576"]
    ]


def test_ohlcv_since_and_limit() -> None:
    (row,) = _decode("candlesticks_BTC_USDT_1h.json", list[wire.Candlestick])
    earlier = msgspec.structs.replace(row, t=row.t - 3600)  # variant: the hour before
    candles = [row, earlier]
    assert [c.timestamp for c in parsing.parse_ohlcv(candles)] == [1710324000000, 1710327600000]
    assert [c.timestamp for c in parsing.parse_ohlcv(candles, None, 1)] == [1710327600000]
    assert [c.timestamp for c in parsing.parse_ohlcv(candles, 1710324000000, 1)] == [1710324000000]
