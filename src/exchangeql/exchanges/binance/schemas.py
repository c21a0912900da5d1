"""Binance spot wire schemas: msgspec Structs that mirror the venue's JSON, field names included.

Prices and quantities are `Decimal`: msgspec builds them straight from the JSON strings, exactly.
Binance sends times and ids as JSON integers; some recorded answers carry them as strings, so the
endpoint decoders run with `strict=False`, which turns a numeric string into the declared `int`.
One Struct per answer shape; keys the venue adds later are ignored, keys we rely on are required.
Structs are frozen (they end up in `info`) and untracked by the GC (they hold no reference cycles).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

# --- GET /api/v3/exchangeInfo -------------------------------------------------------------------------


class SymbolFilter(msgspec.Struct, frozen=True, gc=False):
    """One entry of `filters`. Only the filters we read have their bounds mirrored; others keep the type.

    PRICE_FILTER: minPrice, maxPrice, tickSize. LOT_SIZE / MARKET_LOT_SIZE: minQty, maxQty, stepSize.
    NOTIONAL: minNotional, maxNotional. MIN_NOTIONAL (the older form): minNotional.
    """

    filterType: str
    minPrice: Decimal | None = None
    maxPrice: Decimal | None = None
    tickSize: Decimal | None = None
    minQty: Decimal | None = None
    maxQty: Decimal | None = None
    stepSize: Decimal | None = None
    minNotional: Decimal | None = None
    maxNotional: Decimal | None = None


class SymbolInfo(msgspec.Struct, frozen=True, gc=False):
    """One entry of `symbols`: a spot market."""

    symbol: str
    status: str  # TRADING, BREAK, HALT, END_OF_DAY, ...
    baseAsset: str
    quoteAsset: str
    filters: list[SymbolFilter]
    baseAssetPrecision: int | None = None
    quotePrecision: int | None = None
    quoteAssetPrecision: int | None = None
    orderTypes: list[str] = []
    icebergAllowed: bool | None = None
    ocoAllowed: bool | None = None
    quoteOrderQtyMarketAllowed: bool | None = None
    allowTrailingStop: bool | None = None
    cancelReplaceAllowed: bool | None = None
    isSpotTradingAllowed: bool | None = None
    isMarginTradingAllowed: bool | None = None
    permissions: list[str] = []
    permissionSets: list[list[str]] = []
    defaultSelfTradePreventionMode: str | None = None
    allowedSelfTradePreventionModes: list[str] = []


class RateLimitRule(msgspec.Struct, frozen=True, gc=False):
    rateLimitType: str  # REQUEST_WEIGHT, ORDERS, RAW_REQUESTS
    interval: str  # SECOND, MINUTE, DAY
    intervalNum: int
    limit: int


class ExchangeInfo(msgspec.Struct, frozen=True, gc=False):
    symbols: list[SymbolInfo]
    timezone: str | None = None
    serverTime: int | None = None
    rateLimits: list[RateLimitRule] = []


# --- GET /api/v3/ticker/24hr (type=FULL, the default) ---------------------------------------------------


class Ticker24hr(msgspec.Struct, frozen=True, gc=False):
    symbol: str
    priceChange: Decimal
    priceChangePercent: Decimal
    weightedAvgPrice: Decimal
    prevClosePrice: Decimal
    lastPrice: Decimal
    lastQty: Decimal
    bidPrice: Decimal
    bidQty: Decimal
    askPrice: Decimal
    askQty: Decimal
    openPrice: Decimal
    highPrice: Decimal
    lowPrice: Decimal
    volume: Decimal
    quoteVolume: Decimal
    openTime: int
    closeTime: int
    firstId: int  # -1 when the symbol had no trade in the window
    lastId: int
    count: int


# --- GET /api/v3/depth ----------------------------------------------------------------------------------


class Depth(msgspec.Struct, frozen=True, gc=False):
    lastUpdateId: int
    bids: list[tuple[Decimal, Decimal]]  # [price, quantity], best (highest) first
    asks: list[tuple[Decimal, Decimal]]  # best (lowest) first


# --- GET /api/v3/aggTrades ------------------------------------------------------------------------------


class AggTrade(msgspec.Struct, frozen=True, gc=False):
    """The venue's one-letter keys, under readable names."""

    agg_id: int = msgspec.field(name="a")
    price: Decimal = msgspec.field(name="p")
    quantity: Decimal = msgspec.field(name="q")
    first_trade_id: int = msgspec.field(name="f")
    last_trade_id: int = msgspec.field(name="l")
    time: int = msgspec.field(name="T")
    buyer_is_maker: bool = msgspec.field(name="m")
    best_match: bool = msgspec.field(name="M")


# --- GET /api/v3/klines ---------------------------------------------------------------------------------


class Kline(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One candle: a 12-element JSON array, positional."""

    openTime: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal  # base asset volume
    closeTime: int
    quoteAssetVolume: Decimal
    numberOfTrades: int
    takerBuyBaseAssetVolume: Decimal
    takerBuyQuoteAssetVolume: Decimal
    ignore: str


# --- errors (any endpoint, non-2xx) ---------------------------------------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    code: int
    msg: str


# --- GET /api/v3/account (SIGNED) ------------------------------------------------------------------------


class AssetBalance(msgspec.Struct, frozen=True, gc=False):
    asset: str
    free: Decimal
    locked: Decimal


class AccountInfo(msgspec.Struct, frozen=True, gc=False):
    balances: list[AssetBalance]
    accountType: str | None = None
    canTrade: bool | None = None
    updateTime: int | None = None
    permissions: list[str] = []


# --- POST/GET/DELETE /api/v3/order, GET /api/v3/openOrders (SIGNED) ----------------------------------------


class OrderFill(msgspec.Struct, frozen=True, gc=False):
    """One fill of a new order (newOrderRespType=FULL)."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commissionAsset: str
    tradeId: int | None = None


class OrderResponse(msgspec.Struct, frozen=True, gc=False):
    """One order, as the new-order (FULL), query-order, cancel-order and open-orders answers give it.

    The cancel answer's `clientOrderId` is the id of the cancel request; the order's own is then in
    `origClientOrderId`. Query answers carry `time`, new-order answers `transactTime`.
    """

    symbol: str
    orderId: int
    clientOrderId: str
    price: Decimal
    origQty: Decimal
    executedQty: Decimal
    cummulativeQuoteQty: Decimal  # sic: the venue's spelling
    status: str  # NEW, PARTIALLY_FILLED, FILLED, CANCELED, PENDING_CANCEL, REJECTED, EXPIRED, ...
    type: str  # LIMIT, MARKET, LIMIT_MAKER, STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT
    side: str  # BUY, SELL
    timeInForce: str | None = None
    origClientOrderId: str | None = None
    orderListId: int | None = None
    transactTime: int | None = None
    time: int | None = None
    updateTime: int | None = None
    workingTime: int | None = None
    stopPrice: Decimal | None = None
    fills: list[OrderFill] = []
    selfTradePreventionMode: str | None = None
