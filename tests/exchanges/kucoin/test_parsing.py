"""Pure parser tests from recorded KuCoin bodies: exact Decimals, no event loop, no HTTP.

Bodies are the venue's envelopes; `_data` decodes one as the endpoints do and returns its "data".
A few tests use a *variant* of a recorded body (one field changed with msgspec.structs.replace) to reach
a rule the recordings do not exercise; each says which field it changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import msgspec
import pytest

from exchangeql.exchanges.kucoin import parsing
from exchangeql.exchanges.kucoin.schemas import (
    AllTickers,
    CandleRow,
    Envelope,
    HistoryTrade,
    PartOrderBook,
    Stats,
    SymbolInfo,
)
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _data(name: str, kind: Any) -> Any:
    envelope = msgspec.json.decode(recorded(name), type=Envelope[kind], strict=False)
    assert envelope.code == "200000"
    return envelope.data


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_data("symbols.json", list[SymbolInfo])))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def stats() -> Stats:
    data: Stats = _data("stats_BTC-USDT.json", Stats)
    return data


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


def test_btc_usdt_market_precision_and_limits(btc: Market) -> None:
    assert (btc.id, btc.base_id, btc.quote_id, btc.base, btc.quote) == (
        "BTC-USDT",
        "BTC",
        "USDT",
        "BTC",
        "USDT",
    )
    assert btc.active is True
    assert btc.precision.price == Decimal("0.1")  # priceIncrement
    assert btc.precision.amount == Decimal("0.00000001")  # baseIncrement
    assert (btc.limits.amount.min, btc.limits.amount.max) == (Decimal("0.00001"), Decimal("10000000000"))
    assert (btc.limits.cost.min, btc.limits.cost.max) == (Decimal("0.1"), Decimal("99999999"))
    assert (btc.limits.price.min, btc.limits.price.max) == (None, None)
    assert btc.info.market == "USDS"


def test_a_pair_not_trading_is_inactive(btc: Market) -> None:
    assert parsing.parse_market(msgspec.structs.replace(btc.info, enableTrading=False)).active is False


@pytest.mark.parametrize(
    ("currency_id", "code"),
    [
        ("XBT", "BTC"),
        ("WAX", "WAXP"),
        ("ALT", "APTOSLAUNCHTOKEN"),
        ("KALT", "ALT"),
        ("VAI", "VAIOT"),
        ("USDT", "USDT"),
    ],
)
def test_currency_codes(currency_id: str, code: str) -> None:
    assert parsing.currency_code(currency_id) == code


def test_aliased_ids_give_unified_symbols(btc: Market) -> None:
    market = parsing.parse_market(msgspec.structs.replace(btc.info, symbol="WAX-USDT"))  # variant: symbol
    assert (market.symbol, market.id, market.base_id) == ("WAXP/USDT", "WAX-USDT", "WAX")
    assert parsing.symbol_id(market.base_id, market.quote_id) == "WAX-USDT"


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(stats: Stats, btc: Market) -> None:
    ticker = parsing.parse_ticker(stats, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("kucoin", "BTC/USDT", 1709897710012)
    assert (ticker.bid, ticker.ask) == (Decimal("67399.9"), Decimal("67400"))  # "buy" and "sell"
    assert (ticker.bid_volume, ticker.ask_volume) == (None, None)
    assert ticker.last == ticker.close == Decimal("67400")
    assert (ticker.high, ticker.low) == (Decimal("67978.8"), Decimal("66541.4"))
    assert ticker.change == Decimal("597.9")
    assert ticker.open == Decimal("66802.1")  # last - changePrice
    assert ticker.percentage == Decimal("0.89")  # changeRate 0.0089 x 100
    assert ticker.average == Decimal("66654.25518537")  # the venue's averagePrice
    assert ticker.base_volume == Decimal("6442.17728633")
    assert ticker.quote_volume == Decimal("433203364.463489651")
    # volValue / vol, truncated at 18 decimals.
    assert ticker.vwap == Decimal("67244.868498531855584746")
    assert ticker.info is stats


def test_ticker_without_average_price_derives_it_at_the_tick(stats: Stats, btc: Market) -> None:
    ticker = parsing.parse_ticker(msgspec.structs.replace(stats, averagePrice=None), btc)  # variant
    # (66802.1 + 67400) / 2 = 67101.05, truncated to the 0.1 tick.
    assert ticker.average == Decimal("67101.0")


def test_ticker_zero_change_rate_is_recomputed(stats: Stats, btc: Market) -> None:
    ticker = parsing.parse_ticker(msgspec.structs.replace(stats, changeRate=Decimal("0")), btc)  # variant
    assert ticker.percentage == Decimal("0.8950317430140669")  # 597.9 / 66802.1, 18 decimals, x 100


def test_ticker_of_an_idle_pair(stats: Stats, btc: Market) -> None:
    variant = msgspec.structs.replace(  # variant: a pair without trades in 24 h
        stats,
        buy=None,
        sell=None,
        last=None,
        high=None,
        low=None,
        vol=Decimal(0),
        volValue=Decimal(0),
        changePrice=None,
        changeRate=None,
        averagePrice=None,
    )
    ticker = parsing.parse_ticker(variant, btc)
    assert (ticker.bid, ticker.ask, ticker.last, ticker.open, ticker.vwap, ticker.average) == (None,) * 6
    assert (ticker.percentage, ticker.change, ticker.base_volume) == (None, None, Decimal(0))


def test_all_tickers_snapshot(index: MarketIndex) -> None:
    snapshot: AllTickers = _data("all_tickers.json", AllTickers)
    (ticker,) = parsing.parse_tickers(snapshot, index)
    assert (ticker.symbol, ticker.timestamp) == ("BTC/USDT", 1602832092060)  # the snapshot's time
    assert (ticker.bid, ticker.ask, ticker.last) == (Decimal("11328.9"), Decimal("11329"), Decimal("11328.9"))
    assert (ticker.change, ticker.percentage) == (Decimal("-63.6"), Decimal("-0.55"))
    assert ticker.open == Decimal("11392.5")
    assert ticker.vwap == Decimal("11383.376307075732751399")


def test_all_tickers_skip_unknown_pairs_and_read_best_sizes(index: MarketIndex) -> None:
    snapshot: AllTickers = _data("all_tickers.json", AllTickers)
    (item,) = snapshot.ticker
    sized = msgspec.structs.replace(item, bestBidSize=Decimal("0.1"), bestAskSize=Decimal("1"))  # variant
    other = msgspec.structs.replace(item, symbol="NOPE-USDT")  # variant: not listed
    tickers = parsing.parse_tickers(msgspec.structs.replace(snapshot, ticker=[other, sized]), index)
    assert [(t.symbol, t.bid_volume, t.ask_volume) for t in tickers] == [
        ("BTC/USDT", Decimal("0.1"), Decimal("1"))
    ]
    assert parsing.parse_tickers(snapshot, MarketIndex.of([])) == []


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(btc: Market) -> None:
    book = parsing.parse_order_book(_data("orderbook_level2_20_BTC-USDT.json", PartOrderBook), btc)
    assert (book.exchange_id, book.symbol, book.timestamp, book.nonce) == (
        "kucoin",
        "BTC/USDT",
        1709898508055,
        11149534850,  # "sequence": "11149534850", a string on the wire
    )
    assert [(level.price, level.amount) for level in book.bids] == [
        (Decimal("67539.7"), Decimal("1.1829567")),
        (Decimal("67538.5"), Decimal("0.25229199")),
    ]
    assert [(level.price, level.amount) for level in book.asks] == [
        (Decimal("67539.8"), Decimal("1.08883964")),
        (Decimal("67539.9"), Decimal("0.0001")),
    ]
    cut = parsing.parse_order_book(_data("orderbook_level2_20_BTC-USDT.json", PartOrderBook), btc, 1)
    assert (len(cut.bids), len(cut.asks)) == (1, 1)


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_data("histories_BTC-USDT.json", list[HistoryTrade]), btc)
    assert (trade.id, trade.timestamp, trade.symbol) == (None, 1709897616745, "BTC/USDT")  # ns // 10**6
    assert trade.side is Side.SELL
    assert (trade.price, trade.amount) == (Decimal("67347.4"), Decimal("0.0045303"))
    assert trade.cost == Decimal("305.10392622")  # 67347.4 x 0.00453030, exact
    assert trade.info.sequence == "7613805866401793"


def test_trade_time_is_truncated_exactly(btc: Market) -> None:
    (raw,) = _data("histories_BTC-USDT.json", list[HistoryTrade])
    variant = msgspec.structs.replace(raw, time=1709897616745999999, side="buy")  # variant
    trade = parsing.parse_trade(variant, btc)
    assert (trade.timestamp, trade.side) == (1709897616745, Side.BUY)


def test_trades_come_back_oldest_first(btc: Market) -> None:
    (raw,) = _data("histories_BTC-USDT.json", list[HistoryTrade])
    older = msgspec.structs.replace(raw, time=raw.time - 1_000_000, price=Decimal("1"))  # variant
    assert [t.price for t in parsing.parse_trades([raw, older], btc)] == [Decimal("1"), Decimal("67347.4")]


def test_ohlcv() -> None:
    candles = parsing.parse_ohlcv(_data("candles_BTC-USDT_1hour.json", list[CandleRow]))
    # The venue sends newest first, [time, open, close, high, low, volume, turnover] in seconds.
    expected = {  # open high low close volume
        1706630400000: "43383.7 43521.9 43222.8 43501 101.30420492",
        1706634000000: "43501.1 43598.9 43305.2 43396.4 101.11170513",
        1706637600000: "43396.4 43491.9 43285.2 43369.4 135.02905655",
    }
    assert [(c.timestamp, [c.open, c.high, c.low, c.close, c.volume]) for c in candles] == [
        (timestamp, [Decimal(v) for v in row.split()]) for timestamp, row in expected.items()
    ]


def test_ohlcv_window() -> None:
    rows = _data("candles_BTC-USDT_1hour.json", list[CandleRow])
    assert [c.timestamp for c in parsing.parse_ohlcv(rows, None, 2)] == [1706634000000, 1706637600000]
    assert [c.timestamp for c in parsing.parse_ohlcv(rows, 1706630400001, 5)] == [
        1706634000000,
        1706637600000,
    ]
    assert [c.timestamp for c in parsing.parse_ohlcv(rows, 1706628191000, 1)] == [1706630400000]


def test_integers_as_strings_and_as_numbers_decode_alike() -> None:
    live = recorded("orderbook_level2_20_BTC-USDT.json").replace(b'"11149534850"', b"11149534850")
    assert live != recorded("orderbook_level2_20_BTC-USDT.json")
    envelope = msgspec.json.decode(live, type=Envelope[PartOrderBook], strict=False)
    assert envelope.data == _data("orderbook_level2_20_BTC-USDT.json", PartOrderBook)
