"""OKX v5 wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Every answer is an envelope {"code": "0", "msg": "", "data": [...]}; a code other than "0" is an error,
caught by the transport before these Structs are decoded (see errors.py).

OKX sends every number as a JSON string, and an empty string where it has no value: a spot instrument's
ctVal, a book without asks (askPx ""), a pre-open market's last price. msgspec cannot read "" as a Decimal,
so the fields that may be empty are `str` here and parsing.py reads them with `_num` ("" -> None, otherwise
Decimal(text), exact); fields the venue always fills (book levels, trade prices, candles) are `Decimal`,
decoded by msgspec directly. Times and counts are numeric strings too: the endpoint decoders run with
`strict=False`, which turns them into the declared `int`. Structs are frozen (they end up in `info`) and
untracked by the GC (they hold no reference cycles).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

# --- GET /api/v5/public/instruments -------------------------------------------------------------------


class Instrument(msgspec.Struct, frozen=True, gc=False):
    """One instrument. Spot: baseCcy/quoteCcy set, contract fields "". Swap: uly/settleCcy/ctVal set."""

    instType: str  # SPOT, SWAP, FUTURES, OPTION, MARGIN
    instId: str  # BTC-USDT, BTC-USDT-SWAP
    state: str = ""  # live, suspend, preopen, test
    baseCcy: str = ""
    quoteCcy: str = ""
    settleCcy: str = ""
    uly: str = ""  # underlying of derivatives: BTC-USDT, BTC-USD
    instFamily: str = ""
    category: str = ""
    ctVal: str = ""  # contract value, in ctValCcy
    ctMult: str = ""
    ctValCcy: str = ""
    ctType: str = ""  # linear, inverse
    alias: str = ""
    expTime: str = ""
    listTime: str = ""
    lever: str = ""
    tickSz: str = ""
    lotSz: str = ""
    minSz: str = ""
    maxLmtSz: str = ""
    maxMktSz: str = ""
    maxLmtAmt: str = ""
    maxMktAmt: str = ""
    ruleType: str = ""


class Instruments(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[Instrument]
    msg: str = ""


# --- GET /api/v5/market/ticker, /api/v5/market/tickers ----------------------------------------------------


class Ticker(msgspec.Struct, frozen=True, gc=False):
    instId: str
    ts: int
    instType: str = ""
    last: str = ""
    lastSz: str = ""
    askPx: str = ""
    askSz: str = ""
    bidPx: str = ""
    bidSz: str = ""
    open24h: str = ""
    high24h: str = ""
    low24h: str = ""
    volCcy24h: str = ""  # spot: quote currency; derivatives: base currency
    vol24h: str = ""  # spot: base currency; derivatives: contracts
    sodUtc0: str = ""
    sodUtc8: str = ""


class Tickers(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[Ticker]
    msg: str = ""


# --- GET /api/v5/market/books -----------------------------------------------------------------------------

# [price, size, "0" (deprecated: liquidated orders), number of orders]
BookLevel = tuple[Decimal, Decimal, str, str]


class Book(msgspec.Struct, frozen=True, gc=False):
    asks: list[BookLevel]  # best (lowest) first
    bids: list[BookLevel]  # best (highest) first
    ts: int


class Books(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[Book]
    msg: str = ""


# --- GET /api/v5/market/trades ----------------------------------------------------------------------------


class Trade(msgspec.Struct, frozen=True, gc=False):
    instId: str
    tradeId: str
    px: Decimal
    sz: Decimal
    side: str  # the taker's side: buy, sell
    ts: int
    count: str = ""
    source: str = ""


class Trades(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[Trade]
    msg: str = ""


# --- GET /api/v5/market/candles, /api/v5/market/history-candles -------------------------------------------


class Candle(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]: newest first in the answer."""

    ts: int
    o: Decimal
    h: Decimal
    l: Decimal  # noqa: E741 - the venue's name
    c: Decimal
    vol: Decimal  # spot: base currency; derivatives: contracts
    volCcy: Decimal  # spot: quote currency; derivatives: base currency
    volCcyQuote: str = ""
    confirm: str = ""  # "0" while the candle is still open, "1" once closed


class Candles(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[Candle]
    msg: str = ""


# --- GET /api/v5/account/balance (signed) ---------------------------------------------------------------


class BalanceDetail(msgspec.Struct, frozen=True, gc=False):
    """One currency of the trading account. `availEq` is set in multi-currency and portfolio margin modes,
    "" in spot mode (where `availBal` and `frozenBal` are)."""

    ccy: str
    eq: str = ""  # equity of the currency
    cashBal: str = ""
    availEq: str = ""
    availBal: str = ""
    frozenBal: str = ""
    ordFrozen: str = ""
    uTime: str = ""


class AccountBalance(msgspec.Struct, frozen=True, gc=False):
    details: list[BalanceDetail]
    totalEq: str = ""
    uTime: str = ""


class Balances(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[AccountBalance]
    msg: str = ""


# --- POST /api/v5/trade/batch-orders, /api/v5/trade/cancel-order (signed) ----------------------------------


class OrderAck(msgspec.Struct, frozen=True, gc=False):
    """The venue's answer for one order of a placement or cancel request: `sCode` "0" when accepted."""

    ordId: str = ""
    clOrdId: str = ""
    sCode: str = ""
    sMsg: str = ""
    tag: str = ""
    ts: str = ""  # ms, when the venue finished processing the request


class OrderAcks(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[OrderAck]
    msg: str = ""


# --- GET /api/v5/trade/order, /api/v5/trade/orders-pending (signed) -----------------------------------------


class Order(msgspec.Struct, frozen=True, gc=False):
    """One order. Empty strings where the venue has no value (px of a market order, avgPx before a fill)."""

    instType: str
    instId: str
    ordId: str
    ordType: str  # market, limit, post_only, fok, ioc, optimal_limit_ioc, mmp, ...
    side: str  # buy, sell
    state: str  # live, partially_filled, filled, canceled, mmp_canceled
    sz: str
    cTime: int
    clOrdId: str = ""
    px: str = ""
    accFillSz: str = ""
    avgPx: str = ""
    fee: str = ""  # negative: charged; positive: rebate
    feeCcy: str = ""
    tgtCcy: str = ""  # spot market orders: the currency of sz
    tdMode: str = ""
    posSide: str = ""
    reduceOnly: str = ""
    category: str = ""
    tag: str = ""
    uTime: str = ""
    fillTime: str = ""


class Orders(msgspec.Struct, frozen=True, gc=False):
    code: str
    data: list[Order]
    msg: str = ""


# --- errors (any endpoint; HTTP 200 for most, 4xx/5xx for some) -------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    """The envelope without its data: what the transport reads to tell an error from a success."""

    code: str = ""
    msg: str = ""


class ItemStatus(msgspec.Struct, frozen=True, gc=False):
    """The per-item verdict in the `data` of a failed order request ({"sCode":"51008","sMsg":...})."""

    sCode: str = ""
    sMsg: str = ""


class FailedEnvelope(msgspec.Struct, frozen=True, gc=False):
    code: str = ""
    msg: str = ""
    data: list[ItemStatus] = []
