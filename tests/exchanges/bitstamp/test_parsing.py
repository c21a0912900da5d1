"""Pure parser tests from recorded Bitstamp bodies: exact Decimals, no event loop, no HTTP.

A few tests use a *variant* of a recorded body (one field changed with msgspec.structs.replace) to reach
a rule the recordings do not exercise; each says which field it changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest

from exchangeql.exchanges.bitstamp import parsing
from exchangeql.exchanges.bitstamp.schemas import MarketInfo, OhlcAnswer, Ticker, Transaction
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind, strict=False)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_decode("markets.json", list[MarketInfo])))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def ticker_raw() -> Ticker:
    return _decode("ticker_btcusdt.json", Ticker)


# --- currencies and ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "code"), [("BTC", "BTC"), ("usd", "USD"), ("UST", "USTC"), ("XBT", "BTC")]
)
def test_currency_codes(currency: str, code: str) -> None:
    assert parsing.currency_code(currency) == code


@pytest.mark.parametrize("currency", ["BTC", "USD", "UST", "BCHSV", "LINK"])
def test_currency_codes_map_back(currency: str) -> None:
    assert parsing.venue_currency(parsing.currency_code(currency)) == currency


@pytest.mark.parametrize(("pair", "market_id"), [("BTC/USD", "btcusd"), ("BTC/USD-PERP", "btcusd-perp")])
def test_ticker_pairs_name_market_ids(pair: str, market_id: str, index: MarketIndex) -> None:
    assert parsing.market_id(pair) == market_id
    assert index.by_id[market_id].info.name == pair


# --- markets ----------------------------------------------------------------------------------------------


def test_markets_are_the_recorded_spot_and_perpetual_markets(index: MarketIndex) -> None:
    assert [(m.symbol, m.id) for m in index.markets] == [
        ("BTC/USD", "btcusd"),
        ("BTC/EUR", "btceur"),
        ("LTC/USD", "ltcusd"),
        ("ETH/USD", "ethusd"),
        ("BTC/USDT", "btcusdt"),
        ("XRP/USDT", "xrpusdt"),
        ("ETH/USDT", "ethusdt"),
        ("BTC/USD:USD", "btcusd-perp"),
        ("ETH/USD:USD", "ethusd-perp"),
        ("LINK/USD", "linkusd"),
    ]


def test_btc_usdt_market(btc: Market) -> None:
    assert (btc.base, btc.quote, btc.base_id, btc.quote_id) == ("BTC", "USDT", "BTC", "USDT")
    assert btc.type is MarketType.SPOT and btc.active is True
    assert (btc.settle, btc.contract_size, btc.linear) == (None, None, None)
    # counter_decimals 0 and base_decimals 8.
    assert (btc.precision.price, btc.precision.amount) == (Decimal("1"), Decimal("1e-8"))
    assert (btc.limits.cost.min, btc.limits.cost.max) == (Decimal("10"), None)
    assert (btc.limits.amount.min, btc.limits.amount.max) == (None, None)


def test_perpetual_market(index: MarketIndex) -> None:
    perp = index.by_symbol["ETH/USD:USD"]
    assert (perp.id, perp.type, perp.settle, perp.settle_id) == ("ethusd-perp", MarketType.SWAP, "USD", "USD")
    assert (perp.linear, perp.contract_size) == (True, Decimal("1"))
    assert (perp.precision.price, perp.precision.amount) == (Decimal("0.1"), Decimal("0.001"))
    assert (perp.limits.amount.min, perp.limits.amount.max) == (Decimal("0.001"), Decimal("1000"))
    assert (perp.limits.cost.min, perp.limits.cost.max) == (Decimal("10.0"), Decimal("500000"))


def test_disabled_markets_are_inactive_and_unknown_types_left_out(btc: Market) -> None:
    assert (
        parsing.parse_market(msgspec.structs.replace(btc.info, trading="Disabled")).active is False
    )  # variant
    assert parsing.parse_market(msgspec.structs.replace(btc.info, market_type="FUTURES")) is None  # variant


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(ticker_raw: Ticker, btc: Market) -> None:
    ticker = parsing.parse_ticker(ticker_raw, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("bitstamp", "BTC/USDT", 1710328241000)
    assert (ticker.bid, ticker.ask, ticker.bid_volume, ticker.ask_volume) == (
        Decimal("73353"),
        Decimal("73367"),
        None,
        None,
    )
    assert ticker.last == ticker.close == Decimal("73285")
    assert (ticker.open, ticker.high, ticker.low) == (Decimal("71448"), Decimal("73656"), Decimal("68626"))
    assert ticker.vwap == Decimal("70853")
    assert ticker.base_volume == Decimal("135.29692054")
    assert ticker.quote_volume == Decimal("9586192.71102062")  # 135.29692054 * 70853, exact
    assert ticker.change == Decimal("1837")  # last - the day's open
    assert ticker.percentage == Decimal("2.5711006606203112")  # 1837 / 71448 at 18 decimals, * 100
    assert ticker.average == Decimal("72366")  # 72366.5 truncated to the whole-unit tick
    assert ticker.info.open_24 == Decimal("72144")  # kept in info: the price 24 hours ago


def test_all_pairs_tickers_are_matched_by_pair(ticker_raw: Ticker, index: MarketIndex) -> None:
    listed = msgspec.structs.replace(ticker_raw, pair="BTC/USDT")  # variant: the all-pairs form
    unknown = msgspec.structs.replace(ticker_raw, pair="ABC/USD")
    tickers = parsing.parse_tickers([unknown, listed, ticker_raw], index)  # ticker_raw has no pair
    assert tickers == [parsing.parse_ticker(listed, index.by_symbol["BTC/USDT"])]


def test_a_ticker_without_prices(ticker_raw: Ticker, btc: Market) -> None:
    empty = msgspec.structs.replace(ticker_raw, open=None, last=None, vwap=None, bid=None)  # variant
    ticker = parsing.parse_ticker(empty, btc)
    assert (ticker.open, ticker.last, ticker.change, ticker.percentage, ticker.average) == (None,) * 5
    assert (ticker.quote_volume, ticker.bid) == (None, None)


# --- trades, candles --------------------------------------------------------------------------------------


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_decode("transactions_btcusdt.json", list[Transaction]), btc)
    assert (trade.id, trade.timestamp, trade.symbol, trade.side) == (
        "326595342",
        1710327533000,
        "BTC/USDT",
        Side.BUY,
    )
    assert (trade.price, trade.amount) == (Decimal("73254"), Decimal("0.00055284"))
    assert trade.cost == Decimal("40.49774136")  # exact


def test_trades_are_sorted_oldest_first_and_cut_to_the_newest(btc: Market) -> None:
    (raw,) = _decode("transactions_btcusdt.json", list[Transaction])
    later = msgspec.structs.replace(
        raw, tid="326595343", date=raw.date + 1, type="1"
    )  # variant: a later sell
    trades = parsing.parse_trades([later, raw], btc)  # newest first, as Bitstamp sends them
    assert [(t.id, t.side) for t in trades] == [("326595342", Side.BUY), ("326595343", Side.SELL)]
    assert [t.id for t in parsing.parse_trades([later, raw], btc, 1)] == ["326595343"]


def test_ohlcv() -> None:
    answer = _decode("ohlc_btcusdt_3600.json", OhlcAnswer)
    (candle,) = parsing.parse_ohlcv(answer)
    assert (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume) == (
        1710327600000,
        Decimal("73241"),
        Decimal("73293"),
        Decimal("73240"),
        Decimal("73285"),
        Decimal("0.01076655"),
    )
    assert parsing.parse_ohlcv(answer, since=1710327600001) == []
    assert parsing.parse_ohlcv(answer, limit=0) == []
