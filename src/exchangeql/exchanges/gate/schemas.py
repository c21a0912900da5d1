"""Gate v4 spot wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Gate sends numbers as JSON strings. Tickers may carry "" (no ask on the book) and "nan" (volumes of a
pair without trades), so ticker fields are `str` and parsing.py reads them; elsewhere the venue always
fills its numbers and the fields are `Decimal`, decoded by msgspec directly. Integers that come as numeric
strings (candle times, precisions in recordings) are read by the endpoint decoders with `strict=False`.
Structs are frozen (they end up in `info`) and untracked by the GC.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

# --- GET /api/v4/spot/currency_pairs ----------------------------------------------------------------------


class CurrencyPair(msgspec.Struct, frozen=True, gc=False):
    id: str  # BTC_USDT
    base: str = ""
    quote: str = ""
    fee: str = ""  # taker fee, in percent
    min_base_amount: Decimal | None = None
    min_quote_amount: Decimal | None = None
    max_base_amount: Decimal | None = None
    max_quote_amount: Decimal | None = None
    amount_precision: int = 0  # decimals of an amount
    precision: int = 0  # decimals of a price
    trade_status: str = ""  # tradable, untradable, buyable, sellable
    sell_start: int | None = None
    buy_start: int | None = None
    type: str = ""
    base_name: str = ""
    quote_name: str = ""
    delisting_time: int | None = None


# --- GET /api/v4/spot/tickers -----------------------------------------------------------------------------


class Ticker(msgspec.Struct, frozen=True, gc=False):
    currency_pair: str
    last: str = ""
    lowest_ask: str = ""
    lowest_size: str = ""
    highest_bid: str = ""
    highest_size: str = ""
    change_percentage: str = ""  # rolling 24 h, in percent
    change_utc0: str = ""
    change_utc8: str = ""
    base_volume: str = ""
    quote_volume: str = ""
    high_24h: str = ""
    low_24h: str = ""
    etf_net_value: str | None = None
    etf_pre_net_value: str | None = None
    etf_pre_timestamp: int | None = None
    etf_leverage: str | None = None


# --- GET /api/v4/spot/order_book --------------------------------------------------------------------------


class OrderBook(msgspec.Struct, frozen=True, gc=False):
    current: int  # when the answer was built, ms
    update: int  # when the book last changed, ms
    asks: list[tuple[Decimal, Decimal]]  # [price, amount], best (lowest) first
    bids: list[tuple[Decimal, Decimal]]  # best (highest) first
    id: int | None = None  # the book's update id, with with_id=true


# --- GET /api/v4/spot/trades ------------------------------------------------------------------------------


class Trade(msgspec.Struct, frozen=True, gc=False):
    id: str
    create_time_ms: Decimal  # ms with a fraction: "1710327648162.035000"
    side: str  # the taker's side: buy, sell
    amount: Decimal
    price: Decimal
    create_time: str = ""  # seconds
    currency_pair: str = ""
    role: str = ""  # only in private answers
    order_id: str = ""
    sequence_id: str = ""


# --- GET /api/v4/spot/candlesticks ------------------------------------------------------------------------


class Candlestick(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[t (s), quote volume, close, high, low, open, base volume, window closed], oldest first."""

    t: int
    quote_volume: Decimal
    close: Decimal
    high: Decimal
    low: Decimal
    open: Decimal
    base_volume: Decimal
    closed: str | bool | None = None


# --- errors (non-2xx: {"label": "INVALID_CURRENCY_PAIR", "message": "..."}) -------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    label: str = ""
    message: str = ""
    detail: str = ""  # some endpoints say `detail` where most say `message`
