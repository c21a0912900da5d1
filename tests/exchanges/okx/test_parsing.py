"""Pure parser tests from recorded OKX bodies: exact Decimals, no event loop, no HTTP.

A few tests use a *variant* of a recorded body (fields changed with msgspec.structs.replace) to reach a
rule the recordings do not exercise; each says which field it changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest

from exchangeql.exchanges.okx import parsing
from exchangeql.exchanges.okx import schemas as wire
from exchangeql.models import Market, MarketIndex, MarketType, Side

from . import recorded

T = TypeVar("T")


def _decode(name: str, kind: type[T]) -> T:
    return msgspec.json.decode(recorded(name), type=kind, strict=False)


@pytest.fixture(scope="module")
def index() -> MarketIndex:
    spot = _decode("instruments_SPOT.json", wire.Instruments).data
    swap = _decode("instruments_SWAP.json", wire.Instruments).data
    return MarketIndex.of(parsing.parse_markets([*spot, *swap]))


@pytest.fixture(scope="module")
def btc(index: MarketIndex) -> Market:
    return index.by_symbol["BTC/USDT"]


@pytest.fixture(scope="module")
def ticker_raw() -> wire.Ticker:
    (raw,) = _decode("ticker_BTC-USDT.json", wire.Tickers).data
    return raw


# --- markets ----------------------------------------------------------------------------------------------


def test_markets_are_the_recorded_spot_and_swap_instruments(index: MarketIndex) -> None:
    spot = [m.symbol for m in index.markets if m.type is MarketType.SPOT]
    swap = [m.symbol for m in index.markets if m.type is MarketType.SWAP]
    assert spot == ["BTC/USDT", "ETH/USDT", "ADA/USDT", "LTC/USDT", "XRP/USDT", "DOGE/USDT", "TRX/USDT"]
    assert swap == [
        "BTC/USDT:USDT",
        "BTC/USD:BTC",
        "ETH/USDT:USDT",
        "LTC/USDT:USDT",
        "ADA/USDT:USDT",
        "XRP/USDT:USDT",
        "DOGE/USDT:USDT",
        "TRX/USDT:USDT",
        "SUSHI/USDT:USDT",
    ]
    assert index.by_id["BTC-USDT-SWAP"].symbol == "BTC/USDT:USDT"


def test_spot_market_precision_and_limits(btc: Market) -> None:
    assert (btc.id, btc.base_id, btc.quote_id, btc.base, btc.quote) == (
        "BTC-USDT",
        "BTC",
        "USDT",
        "BTC",
        "USDT",
    )
    assert btc.type is MarketType.SPOT and btc.active is True
    assert (btc.settle, btc.settle_id, btc.contract_size, btc.linear) == (None, None, None, None)
    assert btc.precision.price == Decimal("0.1")  # tickSz
    assert btc.precision.amount == Decimal("0.00000001")  # lotSz
    assert (btc.limits.amount.min, btc.limits.amount.max) == (Decimal("0.00001"), Decimal("9999999999"))
    assert (btc.limits.price.min, btc.limits.price.max) == (None, None)
    # maxMktSz: the largest market order, in USDT.
    assert (btc.limits.cost.min, btc.limits.cost.max) == (None, Decimal("1000000"))
    assert btc.info.instId == "BTC-USDT"


def test_linear_swap(index: MarketIndex) -> None:
    swap = index.by_symbol["BTC/USDT:USDT"]
    assert (swap.id, swap.type, swap.settle, swap.settle_id) == (
        "BTC-USDT-SWAP",
        MarketType.SWAP,
        "USDT",
        "USDT",
    )
    assert (swap.base_id, swap.quote_id) == ("BTC", "USDT")  # from uly: the instrument's baseCcy is ""
    assert swap.linear is True
    assert swap.contract_size == Decimal("0.01")  # ctVal, in BTC
    assert (swap.precision.price, swap.precision.amount) == (Decimal("0.1"), Decimal("0.1"))
    assert swap.limits.cost.max is None  # maxMktSz counts contracts for swaps


def test_inverse_swap(index: MarketIndex) -> None:
    inverse = index.by_symbol["BTC/USD:BTC"]
    assert (inverse.quote, inverse.settle, inverse.linear) == ("USD", "BTC", False)
    assert inverse.contract_size == Decimal("100")  # USD per contract


def test_a_suspended_instrument_is_inactive(btc: Market) -> None:
    market = parsing.parse_market(msgspec.structs.replace(btc.info, state="suspend"))  # variant
    assert market is not None and market.active is False


def test_instruments_without_base_or_quote_are_left_out(index: MarketIndex) -> None:
    # Variant: OKX's pre-open swaps carry only instId, instType and state.
    preopen = wire.Instrument(instType="SWAP", instId="ETH-USD_UM-SWAP", state="preopen")
    assert parsing.parse_market(preopen) is None
    assert parsing.parse_market(wire.Instrument(instType="OPTION", instId="BTC-USD-241227-60000-P")) is None
    # A pre-open spot pair without baseCcy/quoteCcy is named by its instId.
    spot = msgspec.structs.replace(index.by_symbol["ETH/USDT"].info, baseCcy="", quoteCcy="")
    market = parsing.parse_market(spot)
    assert market is not None and market.symbol == "ETH/USDT"


@pytest.mark.parametrize(("ccy", "code"), [("BTC", "BTC"), ("XBT", "BTC"), ("AE", "AET"), ("usdt", "USDT")])
def test_currency_codes(ccy: str, code: str) -> None:
    assert parsing.currency_code(ccy) == code


@pytest.mark.parametrize(("code", "ccy"), [("BTC", "BTC"), ("AET", "AE"), ("USDT", "USDT")])
def test_currency_ids(code: str, ccy: str) -> None:
    assert parsing.currency_id(code) == ccy
    assert parsing.currency_code(parsing.currency_id(code)) == code


def test_symbols_to_instrument_ids_and_back(index: MarketIndex) -> None:
    for market in index.markets:
        assert parsing.instrument_id(market.symbol) == market.id
    assert parsing.instrument_id("AET/USDT") == "AE-USDT"


# --- tickers ----------------------------------------------------------------------------------------------


def test_ticker(ticker_raw: wire.Ticker, btc: Market) -> None:
    ticker = parsing.parse_ticker(ticker_raw, btc)
    assert (ticker.exchange_id, ticker.symbol, ticker.timestamp) == ("okx", "BTC/USDT", 1710328243709)
    assert (ticker.bid, ticker.bid_volume) == (Decimal("73384.7"), Decimal("0.0655768"))
    assert (ticker.ask, ticker.ask_volume) == (Decimal("73384.8"), Decimal("0.40193728"))
    assert ticker.last == ticker.close == Decimal("73384.8")
    assert (ticker.open, ticker.high, ticker.low) == (
        Decimal("72166.8"),
        Decimal("73625.6"),
        Decimal("68600"),
    )
    assert ticker.previous_close is None
    assert ticker.base_volume == Decimal("21266.19145051")  # vol24h
    assert ticker.quote_volume == Decimal("1519926359.597266598")  # volCcy24h: all 19 digits
    assert ticker.change == Decimal("1218")
    # 1218 / 72166.8 truncated at 18 decimals, times 100.
    assert ticker.percentage == Decimal("1.6877566969853173")
    assert ticker.vwap == Decimal("71471.488589500878344596")  # volCcy24h / vol24h, 18 decimals
    assert ticker.average == Decimal("72775.8")  # (72166.8 + 73384.8) / 2, at the tick's one decimal
    assert ticker.info is ticker_raw


def test_swap_tickers_from_the_documented_example(index: MarketIndex) -> None:
    # OKX's documentation example lists LTC-USD-SWAP (not among the recorded markets) and BTC-USD-SWAP.
    payload = _decode("tickers_SWAP_docs.json", wire.Tickers).data
    (ticker,) = parsing.parse_tickers(payload, index)
    assert (ticker.symbol, ticker.timestamp) == ("BTC/USD:BTC", 1597026383085)
    assert ticker.base_volume == Decimal("2222")  # vol24h: contracts, as ccxt reports it
    assert ticker.quote_volume is None and ticker.vwap is None  # volCcy24h is not a quote volume for swaps
    assert (ticker.change, ticker.percentage) == (Decimal("999.99"), Decimal("11.111"))
    assert ticker.average == Decimal("9499.9")  # 9499.995 truncated at the tick's one decimal


def test_empty_strings_are_none(ticker_raw: wire.Ticker, btc: Market) -> None:
    # Variant: a book without asks and a pre-open pair without last/open, as OKX sends them.
    variant = msgspec.structs.replace(ticker_raw, askPx="", askSz="", last="", open24h="")
    ticker = parsing.parse_ticker(variant, btc)
    assert (ticker.ask, ticker.ask_volume, ticker.last, ticker.close, ticker.open) == (None,) * 5
    assert (ticker.change, ticker.percentage, ticker.average) == (None, None, None)
    assert ticker.bid == Decimal("73384.7")


def test_zero_prices_are_none(ticker_raw: wire.Ticker, btc: Market) -> None:
    variant = msgspec.structs.replace(ticker_raw, open24h="0", bidPx="0", bidSz="0")  # variant
    ticker = parsing.parse_ticker(variant, btc)
    assert (ticker.open, ticker.bid, ticker.change, ticker.average) == (None, None, None, None)
    assert ticker.bid_volume == Decimal("0")  # a size of 0 is a size


def test_tickers_skip_ids_outside_the_index(ticker_raw: wire.Ticker, index: MarketIndex) -> None:
    other = msgspec.structs.replace(ticker_raw, instId="OKB-USDT")  # variant: an id we do not list
    tickers = parsing.parse_tickers([other, ticker_raw], index)
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert tickers[0] == parsing.parse_ticker(ticker_raw, index.by_id["BTC-USDT"])


# --- order book, trades, candles --------------------------------------------------------------------------


def test_order_book(btc: Market) -> None:
    (raw,) = _decode("books_BTC-USDT.json", wire.Books).data
    book = parsing.parse_order_book(raw, btc)
    assert (book.exchange_id, book.symbol, book.timestamp, book.nonce) == (
        "okx",
        "BTC/USDT",
        1712265035051,
        None,
    )
    assert [(level.price, level.amount) for level in book.bids] == [
        (Decimal("67973.3"), Decimal("0.05")),
        (Decimal("67973.2"), Decimal("0.00725939")),
    ]
    assert [(level.price, level.amount) for level in book.asks] == [
        (Decimal("67973.4"), Decimal("1.40848059")),
        (Decimal("67975.9"), Decimal("0.08292002")),
    ]
    assert [level.price for level in parsing.parse_order_book(raw, btc, 1).asks] == [Decimal("67973.4")]


def test_swap_order_book_counts_contracts(index: MarketIndex) -> None:
    (raw,) = _decode("books_BTC-USDT-SWAP.json", wire.Books).data
    book = parsing.parse_order_book(raw, index.by_symbol["BTC/USDT:USDT"])
    assert book.timestamp == 1706612067750
    assert (book.bids[0].price, book.bids[0].amount) == (Decimal("43466.3"), Decimal("13807"))
    assert (book.asks[1].price, book.asks[1].amount) == (Decimal("43466.5"), Decimal("14624"))


def test_trades(btc: Market) -> None:
    (trade,) = parsing.parse_trades(_decode("trades_BTC-USDT.json", wire.Trades).data, btc)
    assert (trade.id, trade.timestamp, trade.symbol, trade.side) == (
        "497859870",
        1710327658374,
        "BTC/USDT",
        Side.SELL,
    )
    assert (trade.price, trade.amount) == (Decimal("73239.3"), Decimal("0.0009478"))
    assert trade.cost == Decimal("69.41620854")  # exact product
    assert (trade.taker_or_maker, trade.order) == (None, None)


def test_contract_trade_costs(index: MarketIndex) -> None:
    (raw,) = _decode("trades_BTC-USDT.json", wire.Trades).data
    variant = msgspec.structs.replace(raw, sz=Decimal("2"))  # variant: 2 contracts
    linear = parsing.parse_trade(variant, index.by_symbol["BTC/USDT:USDT"])
    assert linear.cost == Decimal("1464.786")  # 73239.3 * 0.01 BTC * 2
    inverse = parsing.parse_trade(variant, index.by_symbol["BTC/USD:BTC"])
    # (1 / 73239.3, truncated at 18 decimals) * 100 USD * 2: the BTC value of 200 USD.
    assert inverse.cost == Decimal("0.0027307743247136")


def test_trades_sort_oldest_first_and_keep_the_last(btc: Market) -> None:
    (raw,) = _decode("trades_BTC-USDT.json", wire.Trades).data
    newer = msgspec.structs.replace(raw, tradeId="2", ts=raw.ts + 5)  # variants: OKX lists newest first
    same_ms = msgspec.structs.replace(raw, tradeId="3", ts=raw.ts + 5)
    trades = parsing.parse_trades([same_ms, newer, raw], btc)
    assert [t.id for t in trades] == ["497859870", "2", "3"]  # equal times: by trade id, as ccxt sorts
    assert [t.id for t in parsing.parse_trades([same_ms, newer, raw], btc, 2)] == ["2", "3"]


def test_ohlcv_oldest_first(btc: Market) -> None:
    payload = _decode("candles_BTC-USDT_1H.json", wire.Candles).data
    candles = parsing.parse_ohlcv(payload, btc)
    expected = {  # open high low close volume (vol: base currency for spot)
        1706630400000: "43377.1 43500 43220.9 43495.9 7137.30786672",
        1706634000000: "43495.9 43591.7 43300 43398.6 4492.95408114",
        1706637600000: "43398.6 43493.9 43279.9 43373.9 5070.79611732",
    }
    assert [(c.timestamp, [c.open, c.high, c.low, c.close, c.volume]) for c in candles] == [
        (timestamp, [Decimal(v) for v in row.split()]) for timestamp, row in expected.items()
    ]


def test_ohlcv_since_and_limit(btc: Market) -> None:
    payload = _decode("candles_BTC-USDT_1H.json", wire.Candles).data
    assert [c.timestamp for c in parsing.parse_ohlcv(payload, btc, None, 2)] == [1706634000000, 1706637600000]
    since = parsing.parse_ohlcv(payload, btc, 1706634000000, 1)
    assert [c.timestamp for c in since] == [1706634000000]


def test_swap_candles_count_base_currency(index: MarketIndex) -> None:
    payload = _decode("candles_BTC-USDT_1H.json", wire.Candles).data
    candles = parsing.parse_ohlcv(payload, index.by_symbol["BTC/USDT:USDT"])
    # For swaps `vol` counts contracts; volCcy is the base currency volume.
    assert candles[0].volume == Decimal("309343235.363089398")
