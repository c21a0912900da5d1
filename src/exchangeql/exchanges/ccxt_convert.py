"""ccxt's unified structures and exceptions -> our domain models and errors (PURE: no ccxt import, no I/O).

The bridge makes the ccxt instance produce every number as a string (`exchange.number = str`) and
decodes venue JSON with floats kept as their text, so the Structs below build `Decimal`s straight from
the digits the venue sent: no float ever holds a price. The Structs mirror ccxt's unified keys
(https://docs.ccxt.com/#/README?id=unified-api), field names included; keys we do not model are ignored.
Conversion runs with `strict=False`: ccxt is loosely typed (an id may come as an int, a flag as a string).
ccxt's exceptions map into our hierarchy in one table, CCXT_ERRORS, with messages scrubbed of credentials.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

import msgspec

from ..errors import (
    AuthenticationFailed,
    BadRequest,
    BadSymbol,
    ExchangeUnavailable,
    GatewayError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    PermissionDenied,
    RateLimited,
    Timeout,
    UpstreamDecodeError,
)
from ..models import (
    Balance,
    Candle,
    Fee,
    Limits,
    Market,
    MarketType,
    MinMax,
    Order,
    OrderBook,
    OrderBookLevel,
    OrderRequest,
    OrderStatus,
    OrderType,
    Precision,
    Side,
    Ticker,
    Trade,
)
from ..transport.errors import ErrorClass

log = logging.getLogger(__name__)

# ccxt's precision modes (ccxt.base.decimal_to_precision), repeated so that converting needs no ccxt import.
DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4


class CcxtMinMax(msgspec.Struct, frozen=True, gc=False):
    min: Decimal | None = None
    max: Decimal | None = None


class CcxtLimits(msgspec.Struct, frozen=True, gc=False):
    amount: CcxtMinMax | None = None
    price: CcxtMinMax | None = None
    cost: CcxtMinMax | None = None


class CcxtPrecision(msgspec.Struct, frozen=True, gc=False):
    # A tick size, a number of decimal places or of significant digits, per the exchange's precisionMode.
    price: Decimal | None = None
    amount: Decimal | None = None


class CcxtMarket(msgspec.Struct, frozen=True):
    id: str
    symbol: str
    base: str
    quote: str
    type: str
    baseId: str | None = None
    quoteId: str | None = None
    settle: str | None = None
    settleId: str | None = None
    active: bool | None = None
    precision: CcxtPrecision | None = None  # null in ccxt when a venue declares none
    limits: CcxtLimits | None = None
    contractSize: Decimal | None = None
    linear: bool | None = None
    expiry: int | None = None
    info: Any = None


class CcxtTicker(msgspec.Struct, frozen=True):
    symbol: str
    timestamp: int | None = None
    bid: Decimal | None = None
    bidVolume: Decimal | None = None
    ask: Decimal | None = None
    askVolume: Decimal | None = None
    last: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None
    previousClose: Decimal | None = None
    baseVolume: Decimal | None = None
    quoteVolume: Decimal | None = None
    change: Decimal | None = None
    percentage: Decimal | None = None
    vwap: Decimal | None = None
    average: Decimal | None = None
    info: Any = None


class CcxtOrderBook(msgspec.Struct, frozen=True, gc=False):
    # A level is [price, amount] or [price, amount, count-or-order-id]: only the first two are ours.
    bids: list[list[Any]]
    asks: list[list[Any]]
    symbol: str | None = None
    timestamp: int | None = None
    nonce: int | None = None


class CcxtTrade(msgspec.Struct, frozen=True):
    symbol: str
    price: Decimal
    amount: Decimal
    id: str | None = None
    timestamp: int | None = None
    side: str | None = None
    cost: Decimal | None = None
    takerOrMaker: str | None = None
    order: str | None = None
    info: Any = None


# [timestamp, open, high, low, close, volume]
CcxtCandle = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]


class CcxtBalance(msgspec.Struct, frozen=True, gc=False):
    free: Decimal | None = None
    used: Decimal | None = None
    total: Decimal | None = None


class CcxtFee(msgspec.Struct, frozen=True, gc=False):
    cost: Decimal | None = None
    currency: str | None = None


class CcxtOrder(msgspec.Struct, frozen=True):
    id: str | None = None
    clientOrderId: str | None = None
    symbol: str | None = None
    type: str | None = None
    side: str | None = None
    price: Decimal | None = None
    average: Decimal | None = None
    amount: Decimal | None = None
    filled: Decimal | None = None
    remaining: Decimal | None = None
    cost: Decimal | None = None
    status: str | None = None
    timestamp: int | None = None
    fee: CcxtFee | None = None
    info: Any = None


_MARKET_TYPES = {t.value: t for t in MarketType}
_SIDES = {s.value: s for s in Side}
_ORDER_TYPES = {t.value: t for t in OrderType}
_ORDER_STATUSES = {s.value: s for s in OrderStatus}
# keys of ccxt's balance structure that are not currency codes
_BALANCE_META = frozenset({"info", "timestamp", "datetime", "free", "used", "total", "debt"})


def _convert(value: Any, into: Any, exchange_id: str, what: str) -> Any:
    try:
        return msgspec.convert(value, into, strict=False)
    except msgspec.ValidationError as exc:
        raise UpstreamDecodeError(f"unexpected {what} from the venue: {exc}", exchange=exchange_id) from None


def tick_size(value: Decimal | None, precision_mode: int) -> Decimal | None:
    """A ccxt precision value as a tick size (what `Precision` holds)."""
    if value is None:
        return None
    if precision_mode == TICK_SIZE:
        return value
    if precision_mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(value))  # 2 places -> 0.01
    # SIGNIFICANT_DIGITS: the step depends on the magnitude of each price, so no single tick exists.
    return None


_NO_PRECISION = CcxtPrecision()
_NO_LIMITS = CcxtLimits()


def _minmax(raw: CcxtMinMax | None) -> MinMax:
    return MinMax() if raw is None else MinMax(raw.min, raw.max)


def markets(raw: Iterable[Any], exchange_id: str, precision_mode: int) -> list[Market]:
    """ccxt's `exchange.markets.values()` as Markets; types we do not model (ccxt's 'margin') are left out."""
    parsed: list[CcxtMarket] = _convert(list(raw), list[CcxtMarket], exchange_id, "markets")
    result = []
    for m in parsed:
        market_type = _MARKET_TYPES.get(m.type)
        if market_type is None:
            log.debug("%s: market %s of type %r left out", exchange_id, m.symbol, m.type)
            continue
        precision = m.precision or _NO_PRECISION
        limits = m.limits or _NO_LIMITS
        result.append(
            Market(
                symbol=m.symbol,
                id=m.id,
                base=m.base,
                quote=m.quote,
                base_id=m.baseId if m.baseId is not None else m.base,
                quote_id=m.quoteId if m.quoteId is not None else m.quote,
                type=market_type,
                # ccxt says None when the venue does not tell: it lists the market, so it is tradable.
                active=m.active is not False,
                precision=Precision(
                    price=tick_size(precision.price, precision_mode),
                    amount=tick_size(precision.amount, precision_mode),
                ),
                limits=Limits(_minmax(limits.amount), _minmax(limits.price), _minmax(limits.cost)),
                settle=m.settle or None,  # some venues' spot markets say settle ""
                settle_id=m.settleId or None,
                contract_size=m.contractSize,
                linear=m.linear,
                expiry=m.expiry,
                info=m.info,
            )
        )
    return result


def _ticker(t: CcxtTicker, exchange_id: str) -> Ticker:
    return Ticker(
        exchange_id=exchange_id,
        symbol=t.symbol,
        timestamp=t.timestamp,
        bid=t.bid,
        bid_volume=t.bidVolume,
        ask=t.ask,
        ask_volume=t.askVolume,
        last=t.last,
        open=t.open,
        high=t.high,
        low=t.low,
        close=t.close,
        previous_close=t.previousClose,
        base_volume=t.baseVolume,
        quote_volume=t.quoteVolume,
        change=t.change,
        percentage=t.percentage,
        vwap=t.vwap,
        average=t.average,
        info=t.info,
    )


def ticker(raw: Any, exchange_id: str) -> Ticker:
    return _ticker(_convert(raw, CcxtTicker, exchange_id, "ticker"), exchange_id)


def tickers(raw: Mapping[str, Any], exchange_id: str) -> list[Ticker]:
    """ccxt's {symbol: ticker} as a list, in ccxt's order."""
    parsed: list[CcxtTicker] = _convert(list(raw.values()), list[CcxtTicker], exchange_id, "tickers")
    return [_ticker(t, exchange_id) for t in parsed]


def _levels(
    raw: list[list[Any]], exchange_id: str, best_first_descending: bool
) -> tuple[OrderBookLevel, ...]:
    pairs: list[tuple[Decimal, Decimal]] = _convert(
        [level[:2] for level in raw], list[tuple[Decimal, Decimal]], exchange_id, "order book level"
    )
    # Sorted here by value: a venue's own level parser may hand ccxt strings, which ccxt sorts as text.
    pairs.sort(key=lambda pair: pair[0], reverse=best_first_descending)
    return tuple(OrderBookLevel(price, amount) for price, amount in pairs)


def order_book(raw: Any, exchange_id: str, symbol: str) -> OrderBook:
    book: CcxtOrderBook = _convert(raw, CcxtOrderBook, exchange_id, "order book")
    return OrderBook(
        exchange_id=exchange_id,
        symbol=book.symbol or symbol,
        timestamp=book.timestamp,
        bids=_levels(book.bids, exchange_id, best_first_descending=True),
        asks=_levels(book.asks, exchange_id, best_first_descending=False),
        nonce=book.nonce,
    )


def trades(raw: Any, exchange_id: str) -> list[Trade]:
    parsed: list[CcxtTrade] = _convert(raw, list[CcxtTrade], exchange_id, "trades")
    return [
        Trade(
            id=t.id,
            timestamp=t.timestamp,
            symbol=t.symbol,
            side=_SIDES.get(t.side) if t.side is not None else None,
            price=t.price,
            amount=t.amount,
            cost=t.cost,
            taker_or_maker=t.takerOrMaker,
            order=t.order,
            info=t.info,
        )
        for t in parsed
    ]


def candles(raw: Any, exchange_id: str) -> list[Candle]:
    parsed: list[CcxtCandle] = _convert(raw, list[CcxtCandle], exchange_id, "candles")
    return [Candle(ts, o, h, low, c, v) for ts, o, h, low, c, v in parsed]


def balances(raw: Mapping[str, Any], exchange_id: str) -> list[Balance]:
    """ccxt's balance structure ({code: {free, used, total}, ...}) as one Balance per currency."""
    per_code = {code: value for code, value in raw.items() if code not in _BALANCE_META}
    parsed: dict[str, CcxtBalance] = _convert(per_code, dict[str, CcxtBalance], exchange_id, "balance")
    result = []
    for code, b in parsed.items():
        free, used, total = b.free, b.used, b.total
        # ccxt fills a missing one of the three when it can; finish the job where two are known.
        if total is None and free is not None and used is not None:
            total = free + used
        if free is None and total is not None and used is not None:
            free = total - used
        if used is None and total is not None and free is not None:
            used = total - free
        if free is None or used is None or total is None:
            raise UpstreamDecodeError(f"balance of {code} is incomplete", exchange=exchange_id)
        result.append(Balance(code, free, used, total))
    return result


def order(raw: Any, exchange_id: str, request: OrderRequest | None = None) -> Order:
    """ccxt's order as an Order. After create_order many venues echo only the id: the request fills in
    what the venue left out (symbol, type, side, amount, price); the trading layer reconciles the rest."""
    o: CcxtOrder = _convert(raw, CcxtOrder, exchange_id, "order")
    if o.id is None:
        raise UpstreamDecodeError("order without an id", exchange=exchange_id)
    symbol = o.symbol or (request.market.symbol if request else None)
    order_type = _ORDER_TYPES.get(o.type) if o.type is not None else (request.type if request else None)
    side = _SIDES.get(o.side) if o.side is not None else (request.side if request else None)
    amount = o.amount if o.amount is not None else (request.amount if request else None)
    if symbol is None or order_type is None or side is None or amount is None:
        raise UpstreamDecodeError(
            f"order {o.id} cannot be represented (type {o.type!r}, side {o.side!r})", exchange=exchange_id
        )
    filled = o.filled if o.filled is not None else Decimal(0)
    remaining = o.remaining if o.remaining is not None else amount - filled
    cost = o.cost if o.cost is not None else (filled * o.average if o.average is not None else Decimal(0))
    # No status yet means the venue accepted the order and has not reported on it: it is open.
    status = OrderStatus.OPEN if o.status is None else _ORDER_STATUSES.get(o.status)
    if status is None:
        raise UpstreamDecodeError(
            f"order {o.id} has a status we do not know: {o.status!r}", exchange=exchange_id
        )
    fee = None
    if o.fee is not None and o.fee.cost is not None and o.fee.currency is not None:
        fee = Fee(o.fee.cost, o.fee.currency)
    client_order_id = o.clientOrderId
    if client_order_id is None and request is not None:
        client_order_id = request.client_order_id
    return Order(
        id=o.id,
        client_order_id=client_order_id,
        exchange_id=exchange_id,
        symbol=symbol,
        type=order_type,
        side=side,
        price=o.price if o.price is not None else (request.price if request else None),
        amount=amount,
        filled=filled,
        remaining=remaining,
        cost=cost,
        status=status,
        timestamp=o.timestamp,
        fee=fee,
        info=o.info,
    )


def orders(raw: Iterable[Any], exchange_id: str) -> list[Order]:
    """Orders we can represent; an order of a type we do not model (stop, OCO) is left out, logged."""
    result = []
    for item in raw:
        try:
            result.append(order(item, exchange_id))
        except UpstreamDecodeError as exc:
            log.warning("%s: order left out: %s", exchange_id, exc.message)
    return result


# --- errors ---------------------------------------------------------------------------------------------

# ccxt exception class name -> our error. The most specific class of the raised exception's MRO that is
# listed here wins, so PermissionDenied beats its parent AuthenticationError. Names, not classes: the
# table must exist without importing ccxt.
CCXT_ERRORS: Mapping[str, ErrorClass] = {
    "BadSymbol": BadSymbol,
    "RateLimitExceeded": RateLimited,
    "DDoSProtection": RateLimited,
    "RequestTimeout": Timeout,
    "ExchangeNotAvailable": ExchangeUnavailable,  # OnMaintenance too
    "NetworkError": ExchangeUnavailable,
    "BadResponse": UpstreamDecodeError,  # NullResponse too: an answer ccxt could not make sense of
    "AuthenticationError": AuthenticationFailed,  # AccountSuspended too
    "PermissionDenied": PermissionDenied,  # AccountNotEnabled too
    "InsufficientFunds": InsufficientFunds,
    "InvalidOrder": InvalidOrder,  # DuplicateOrderId, OrderImmediatelyFillable, ...
    "OrderNotFound": OrderNotFound,
    "NotSupported": NotSupported,
    "BadRequest": BadRequest,
    "ArgumentsRequired": BadRequest,
    "InvalidAddress": BadRequest,
    "OperationRejected": BadRequest,  # the venue refused this request (market closed, ...): do not retry
    "ExchangeError": ExchangeUnavailable,  # a venue error ccxt has no better class for
    "OperationFailed": ExchangeUnavailable,
    "BaseError": ExchangeUnavailable,
}

_MAX_MESSAGE = 200
_QUERY = re.compile(r"(https?://[^\s?#\"'<>]+)\?[^\s\"'<>]*")
_SECRET_FIELD = re.compile(
    r"(?i)\b(api[-_]?key|key|secret|signature|sign|passphrase|password|token|nonce)(\"?\s*[:=]\s*\"?)[^\s\"&,;}]+"
)
_KEY_LIKE = re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}")  # API keys, signatures, tokens: long opaque runs


def scrub(message: str, exchange_id: str, secrets: Collection[str] = ()) -> str:
    """A ccxt message fit for our errors: no query string, nothing that looks like a key, clipped."""
    for secret in secrets:
        message = message.replace(secret, "[redacted]")
    message = _QUERY.sub(r"\1", message)
    message = _SECRET_FIELD.sub(r"\1\2[redacted]", message)
    message = _KEY_LIKE.sub("[redacted]", message)
    message = " ".join(message.split()).removeprefix(exchange_id + " ")  # our errors name the exchange
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def error_class(exc: BaseException) -> ErrorClass:
    """Our class for a ccxt exception (by its class names, most specific first)."""
    for cls in type(exc).__mro__:
        mapped = CCXT_ERRORS.get(cls.__name__)
        if mapped is not None:
            return mapped
    return ExchangeUnavailable


def gateway_error(
    exc: BaseException,
    exchange_id: str,
    *,
    cls: ErrorClass | None = None,
    secrets: Collection[str] = (),
    retry_after: float | None = None,
) -> GatewayError:
    """A ccxt exception as our error; `cls` overrides the table (see CcxtErrorTable)."""
    cls = cls or error_class(exc)
    message = scrub(str(exc), exchange_id, secrets) or type(exc).__name__
    if issubclass(cls, RateLimited):
        return cls(message, exchange=exchange_id, retry_after=retry_after)
    return cls(message, exchange=exchange_id)
