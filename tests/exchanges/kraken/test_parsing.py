"""Pure parser tests from recorded Kraken bodies: exact Decimals, no event loop, no HTTP.

A few tests use a *variant* of a recorded body (one field changed with msgspec.structs.replace) to reach
a rule the recordings do not exercise; each says which field it changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from exchangeql.exchanges.kraken import parsing
from exchangeql.exchanges.kraken.schemas import (
    AssetPair,
    DepthBook,
    Envelope,
    OhlcResult,
    TickerInfo,
    TradesResult,
)
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded


def _result(name: str, kind: Any) -> Any:
    envelope = msgspec.json.decode(recorded(name), type=Envelope[kind], strict=False)
    assert envelope.error == []
    return envelope.result


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_result("asset_pairs.json", dict[str, AssetPair])))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def ticker_raw() -> TickerInfo:
    result: dict[str, TickerInfo] = _result("ticker_XBTUSDT.json", dict[str, TickerInfo])
    return result["XBTUSDT"]


# --- currencies -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asset", "code"),
    [
        ("XXBT", "BTC"),
        ("XBT", "BTC"),
        ("ZUSD", "USD"),
        ("ZEUR", "EUR"),
        ("XXDG", "DOGE"),
        ("XDG", "DOGE"),
        ("XETH", "ETH"),
        ("USDT", "USDT"),
        ("ADA", "ADA"),
        ("XTZ", "XTZ"),  # Tezos: an X that is no prefix stays
        ("XBT.M", "BTC.M"),  # suffixed variants keep the suffix
        ("LUNA", "LUNC"),
        ("usdt", "USDT"),
    ],
)
def test_currency_codes(asset: str, code: str) -> None:
    assert parsing.currency_code(asset) == code


@pytest.mark.parametrize("asset", ["XXBT", "ZUSD", "ZEUR", "XXDG", "XETH", "XXRP", "XLTC", "USDT", "ADA"])
def test_currency_codes_map_back_to_the_asset_ids_of_asset_pairs(asset: str) -> None:
    assert parsing.venue_asset(parsing.currency_code(asset)) == asset


# --- markets ----------------------------------------------------------------------------------------------


def test_markets_are_the_recorded_pairs(index: MarketIndex) -> None:
    assert [(m.symbol, m.id) for m in index.markets] == [
        ("BTC/USDT", "XBTUSDT"),
        ("BTC/USD", "XXBTZUSD"),
        ("ETH/USDT", "ETHUSDT"),
        ("ADA/USDT", "ADAUSDT"),
        ("LTC/USDT", "LTCUSDT"),
        ("XRP/USDT", "XRPUSDT"),
        ("DOGE/USDT", "XDGUSDT"),
        ("XRP/USD", "XXRPZUSD"),
    ]


def test_btc_usdt_market(btc: Market) -> None:
    assert (btc.base, btc.quote, btc.base_id, btc.quote_id) == ("BTC", "USDT", "XXBT", "USDT")
    assert btc.type is MarketType.SPOT and btc.active is True
    assert btc.settle is None and btc.contract_size is None
    # Tick sizes from pair_decimals 1 and lot_decimals 8.
    assert (btc.precision.price, btc.precision.amount) == (Decimal("0.1"), Decimal("1e-8"))
    assert (btc.limits.amount.min, btc.limits.amount.max) == (Decimal("0.0001"), None)
    assert (btc.limits.cost.min, btc.limits.cost.max) == (Decimal("0.5"), None)
    assert (btc.limits.price.min, btc.limits.price.max) == (None, None)
    assert btc.info.altname == "XBTUSDT"


def test_ticks_differ_per_pair(index: MarketIndex) -> None:
    ada = index.by_symbol["ADA/USDT"]
    assert (ada.precision.price, ada.limits.amount.min) == (Decimal("0.000001"), Decimal("20"))
    doge = index.by_symbol["DOGE/USDT"]
    assert (doge.base_id, doge.precision.price) == ("XXDG", Decimal("0.00001"))
    assert index.by_symbol["BTC/USD"].quote_id == "ZUSD"


def test_a_pair_not_online_is_inactive(btc: Market) -> None:
    assert (
        parsing.parse_market("XBTUSDT", msgspec.structs.replace(btc.info, status="cancel_only")).active
        is False
    )


def test_synthetic_pairs_are_left_out(btc: Market) -> None:
    markets = parsing.parse_markets({"XBTUSDT": btc.info, "XBTUSDT:BTNL": btc.info})  # variant: a :BTNL id
    assert [m.id for m in markets] == ["XBTUSDT"]


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(ticker_raw: TickerInfo, btc: Market) -> None:
    ticker = parsing.parse_ticker(ticker_raw, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("kraken", "BTC/USDT", None)
    assert (ticker.bid, ticker.bid_volume) == (Decimal("73380.6"), Decimal("1"))  # lot volume at the bid
    assert (ticker.ask, ticker.ask_volume) == (Decimal("73380.7"), Decimal("1"))
    assert ticker.last == ticker.close == Decimal("73380.6")
    assert ticker.open == Decimal("71450.7")  # today's open, UTC midnight
    assert (ticker.high, ticker.low) == (Decimal("73580"), Decimal("68666"))  # the 24 h values
    assert ticker.vwap == Decimal("71501.5752")
    assert ticker.base_volume == Decimal("598.03698452")
    assert ticker.quote_volume == Decimal("42760586.421038015904")  # 598.03698452 * 71501.5752, exact
    assert ticker.change == Decimal("1929.9")
    assert ticker.percentage == Decimal("2.7010232230055128")  # 1929.9 / 71450.7 at 18 decimals, * 100
    assert ticker.average == Decimal("72415.6")  # 72415.65 truncated to the 0.1 tick
    assert ticker.previous_close is None
    assert ticker.info is ticker_raw


def test_doc_example_ticker_maps_xxbtzusd(index: MarketIndex) -> None:
    result: dict[str, TickerInfo] = _result("ticker_XXBTZUSD_docs.json", dict[str, TickerInfo])
    (ticker,) = parsing.parse_tickers(result, index)
    assert ticker.symbol == "BTC/USD"
    assert (ticker.last, ticker.open, ticker.vwap) == (
        Decimal("30303.2"),
        Decimal("30502.8"),
        Decimal("30689.13205"),
    )
    assert ticker.change == Decimal("-199.6")
    assert ticker.percentage == Decimal("-0.6543661565495626")  # truncated toward zero, like ccxt
    assert ticker.average == Decimal("30403.0")


def test_a_ticker_without_open_has_no_derived_values(ticker_raw: TickerInfo, btc: Market) -> None:
    ticker = parsing.parse_ticker(msgspec.structs.replace(ticker_raw, o=Decimal("0.00000")), btc)  # variant
    assert (ticker.open, ticker.change, ticker.percentage, ticker.average) == (None, None, None, None)
    assert ticker.last == Decimal("73380.6")


def test_tickers_skip_pairs_outside_the_index(ticker_raw: TickerInfo, index: MarketIndex) -> None:
    tickers = parsing.parse_tickers({"XTZUSD": ticker_raw, "XBTUSDT": ticker_raw}, index)  # variant keys
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert tickers[0] == parsing.parse_ticker(ticker_raw, index.by_id["XBTUSDT"])


def test_pick_finds_a_pair_by_id_websocket_name_or_as_the_only_entry(
    ticker_raw: TickerInfo, btc: Market
) -> None:
    assert parsing.pick({"XBTUSDT": ticker_raw}, btc) is ticker_raw
    assert parsing.pick({"XBT/USDT": ticker_raw, "X": ticker_raw}, btc) is ticker_raw  # btc's wsname
    assert parsing.pick({"OTHER": ticker_raw}, btc) is ticker_raw
    assert parsing.pick({"A": ticker_raw, "B": ticker_raw}, btc) is None


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book_from_the_docs_example(index: MarketIndex) -> None:
    result: dict[str, DepthBook] = _result("depth_XXBTZUSD_docs.json", dict[str, DepthBook])
    book = parsing.parse_order_book(result["XXBTZUSD"], index.by_symbol["BTC/USD"])
    assert (book.exchange_id, book.symbol, book.timestamp, book.nonce) == ("kraken", "BTC/USD", None, None)
    assert [(level.price, level.amount) for level in book.bids] == [
        (Decimal("30297.0"), Decimal("1.115")),
        (Decimal("30296.7"), Decimal("2.002")),
        (Decimal("30289.8"), Decimal("5.001")),
    ]
    assert [level.price for level in book.asks] == [
        Decimal("30384.1"),
        Decimal("30387.9"),
        Decimal("30393.7"),
    ]
    cut = parsing.parse_order_book(result["XXBTZUSD"], index.by_symbol["BTC/USD"], 1)
    assert (len(cut.bids), len(cut.asks)) == (1, 1)


def test_trades(btc: Market) -> None:
    result: TradesResult = _result("trades_XBTUSDT.json", TradesResult)
    assert result["last"] == "1710327959173746878"
    (trade,) = parsing.parse_trades(parsing.trade_rows(result)["XBTUSDT"], btc)
    assert (trade.id, trade.timestamp, trade.symbol) == ("6324366", 1710327959173, "BTC/USDT")
    assert trade.side is Side.BUY
    assert (trade.price, trade.amount) == (Decimal("73324.4"), Decimal("0.010309"))
    assert trade.cost == Decimal("755.9012396")  # 73324.4 * 0.010309, exact
    assert trade.info.order_type == "m"


def test_a_sell_and_the_newest_trades(btc: Market) -> None:
    (row,) = parsing.trade_rows(_result("trades_XBTUSDT.json", TradesResult))["XBTUSDT"]
    sell = msgspec.structs.replace(row, side="s", trade_id=6324367)  # variant: a later sell
    trades = parsing.parse_trades([row, sell], btc, 1)
    assert [(t.id, t.side) for t in trades] == [("6324367", Side.SELL)]
    assert parsing.parse_trades([row], btc, 0) == []


def test_ohlcv_since_and_limit_as_ccxt() -> None:
    rows = parsing.ohlc_rows(_result("ohlc_XBTUSDT_60.json", OhlcResult))["XBTUSDT"]
    candles = parsing.parse_ohlcv(rows, 1706628191000, 3)
    # The candle opening at 1706626800 (before `since`) is dropped, then the first three are kept.
    expected = {
        1706630400000: "43366.3 43529.2 43234.2 43485.0 12.51327406",
        1706634000000: "43497.5 43594.6 43316.4 43409.5 5.03074129",
        1706637600000: "43398.3 43500.5 42983.1 43386.6 81.88339686",
    }
    assert [(c.timestamp, [c.open, c.high, c.low, c.close, c.volume]) for c in candles] == [
        (timestamp, [Decimal(v) for v in row.split()]) for timestamp, row in expected.items()
    ]
    latest = parsing.parse_ohlcv(rows, None, 2)
    assert [c.timestamp for c in latest] == [1706641200000, 1706799600000]  # without since: the last ones
    assert len(parsing.parse_ohlcv(rows)) == 6
