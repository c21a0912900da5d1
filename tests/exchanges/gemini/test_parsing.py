"""Pure parser tests from recorded Gemini bodies: exact Decimals, no event loop, no HTTP.

A few tests use a *variant* of a recorded body (fields changed as named) to reach a rule the recordings
do not exercise. No price feed and no order book are recorded: their tests say how their input is built.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest

from exchangeql.exchanges.gemini import parsing
from exchangeql.exchanges.gemini.schemas import Book, Candle, Price, PubTicker, Trade
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind, strict=False)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_decode("symbols.json", list[str])))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


# --- symbols ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("venue_id", "parts"),
    [
        ("btcusd", ("BTC", "USD", None)),
        ("btcusdt", ("BTC", "USDT", None)),  # USDT is tried before USD
        ("usdcusd", ("USDC", "USD", None)),
        ("solbtc", ("SOL", "BTC", None)),
        ("btcgusdperp", ("BTC", "GUSD", "GUSD")),  # GUSD before USD; PERP: a swap settled in the quote
        ("paxgusd", ("PAXG", "USD", None)),  # the suffix rule would say PAX/GUSD: listed as conflicting
        ("usd", None),
        ("btcxyz", None),
    ],
)
def test_split_symbol(venue_id: str, parts: tuple[str, str, str | None] | None) -> None:
    assert parsing.split_symbol(venue_id) == parts
    if parts is not None:
        assert parsing.symbol_id(*parts) == venue_id


def test_markets_from_the_symbol_list(index: MarketIndex) -> None:
    assert [(m.symbol, m.id) for m in index.markets] == [
        ("BTC/USD", "btcusd"),
        ("BTC/EUR", "btceur"),
        ("LTC/USD", "ltcusd"),
        ("ETH/USD", "ethusd"),
        ("BTC/USDT", "btcusdt"),
        ("ETH/USDT", "ethusdt"),
        ("USDC/USD", "usdcusd"),
        ("SOL/BTC", "solbtc"),
        ("BTC/GUSD:GUSD", "btcgusdperp"),
        ("PAXG/USD", "paxgusd"),
    ]


def test_markets_carry_no_precision_or_limits(btc: Market) -> None:
    # /v1/symbols lists ids only (see constants.py for what the details would cost).
    assert (btc.base_id, btc.quote_id, btc.type, btc.active) == ("BTC", "USDT", MarketType.SPOT, True)
    assert (btc.precision.price, btc.precision.amount) == (None, None)
    assert (btc.limits.amount.min, btc.limits.cost.min) == (None, None)
    assert btc.info == "btcusdt"


def test_perpetual_market(index: MarketIndex) -> None:
    perp = index.by_symbol["BTC/GUSD:GUSD"]
    assert (perp.type, perp.settle, perp.settle_id, perp.linear) == (MarketType.SWAP, "GUSD", "GUSD", True)


def test_broken_symbols_are_left_out() -> None:
    assert [m.id for m in parsing.parse_markets(["eurusd", "btcusd", "maticusd"])] == ["btcusd"]


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(btc: Market) -> None:
    raw = _decode("pubticker_btcusdt.json", PubTicker)
    ticker = parsing.parse_ticker(raw, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("gemini", "BTC/USDT", 1710328245000)
    assert (ticker.bid, ticker.ask) == (Decimal("73367.96"), Decimal("73385.27"))
    assert ticker.last == ticker.close == Decimal("73268.24")
    assert (ticker.base_volume, ticker.quote_volume) == (Decimal("3.5434218"), Decimal("259620.278863632"))
    assert ticker.vwap == Decimal("73268.24")  # quote / base volume, at 18 decimals
    assert (ticker.open, ticker.high, ticker.low, ticker.change, ticker.percentage, ticker.average) == (
        None,
    ) * 6
    assert ticker.info is raw


def test_ticker_of_a_swap_and_of_a_stablecoin(index: MarketIndex) -> None:
    perp = parsing.parse_ticker(
        _decode("pubticker_btcgusdperp.json", PubTicker), index.by_symbol["BTC/GUSD:GUSD"]
    )
    assert (perp.last, perp.base_volume, perp.quote_volume) == (
        Decimal("69835.00"),
        Decimal("41.7433"),
        Decimal("2915143.3555"),
    )
    assert perp.vwap == Decimal("69835")
    usdc = parsing.parse_ticker(_decode("pubticker_usdcusd.json", PubTicker), index.by_symbol["USDC/USD"])
    assert usdc.quote_volume == Decimal("2445430.3489926162")  # all digits: no float on the way
    assert usdc.vwap == Decimal("1.00026")  # 2445430.3489926162 / 2444794.70237, exactly


def test_ticker_without_volume_has_no_vwap(btc: Market) -> None:
    raw = msgspec.structs.replace(_decode("pubticker_btcusdt.json", PubTicker), volume={})  # variant
    ticker = parsing.parse_ticker(raw, btc)
    assert (ticker.base_volume, ticker.quote_volume, ticker.vwap, ticker.timestamp) == (
        None,
        None,
        None,
        None,
    )


def _price(percent_change: str) -> Price:
    """A price-feed entry built from the recorded BTCUSDT ticker (price = its last) with the 24 h change
    set by the test: no /v1/pricefeed answer is recorded."""
    last = _decode("pubticker_btcusdt.json", PubTicker).last
    assert last is not None
    return Price(pair="BTCUSDT", price=last, percentChange24h=Decimal(percent_change))


def test_price_feed_ticker_follows_ccxt(index: MarketIndex) -> None:
    (ticker,) = parsing.parse_price_tickers(
        [_price("2"), msgspec.structs.replace(_price("2"), pair="ABCUSD")], index
    )
    assert (ticker.symbol, ticker.last, ticker.percentage) == ("BTC/USDT", Decimal("73268.24"), Decimal("2"))
    # ccxt reads the change as a percent: open = last / (1 + 2 / 100), truncated at 18 decimals.
    assert ticker.open == Decimal("71831.607843137254901960")
    assert ticker.change == Decimal("1436.632156862745098040")
    assert ticker.average == Decimal("72549.92392156862745098")
    assert (ticker.bid, ticker.ask, ticker.base_volume, ticker.vwap, ticker.timestamp) == (None,) * 5


def test_price_feed_ticker_without_change(index: MarketIndex) -> None:
    (ticker,) = parsing.parse_price_tickers([_price("0.0000")], index)
    assert (ticker.last, ticker.open, ticker.change, ticker.percentage, ticker.average) == (
        Decimal("73268.24"),
        None,
        None,
        None,
        None,
    )


# --- order book, trades, candles --------------------------------------------------------------------------


def test_an_empty_order_book(btc: Market) -> None:
    # No book is recorded: the empty book (a legitimate answer, e.g. a halted market) checks the shape.
    book = parsing.parse_order_book(msgspec.json.decode(b'{"bids":[],"asks":[]}', type=Book), btc)
    assert (book.exchange_id, book.symbol, book.bids, book.asks, book.timestamp) == (
        "gemini",
        "BTC/USDT",
        (),
        (),
        None,
    )


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_decode("trades_btcusdt.json", list[Trade]), btc)
    assert (trade.id, trade.timestamp, trade.symbol, trade.side) == (
        "2840140831246421",
        1710325796526,
        "BTC/USDT",
        Side.BUY,
    )
    assert (trade.price, trade.amount) == (Decimal("73268.24"), Decimal("0.00028921"))
    assert trade.cost == Decimal("21.1899076904")  # exact


def test_trades_oldest_first_and_auction_trades_have_no_side(btc: Market) -> None:
    (raw,) = _decode("trades_btcusdt.json", list[Trade])
    later = msgspec.structs.replace(
        raw, tid=raw.tid + 1, timestampms=raw.timestampms + 1, type="auction"
    )  # variant
    trades = parsing.parse_trades([later, raw], btc)  # newest first, as Gemini sends them
    assert [(t.id, t.side) for t in trades] == [("2840140831246421", Side.BUY), ("2840140831246422", None)]
    assert [t.id for t in parsing.parse_trades([later, raw], btc, 1)] == ["2840140831246422"]


def test_candles_are_exact_from_json_numbers() -> None:
    (candle,) = parsing.parse_ohlcv(_decode("candles_btcusdt_1hr.json", list[Candle]))
    assert (candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume) == (
        1710324000000,
        Decimal("73402.61"),
        Decimal("73402.61"),
        Decimal("73268.24"),
        Decimal("73268.24"),
        Decimal("0.05445598"),
    )
