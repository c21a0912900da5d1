"""KuCoin spot wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Every answer is an envelope, {"code": "200000", "data": ...}; errors keep the envelope with another code
and a "msg" (sometimes with HTTP 200), so one generic `Envelope[T]` decodes both in a single pass.
Prices and sizes are numeric strings, decoded into Decimal exactly. Some integers come as strings
("sequence", candle times): the endpoint decoders run with strict=False, which turns a numeric string
into the declared `int`. Keys the venue adds later are ignored; keys we rely on are required.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class Envelope(msgspec.Struct, Generic[T], frozen=True, gc=False):
    code: str  # "200000" on success
    data: T | None = None
    msg: str | None = None  # the reason, on errors


# --- GET /api/v2/symbols ----------------------------------------------------------------------------------


class SymbolInfo(msgspec.Struct, frozen=True, gc=False):
    """One spot pair."""

    symbol: str  # BASE-QUOTE, e.g. BTC-USDT
    baseCurrency: str
    quoteCurrency: str
    baseMinSize: Decimal
    quoteMinSize: Decimal
    baseMaxSize: Decimal
    quoteMaxSize: Decimal
    baseIncrement: Decimal  # size step
    quoteIncrement: Decimal  # funds step
    priceIncrement: Decimal  # price tick
    enableTrading: bool
    name: str | None = None
    feeCurrency: str | None = None
    market: str | None = None  # USDS, BTC, ALTS, ...
    priceLimitRate: Decimal | None = None
    minFunds: Decimal | None = None
    isMarginEnabled: bool | None = None
    st: bool | None = None


# --- GET /api/v1/market/stats and /api/v1/market/allTickers -----------------------------------------------


class Stats(msgspec.Struct, frozen=True, gc=False):
    """24 h statistics of one pair. "buy" is the best bid, "sell" the best ask."""

    symbol: str
    time: int | None = None  # ms
    buy: Decimal | None = None
    sell: Decimal | None = None
    changeRate: Decimal | None = None  # a fraction: 0.0089 is 0.89 %
    changePrice: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    vol: Decimal | None = None  # base currency
    volValue: Decimal | None = None  # quote currency
    last: Decimal | None = None
    averagePrice: Decimal | None = None  # the venue's 24 h average trade price
    takerFeeRate: Decimal | None = None
    makerFeeRate: Decimal | None = None
    takerCoefficient: Decimal | None = None
    makerCoefficient: Decimal | None = None


class TickerItem(msgspec.Struct, frozen=True, gc=False):
    """One pair of /market/allTickers: the stats fields without "time", plus the best levels' sizes."""

    symbol: str
    symbolName: str | None = None
    buy: Decimal | None = None
    bestBidSize: Decimal | None = None
    sell: Decimal | None = None
    bestAskSize: Decimal | None = None
    changeRate: Decimal | None = None
    changePrice: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    vol: Decimal | None = None
    volValue: Decimal | None = None
    last: Decimal | None = None
    averagePrice: Decimal | None = None
    takerFeeRate: Decimal | None = None
    makerFeeRate: Decimal | None = None
    takerCoefficient: Decimal | None = None
    makerCoefficient: Decimal | None = None


class AllTickers(msgspec.Struct, frozen=True, gc=False):
    time: int  # ms, one snapshot time for every pair
    ticker: list[TickerItem]


# --- GET /api/v1/market/orderbook/level2_20 | level2_100 --------------------------------------------------


class PartOrderBook(msgspec.Struct, frozen=True, gc=False):
    sequence: int  # a numeric string
    bids: list[tuple[Decimal, Decimal]]  # [price, size], best (highest) first
    asks: list[tuple[Decimal, Decimal]]  # best (lowest) first
    time: int | None = None  # ms


# --- GET /api/v1/market/histories -------------------------------------------------------------------------


class HistoryTrade(msgspec.Struct, frozen=True, gc=False):
    sequence: str
    price: Decimal
    size: Decimal
    side: str  # the taker's side
    time: int  # nanoseconds


# --- GET /api/v1/market/candles ---------------------------------------------------------------------------


class CandleRow(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[time, open, close, high, low, volume, turnover], all strings, time in seconds."""

    time: int
    open: Decimal
    close: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal  # base currency
    turnover: Decimal  # quote currency


# --- errors ---------------------------------------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    code: str
    msg: str = ""
