"""Pure parser tests from recorded Binance bodies: exact Decimals, no event loop, no HTTP.

A few tests use a *variant* of a recorded body (one field changed with msgspec.structs.replace) to reach
a rule the recordings do not exercise; each says which field it changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest

from exchangeql.exchanges.binance import parsing
from exchangeql.exchanges.binance.schemas import AggTrade, Depth, ExchangeInfo, Kline, Ticker24hr
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind, strict=False)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    return MarketIndex.of(parsing.parse_markets(_decode("exchange_info.json", ExchangeInfo)))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def ticker_raw() -> Ticker24hr:
    return _decode("ticker_24hr_BTCUSDT.json", Ticker24hr)


# --- markets ----------------------------------------------------------------------------------------------


def test_markets_are_the_recorded_spot_symbols(index: MarketIndex) -> None:
    assert [m.symbol for m in index.markets] == [
        "BTC/USDT",
        "ETH/USDT",
        "ADA/USDT",
        "LTC/USDT",
        "XRP/USDT",
        "DOGE/USDT",
        "TRX/USDT",
    ]
    assert index.by_id["ETHUSDT"].symbol == "ETH/USDT"


def test_btc_usdt_market_precision_and_limits(btc: Market) -> None:
    assert (btc.id, btc.base_id, btc.quote_id) == ("BTCUSDT", "BTC", "USDT")
    assert (btc.base, btc.quote) == ("BTC", "USDT")
    assert btc.type is MarketType.SPOT
    assert btc.active is True
    assert btc.settle is None and btc.contract_size is None
    # Tick sizes: PRICE_FILTER.tickSize and LOT_SIZE.stepSize.
    assert btc.precision.price == Decimal("0.01")
    assert btc.precision.amount == Decimal("0.00001")
    assert (btc.limits.amount.min, btc.limits.amount.max) == (Decimal("0.00001"), Decimal("9000"))
    assert (btc.limits.price.min, btc.limits.price.max) == (Decimal("0.01"), Decimal("1000000"))
    # From the NOTIONAL filter.
    assert (btc.limits.cost.min, btc.limits.cost.max) == (Decimal("5"), Decimal("9000000"))
    assert btc.info.symbol == "BTCUSDT"


def test_market_precision_differs_per_symbol(index: MarketIndex) -> None:
    doge = index.by_symbol["DOGE/USDT"]
    assert (doge.precision.price, doge.precision.amount) == (Decimal("0.00001"), Decimal("1"))
    xrp = index.by_symbol["XRP/USDT"]
    assert xrp.limits.amount.max == Decimal("9222449")


def test_a_symbol_not_trading_is_inactive(btc: Market) -> None:
    halted = msgspec.structs.replace(btc.info, status="BREAK")  # variant: status changed
    assert parsing.parse_market(halted).active is False


def test_zero_price_filter_bounds_mean_no_bound(btc: Market) -> None:
    # Binance: a PRICE_FILTER value of 0 disables that rule. Variant: maxPrice set to 0.
    filters = [
        msgspec.structs.replace(f, maxPrice=Decimal(0)) if f.filterType == "PRICE_FILTER" else f
        for f in btc.info.filters
    ]
    market = parsing.parse_market(msgspec.structs.replace(btc.info, filters=filters))
    assert (market.limits.price.min, market.limits.price.max) == (Decimal("0.01"), None)


@pytest.mark.parametrize(
    ("asset", "code"), [("BTC", "BTC"), ("XBT", "BTC"), ("YOYO", "YOYOW"), ("BCC", "BCC"), ("usdt", "USDT")]
)
def test_currency_codes(asset: str, code: str) -> None:
    assert parsing.currency_code(asset) == code


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(ticker_raw: Ticker24hr, btc: Market) -> None:
    ticker = parsing.parse_ticker(ticker_raw, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("binance", "BTC/USDT", 1710328245391)
    assert ticker.bid == Decimal("73369.83")
    assert ticker.bid_volume == Decimal("6.27086")
    assert ticker.ask == Decimal("73369.84")
    assert ticker.ask_volume == Decimal("0.03321")
    assert ticker.last == ticker.close == Decimal("73369.84")
    assert ticker.open == Decimal("72181.09")
    assert ticker.high == Decimal("73650.25")
    assert ticker.low == Decimal("68620.82")
    assert ticker.previous_close == Decimal("72180.93")
    assert ticker.change == Decimal("1188.75")
    assert ticker.percentage == Decimal("1.647")
    assert ticker.vwap == Decimal("71624.65401064")
    assert ticker.base_volume == Decimal("72140.348628")
    assert ticker.quote_volume == Decimal("5167027510.68728707")  # all 18 digits: no float on the way
    # (72181.09 + 73369.84) / 2 = 72775.465, truncated to the price tick's 2 decimals as ccxt does.
    assert ticker.average == Decimal("72775.46")
    assert ticker.info is ticker_raw


def test_ticker_of_a_symbol_without_trades(ticker_raw: Ticker24hr, btc: Market) -> None:
    # Variant: Binance's answer for a symbol idle for 24 h, prices, change and percentage all zero.
    zero = Decimal("0E-8")
    idle = msgspec.structs.replace(
        ticker_raw,
        openPrice=zero,
        lastPrice=zero,
        bidPrice=zero,
        askPrice=zero,
        highPrice=zero,
        lowPrice=zero,
        priceChange=zero,
        priceChangePercent=Decimal("0.000"),
    )
    ticker = parsing.parse_ticker(idle, btc)
    assert (ticker.open, ticker.last, ticker.close, ticker.bid, ticker.ask) == (None,) * 5
    assert (ticker.high, ticker.low, ticker.percentage, ticker.average) == (None,) * 4
    assert ticker.change == 0


def test_ticker_open_missing_is_last_minus_change(ticker_raw: Ticker24hr, btc: Market) -> None:
    variant = msgspec.structs.replace(ticker_raw, openPrice=Decimal(0))  # variant: openPrice zeroed
    ticker = parsing.parse_ticker(variant, btc)
    assert ticker.open == Decimal("72181.09")
    assert ticker.average == Decimal("72775.46")


def test_ticker_zero_percentage_is_recomputed(ticker_raw: Ticker24hr, btc: Market) -> None:
    variant = msgspec.structs.replace(ticker_raw, priceChangePercent=Decimal("0.000"))  # variant
    ticker = parsing.parse_ticker(variant, btc)
    # change / open truncated at 18 decimals, times 100 (ccxt's Precise arithmetic).
    assert ticker.percentage == Decimal("1.646899485724031")


def test_tickers_skip_ids_outside_the_index(ticker_raw: Ticker24hr, index: MarketIndex) -> None:
    other = msgspec.structs.replace(ticker_raw, symbol="BTCUSD_PERP")  # variant: an id we do not list
    tickers = parsing.parse_tickers([other, ticker_raw, other], index)
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert tickers[0] == parsing.parse_ticker(ticker_raw, index.by_id["BTCUSDT"])
    assert parsing.parse_tickers([ticker_raw], MarketIndex.of([])) == []


def test_integers_as_strings_and_as_numbers_decode_alike(ticker_raw: Ticker24hr) -> None:
    # The recording has "closeTime": "1710328245391"; the live API sends a JSON number.
    live = recorded("ticker_24hr_BTCUSDT.json").replace(b'"1710328245391"', b"1710328245391")
    assert live != recorded("ticker_24hr_BTCUSDT.json")
    assert msgspec.json.decode(live, type=Ticker24hr, strict=False) == ticker_raw


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(btc: Market) -> None:
    book = parsing.parse_order_book(_decode("depth_BTCUSDT.json", Depth), btc)
    assert (book.exchange_id, book.symbol, book.nonce) == ("binance", "BTC/USDT", 25445101)
    assert book.timestamp is None  # spot depth carries no time
    assert [(level.price, level.amount) for level in book.bids] == [
        (Decimal("42574.3"), Decimal("0.0107")),
        (Decimal("42574.2"), Decimal("0.00646")),
    ]
    assert [(level.price, level.amount) for level in book.asks] == [
        (Decimal("42574.31"), Decimal("0.0087")),
        (Decimal("42574.8"), Decimal("0.00893")),
    ]


def test_order_book_is_cut_to_the_limit(btc: Market) -> None:
    book = parsing.parse_order_book(_decode("depth_BTCUSDT.json", Depth), btc, 1)
    assert [level.price for level in book.bids] == [Decimal("42574.3")]
    assert [level.price for level in book.asks] == [Decimal("42574.31")]


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_decode("agg_trades_BTCUSDT.json", list[AggTrade]), btc)
    assert (trade.id, trade.timestamp, trade.symbol) == ("2913537567", 1710327661939, "BTC/USDT")
    assert trade.side is Side.BUY  # "m": false, the buyer was the taker
    assert trade.price == Decimal("73238.7")
    assert trade.amount == Decimal("0.00109")
    assert trade.cost == Decimal("79.830183")  # 73238.7 * 0.00109, exact
    assert (trade.taker_or_maker, trade.order) == (None, None)
    assert trade.info.first_trade_id == trade.info.last_trade_id == 3479463557


def test_trade_cost_is_exact(btc: Market) -> None:
    (raw,) = _decode("agg_trades_BTCUSDT.json", list[AggTrade])
    variant = msgspec.structs.replace(raw, price=Decimal("0.1"), quantity=Decimal("3"))  # variant
    assert parsing.parse_trade(variant, btc).cost == Decimal("0.3")  # a float product: 0.30000000000000004


def test_a_trade_whose_buyer_made_is_a_sell(btc: Market) -> None:
    (raw,) = _decode("agg_trades_BTCUSDT.json", list[AggTrade])
    assert parsing.parse_trade(msgspec.structs.replace(raw, buyer_is_maker=True), btc).side is Side.SELL


def test_ohlcv() -> None:
    candles = parsing.parse_ohlcv(_decode("klines_BTCUSDT_1h.json", list[Kline]))
    expected = {  # open high low close volume
        1706630400000: "43519.34 43936 43171 43488.71 20.55495",
        1706634000000: "43488.71 43832.08 43084 43374.8 21.80865",
        1706637600000: "43374.81 44048 43062 43361.11 23.66547",
    }
    assert [(c.timestamp, [c.open, c.high, c.low, c.close, c.volume]) for c in candles] == [
        (timestamp, [Decimal(v) for v in row.split()]) for timestamp, row in expected.items()
    ]
