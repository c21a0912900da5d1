"""Pure parser tests from recorded Coinbase Exchange bodies: exact Decimals, no event loop, no HTTP.

A few tests use a *variant* of a recorded body (one field changed with msgspec.structs.replace) to reach
a rule the recordings do not exercise; each says which field it changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

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
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_decode("products.json", list[Product])))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def ticker_raw() -> ProductTicker:
    return _decode("ticker_BTC-USDT.json", ProductTicker)


# --- markets ----------------------------------------------------------------------------------------------


def test_markets_are_the_recorded_products(index: MarketIndex) -> None:
    assert [m.symbol for m in index.markets] == [
        "BTC/USDT",
        "BTC/USD",
        "ETH/USDT",
        "ADA/USDT",
        "XRP/USDT",
        "DOGE/USDT",
    ]
    assert index.by_id["BTC-USD"].symbol == "BTC/USD"


def test_btc_usdt_market_precision_and_limits(btc: Market) -> None:
    assert (btc.id, btc.base_id, btc.quote_id, btc.base, btc.quote) == (
        "BTC-USDT",
        "BTC",
        "USDT",
        "BTC",
        "USDT",
    )
    assert btc.type is MarketType.SPOT and btc.active is True
    assert btc.settle is None and btc.contract_size is None
    # Tick sizes: quote_increment and base_increment.
    assert btc.precision.price == Decimal("0.01")
    assert btc.precision.amount == Decimal("0.00000001")
    assert (btc.limits.cost.min, btc.limits.cost.max) == (Decimal("1"), None)  # min_market_funds
    assert (btc.limits.amount.min, btc.limits.amount.max) == (None, None)
    assert (btc.limits.price.min, btc.limits.price.max) == (None, None)
    assert btc.info.display_name == "BTC-USDT"


def test_market_precision_differs_per_product(index: MarketIndex) -> None:
    doge = index.by_symbol["DOGE/USDT"]
    assert (doge.precision.price, doge.precision.amount) == (Decimal("0.0001"), Decimal("0.1"))
    xrp = index.by_symbol["XRP/USDT"]
    assert xrp.precision.amount == Decimal("0.000001")


@pytest.mark.parametrize("status", ["offline", "delisted", "internal"])
def test_a_product_not_online_is_inactive(btc: Market, status: str) -> None:
    variant = msgspec.structs.replace(btc.info, status=status)  # variant: status changed
    assert parsing.parse_market(variant).active is False


def test_base_and_quote_come_from_the_product_id(btc: Market) -> None:
    # An auction listing carries base_currency BTC under another id; ccxt (and we) read the id.
    variant = msgspec.structs.replace(btc.info, id="BTCAUCTION-USD")  # variant: id changed
    market = parsing.parse_market(variant)
    assert (market.symbol, market.base_id, market.quote_id) == ("BTCAUCTION/USD", "BTCAUCTION", "USD")


@pytest.mark.parametrize(
    ("currency_id", "code"),
    [("BTC", "BTC"), ("XBT", "BTC"), ("CGLD", "CELO"), ("usdt", "USDT"), ("ETH", "ETH")],
)
def test_currency_codes(currency_id: str, code: str) -> None:
    assert parsing.currency_code(currency_id) == code


def test_product_id_is_base_dash_quote(index: MarketIndex) -> None:
    for market in index.markets:
        assert parsing.product_id(market.base_id, market.quote_id) == market.id


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(ticker_raw: ProductTicker, btc: Market) -> None:
    ticker = parsing.parse_ticker(ticker_raw, btc)
    assert (ticker.exchange_id, ticker.symbol) == ("coinbaseexchange", "BTC/USDT")
    # "2024-03-13T11:10:41.270099Z": microseconds truncated to the millisecond.
    assert ticker.timestamp == 1710328241270
    assert ticker.bid == Decimal("73360.34")
    assert ticker.ask == Decimal("73369.19")
    assert ticker.last == ticker.close == Decimal("73367.8")
    assert ticker.base_volume == Decimal("1207.50668151")
    # The /ticker endpoint carries nothing else, and nothing is derived from it.
    assert (ticker.open, ticker.high, ticker.low, ticker.change, ticker.percentage) == (None,) * 5
    assert (ticker.vwap, ticker.average, ticker.quote_volume, ticker.previous_close) == (None,) * 4
    assert (ticker.bid_volume, ticker.ask_volume) == (None, None)
    assert ticker.info is ticker_raw


def test_ticker_zero_prices_are_none(ticker_raw: ProductTicker, btc: Market) -> None:
    zero = Decimal("0")
    variant = msgspec.structs.replace(ticker_raw, bid=zero, ask=zero, price=zero)  # variant: zeroed
    ticker = parsing.parse_ticker(variant, btc)
    assert (ticker.bid, ticker.ask, ticker.last, ticker.close) == (None,) * 4


def test_ticker_without_time(ticker_raw: ProductTicker, btc: Market) -> None:
    variant = msgspec.structs.replace(ticker_raw, time=None)  # variant: a product that never traded
    assert parsing.parse_ticker(variant, btc).timestamp is None


def test_trade_id_as_number_or_string_decodes_alike(ticker_raw: ProductTicker) -> None:
    # The recording has "trade_id": "18502105"; the live API sends a JSON number.
    live = recorded("ticker_BTC-USDT.json").replace(b'"18502105"', b"18502105")
    assert msgspec.json.decode(live, type=ProductTicker).trade_id == 18502105
    assert ticker_raw.trade_id == "18502105"


def test_a_time_without_offset_is_rejected() -> None:
    naive = recorded("ticker_BTC-USDT.json").replace(b'099Z"', b'099"')
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(naive, type=ProductTicker)


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(btc: Market) -> None:
    book = parsing.parse_order_book(_decode("book_level2.json", ProductBook), btc)
    assert (book.exchange_id, book.symbol, book.nonce) == ("coinbaseexchange", "BTC/USDT", 13051505638)
    assert book.timestamp == 1613092163334  # the book's "time", 2021-02-12T01:09:23.334Z
    assert [(level.price, level.amount) for level in book.bids] == [
        (Decimal("6247.58"), Decimal("6.3578146"))
    ]
    assert [(level.price, level.amount) for level in book.asks] == [(Decimal("6251.52"), Decimal("2"))]


def test_order_book_is_cut_to_the_limit(btc: Market) -> None:
    raw = _decode("book_level2.json", ProductBook)
    deeper = msgspec.structs.replace(raw, bids=raw.bids * 3, asks=raw.asks * 2)  # variant: levels repeated
    book = parsing.parse_order_book(deeper, btc, 2)
    assert (len(book.bids), len(book.asks)) == (2, 2)
    assert len(parsing.parse_order_book(deeper, btc).bids) == 3


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_decode("trades_BTC-USDT.json", list[ProductTrade]), btc)
    assert (trade.id, trade.timestamp, trade.symbol) == ("18502034", 1710327617710, "BTC/USDT")
    assert trade.side is Side.BUY  # "side": "sell" is the maker's: a buyer took it
    assert trade.price == Decimal("73271.63")
    assert trade.amount == Decimal("0.00007448")
    assert trade.cost == Decimal("5.4572710024")  # 73271.63 * 0.00007448, exact
    assert (trade.taker_or_maker, trade.order) == (None, None)


def test_a_trade_whose_maker_bought_is_a_sell(btc: Market) -> None:
    (raw,) = _decode("trades_BTC-USDT.json", list[ProductTrade])
    assert parsing.parse_trade(msgspec.structs.replace(raw, side="buy"), btc).side is Side.SELL


def test_trades_come_back_oldest_first(btc: Market) -> None:
    (raw,) = _decode("trades_BTC-USDT.json", list[ProductTrade])
    newer = msgspec.structs.replace(raw, trade_id=18502035, time=datetime(2024, 3, 13, 11, 1, tzinfo=UTC))
    trades = parsing.parse_trades([newer, raw], btc)  # variant: the venue's newest-first order
    assert [t.id for t in trades] == ["18502034", "18502035"]
    assert trades[1].timestamp == 1710327660000


def test_ohlcv_reorders_the_columns() -> None:
    (candle,) = parsing.parse_ohlcv(_decode("candles_BTC-USDT_3600.json", list[Candle]))
    # The venue sends [time, low, high, open, close, volume] in seconds.
    assert candle.timestamp == 1710327600000
    assert (candle.open, candle.high, candle.low, candle.close) == (
        Decimal("73243.33"),
        Decimal("73402.47"),
        Decimal("73241.5"),
        Decimal("73370.65"),
    )
    assert candle.volume == Decimal("1.56794406")


def test_ohlcv_window() -> None:
    (raw,) = _decode("candles_BTC-USDT_3600.json", list[Candle])
    hours = [msgspec.structs.replace(raw, time=raw.time - 3600 * n) for n in range(4)]  # variant: 4 hours
    newest_first = parsing.parse_ohlcv(hours)
    assert [c.timestamp for c in newest_first] == sorted(c.timestamp for c in newest_first)
    latest = parsing.parse_ohlcv(hours, None, 2)
    assert [c.timestamp for c in latest] == [1710324000000, 1710327600000]
    since = parsing.parse_ohlcv(hours, 1710316800000, 2)
    assert [c.timestamp for c in since] == [1710316800000, 1710320400000]
    assert parsing.parse_ohlcv(hours, 1710327600001, None) == []


def test_iso_time_round_trips_milliseconds() -> None:
    assert parsing.iso_time(1710327617710) == "2024-03-13T11:00:17.710Z"
    assert parsing.iso_time(0) == "1970-01-01T00:00:00.000Z"
