"""Pure parser tests from recorded Bitfinex API v2 bodies: exact Decimals, no event loop, no HTTP.

A few tests use a *variant* of a recorded body (one field changed with msgspec.structs.replace) to reach
a rule the recordings do not exercise; each says which field it changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest

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
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_decode("conf_pairs.json", PairsConfig)))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def ticker_raw() -> TradingTicker:
    return _decode("ticker_tBTCUST.json", TradingTicker)


# --- markets ----------------------------------------------------------------------------------------------


def test_markets_are_the_recorded_pairs_then_perpetuals(index: MarketIndex) -> None:
    assert [m.symbol for m in index.markets] == [
        "BTC/USD",
        "BTC/EUR",
        "LTC/USD",
        "ETH/USD",
        "BTC/USDT",
        "LTC/USDT",
        "ADA/USDT",
        "XRP/USDT",
        "SOL/USDT",
        "TRX/USDT",
        "LTC/USDT:USDT",
        "BTC/USDT:USDT",
        "ADA/USDT:USDT",
        "XRP/USDT:USDT",
        "TRX/USDT:USDT",
    ]


def test_btc_usdt_spot_market(btc: Market) -> None:
    # UST is Bitfinex's id for Tether: tBTCUST is BTC/USDT.
    assert (btc.id, btc.base_id, btc.quote_id, btc.base, btc.quote) == (
        "tBTCUST",
        "BTC",
        "UST",
        "BTC",
        "USDT",
    )
    assert btc.type is MarketType.SPOT and btc.active is True
    assert (btc.settle, btc.settle_id, btc.contract_size, btc.linear) == (None, None, None, None)
    assert btc.precision.amount == Decimal("0.00000001")  # 8 decimals
    assert btc.precision.price is None  # 5 significant digits: no single tick
    assert (btc.limits.amount.min, btc.limits.amount.max) == (Decimal("0.00006"), Decimal("2000"))
    assert (btc.limits.price.min, btc.limits.price.max) == (Decimal("0.00000001"), None)
    assert (btc.limits.cost.min, btc.limits.cost.max) == (None, None)
    assert btc.info.pair == "BTCUST"


def test_perpetual_swap_market(index: MarketIndex) -> None:
    swap = index.by_symbol["BTC/USDT:USDT"]
    assert (swap.id, swap.base_id, swap.quote_id) == ("tBTCF0:USTF0", "BTCF0", "USTF0")
    assert (swap.base, swap.quote, swap.settle, swap.settle_id) == ("BTC", "USDT", "USDT", "USTF0")
    assert swap.type is MarketType.SWAP
    assert (swap.contract_size, swap.linear) == (Decimal(1), True)
    assert (swap.limits.amount.min, swap.limits.amount.max) == (Decimal("0.00006"), Decimal("100"))
    assert (swap.info.info.initial_margin, swap.info.info.min_margin) == (Decimal("0.01"), Decimal("0.005"))


def test_a_pair_with_a_long_currency_id_is_split_at_the_colon(btc: Market) -> None:
    entry = msgspec.structs.replace(btc.info, pair="AVAX:USD")  # variant: pair changed
    market = parsing.parse_market(entry)
    assert (market.id, market.symbol, market.base_id, market.quote_id) == (
        "tAVAX:USD",
        "AVAX/USD",
        "AVAX",
        "USD",
    )


@pytest.mark.parametrize(
    ("currency_id", "code"),
    [
        ("UST", "USDT"),
        ("USTF0", "USDT"),
        ("BTCF0", "BTC"),
        ("EUTF0", "EURT"),
        ("DSH", "DASH"),
        ("IOT", "IOTA"),
        ("LUNA", "LUNC"),
        ("LUNA2", "LUNA"),
        ("UDC", "USDC"),
        ("BTC", "BTC"),
        ("ORS", "ORS"),  # ccxt's "ORS Group" is a name, not a code
    ],
)
def test_currency_codes(currency_id: str, code: str) -> None:
    assert parsing.currency_code(currency_id) == code


@pytest.mark.parametrize(
    ("pair", "ids"),
    [("BTCUSD", ("BTC", "USD")), ("AVAX:USD", ("AVAX", "USD")), ("BTCF0:USTF0", ("BTCF0", "USTF0"))],
)
def test_symbol_conversion_both_ways(pair: str, ids: tuple[str, str]) -> None:
    assert parsing.split_pair(pair) == ids
    assert parsing.trading_symbol(*ids) == f"t{pair}"


def test_market_ids_round_trip(index: MarketIndex) -> None:
    for market in index.markets:
        assert parsing.trading_symbol(market.base_id, market.quote_id) == market.id


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(ticker_raw: TradingTicker, btc: Market) -> None:
    ticker = parsing.parse_ticker(ticker_raw, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("bitfinex", "BTC/USDT", None)
    assert (ticker.bid, ticker.ask) == (Decimal("73350"), Decimal("73351"))
    assert (ticker.bid_volume, ticker.ask_volume) == (None, None)  # BID_SIZE sums 25 levels
    assert ticker.last == ticker.close == Decimal("73350")
    assert (ticker.high, ticker.low) == (Decimal("73583"), Decimal("68643"))
    assert ticker.change == Decimal("1003")
    assert ticker.percentage == Decimal("1.386374")  # DAILY_CHANGE_RELATIVE 0.01386374 x 100
    assert str(ticker.percentage) == "1.386374"
    assert ticker.open == Decimal("72347")  # last - change
    assert ticker.average == Decimal("72848.5")  # (72347 + 73350) / 2
    assert ticker.base_volume == Decimal("2638.4314844")
    assert (ticker.quote_volume, ticker.vwap, ticker.previous_close) == (None, None, None)
    assert ticker.info is ticker_raw


def test_ticker_zero_relative_change_is_recomputed(ticker_raw: TradingTicker, btc: Market) -> None:
    variant = msgspec.structs.replace(ticker_raw, daily_change_relative=Decimal(0))  # variant
    # change / open = 1003 / 72347 = 0.013863740030685446|528..., truncated at 18 decimals, x 100.
    assert parsing.parse_ticker(variant, btc).percentage == Decimal("1.3863740030685446")


def test_ticker_of_a_pair_without_trades(ticker_raw: TradingTicker, btc: Market) -> None:
    zero = Decimal(0)
    variant = msgspec.structs.replace(  # variant: every price and change zero
        ticker_raw,
        bid=zero,
        ask=zero,
        last_price=zero,
        high=zero,
        low=zero,
        daily_change=zero,
        daily_change_relative=zero,
    )
    ticker = parsing.parse_ticker(variant, btc)
    assert (ticker.bid, ticker.ask, ticker.last, ticker.high, ticker.low, ticker.open) == (None,) * 6
    assert (ticker.percentage, ticker.average) == (None, None)
    assert ticker.change == 0


def test_tickers_skip_funding_and_unknown_rows(index: MarketIndex) -> None:
    (row,) = _decode("tickers_ALL.json", list[TickerRow])
    funding = msgspec.structs.replace(row, symbol="fUSD")  # variant: a funding row
    delisted = msgspec.structs.replace(row, symbol="tXYZUSD")  # variant: a pair we do not list
    tickers = parsing.parse_tickers([funding, row, delisted], index)
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    single = parsing.parse_ticker(_decode("ticker_tBTCUST.json", TradingTicker), index.by_id["tBTCUST"])
    fields = ("bid", "ask", "last", "open", "high", "low", "change", "percentage", "average", "base_volume")
    assert [getattr(tickers[0], f) for f in fields] == [getattr(single, f) for f in fields]


def test_a_funding_row_decodes_positionally() -> None:
    # The documented funding layout (17 fields, FRR first): decodes, and is skipped by symbol.
    row = (
        b'["fUSD",0.0003,0.0002,30,3939629.6,0.00019,2,307776.1,-0.00005,-0.2344,0.00019,'
        b"122156333.4,0.00027,6.8e-7,null,null,3441851.7]"
    )
    (decoded,) = msgspec.json.decode(b"[" + row + b"]", type=list[TickerRow])
    assert decoded.symbol == "fUSD"


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(index: MarketIndex) -> None:
    book = parsing.parse_order_book(
        _decode("book_P0_tBTCUSD.json", list[BookEntry]), index.by_symbol["BTC/USD"]
    )
    assert (book.exchange_id, book.symbol, book.timestamp, book.nonce) == ("bitfinex", "BTC/USD", None, None)
    assert [(level.price, level.amount) for level in book.bids] == [(Decimal("7254.7"), Decimal("3.3"))]
    assert book.asks == ()


def test_order_book_splits_by_sign_sorts_and_cuts(btc: Market) -> None:
    (entry,) = _decode("book_P0_tBTCUSD.json", list[BookEntry])
    # Variant: more levels, asks with negative amounts, out of order.
    entries = [
        msgspec.structs.replace(entry, price=Decimal("7254.5")),
        entry,
        msgspec.structs.replace(entry, price=Decimal("7255.9"), amount=Decimal("-0.5")),
        msgspec.structs.replace(entry, price=Decimal("7255.1"), amount=Decimal("-1.25")),
    ]
    book = parsing.parse_order_book(entries, btc)
    assert [(level.price, level.amount) for level in book.bids] == [
        (Decimal("7254.7"), Decimal("3.3")),
        (Decimal("7254.5"), Decimal("3.3")),
    ]
    assert [(level.price, level.amount) for level in book.asks] == [
        (Decimal("7255.1"), Decimal("1.25")),
        (Decimal("7255.9"), Decimal("0.5")),
    ]
    cut = parsing.parse_order_book(entries, btc, 1)
    assert ([b.price for b in cut.bids], [a.price for a in cut.asks]) == (
        [Decimal("7254.7")],
        [Decimal("7255.1")],
    )


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_decode("trades_tBTCUST.json", list[PublicTrade]), btc)
    assert (trade.id, trade.timestamp, trade.symbol) == ("1560452102", 1710327651446, "BTC/USDT")
    assert trade.side is Side.BUY  # a positive amount
    assert (trade.price, trade.amount) == (Decimal("73218"), Decimal("0.00019983"))
    assert trade.cost == Decimal("14.63115294")  # 73218 x 0.00019983, exact
    assert (trade.taker_or_maker, trade.order) == (None, None)


def test_a_negative_amount_is_a_sell(btc: Market) -> None:
    (raw,) = _decode("trades_tBTCUST.json", list[PublicTrade])
    trade = parsing.parse_trade(msgspec.structs.replace(raw, amount=-raw.amount), btc)  # variant: sold
    assert (trade.side, trade.amount, trade.cost) == (
        Side.SELL,
        Decimal("0.00019983"),
        Decimal("14.63115294"),
    )


def test_trades_come_back_oldest_first(btc: Market) -> None:
    (raw,) = _decode("trades_tBTCUST.json", list[PublicTrade])
    newer = msgspec.structs.replace(raw, id=raw.id + 1, mts=raw.mts + 5)  # variant: the venue's order
    same_time = msgspec.structs.replace(raw, id=raw.id + 2, mts=raw.mts + 5)
    assert [t.id for t in parsing.parse_trades([same_time, newer, raw], btc)] == [
        "1560452102",
        "1560452103",
        "1560452104",
    ]


def test_ohlcv_reorders_close_after_high_and_low() -> None:
    (candle,) = parsing.parse_ohlcv(_decode("candles_1h_tBTCUST.json", list[CandleRow]))
    # The venue sends [MTS, OPEN, CLOSE, HIGH, LOW, VOLUME].
    assert candle.timestamp == 1552298400000
    assert (candle.open, candle.high, candle.low, candle.close, candle.volume) == (
        Decimal("3870.1"),
        Decimal("3890"),
        Decimal("3870.1"),
        Decimal("3890"),
        Decimal("0.05"),
    )


def test_ohlcv_window() -> None:
    (raw,) = _decode("candles_1h_tBTCUST.json", list[CandleRow])
    hours = [msgspec.structs.replace(raw, mts=raw.mts - 3_600_000 * n) for n in range(3)]  # variant
    assert [c.timestamp for c in parsing.parse_ohlcv(hours, None, 2)] == [1552294800000, 1552298400000]
    assert [c.timestamp for c in parsing.parse_ohlcv(hours, 1552291200000, 1)] == [1552291200000]


def test_pair_entries_decode_with_and_without_trailing_fields() -> None:
    short = b'["BTCF0:USTF0",[null,null,null,"0.00006","100.0",null,null,null,0.01,0.005]]'
    longer = b'["BTCUST",[null,null,null,"0.00006","2000.0",null,null,null,0.1,0.05,null,null,"x"]]'
    assert msgspec.json.decode(short, type=PairEntry).info.max_order_size == Decimal("100")
    assert msgspec.json.decode(longer, type=PairEntry).info.min_order_size == Decimal("0.00006")
