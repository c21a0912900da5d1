"""Coinbase Exchange wire Structs -> domain models. Pure: no clock, no I/O, no state.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- market: base and quote ids come from the product id (BTCAUCTION-USD and BTC-USD both list
  base_currency BTC); the price tick is quote_increment, the size step base_increment, the minimum cost
  min_market_funds; active is status == "online".
- ticker: the /ticker endpoint has bid, ask, last and 24 h base volume only; open, high, low, change and
  the derived average stay None. Zero prices mean "none".
- trade: `side` is the maker's side, so the taker's (the trade's) side is the opposite one.
  cost = price * size, exact. Trades and candles come back oldest first, as ccxt sorts them.
- candle: the venue sends [time, low, high, open, close, volume], time in seconds.
- balance: `available` is free, `hold` used, `balance` the total.
- order: `size` is the amount (`filled_size` for a market order sized by funds), `executed_value` the
  cost, `fill_fees` the fee (in the quote currency). A market order's price is its average fill price
  (cost / filled). Status: pending, received, open and active are open; done is closed, or canceled when
  its done_reason says so. Stop orders are not modelled and are left out of lists.
Deliberate difference: the order book's `time` (sent by the venue) becomes the book's timestamp, where
ccxt reports none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Context, Decimal, localcontext

from ...errors import UpstreamDecodeError
from ...models import (
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
    OrderStatus,
    OrderType,
    Precision,
    Side,
    Ticker,
    Trade,
)
from . import schemas as wire
from .constants import CURRENCY_ALIASES, EXCHANGE_ID

# Products are quoted with at most a few dozen digits: 60 keeps every product of two of them exact.
_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def currency_code(currency_id: str) -> str:
    """Coinbase currency id -> unified currency code."""
    code = currency_id.upper()
    return CURRENCY_ALIASES.get(code, code)


def product_id(base_id: str, quote_id: str) -> str:
    """Venue ids -> the product id the paths take (BTC, USD -> BTC-USD)."""
    return f"{base_id}-{quote_id}"


def timestamp_ms(time: datetime) -> int:
    """An aware datetime as epoch milliseconds, microseconds truncated (ccxt's parse8601)."""
    return (time - _EPOCH) // _MILLISECOND


def iso_time(timestamp: int) -> str:
    """Epoch milliseconds as the ISO 8601 time the candles window takes: 2024-03-13T11:00:00.000Z."""
    moment = _EPOCH + timestamp * _MILLISECOND
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{timestamp % 1000:03d}Z"


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(product: wire.Product) -> Market:
    base_id, _, quote_id = product.id.partition("-")
    base, quote = currency_code(base_id), currency_code(quote_id)
    return Market(
        symbol=f"{base}/{quote}",
        id=product.id,
        base=base,
        quote=quote,
        base_id=base_id,
        quote_id=quote_id,
        type=MarketType.SPOT,
        active=product.status == "online",
        precision=Precision(price=product.quote_increment, amount=product.base_increment),
        limits=Limits(cost=MinMax(min=product.min_market_funds)),
        info=product,
    )


def parse_markets(products: Sequence[wire.Product]) -> list[Market]:
    """Every product of /products (the Exchange lists spot pairs only)."""
    return [parse_market(product) for product in products]


# --- tickers ----------------------------------------------------------------------------------------------


def parse_ticker(raw: wire.ProductTicker, market: Market) -> Ticker:
    last = raw.price or None
    return Ticker(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=timestamp_ms(raw.time) if raw.time is not None else None,
        bid=raw.bid or None,
        ask=raw.ask or None,
        last=last,
        close=last,
        base_volume=raw.volume,
        info=raw,
    )


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: wire.ProductBook, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`; the sequence is the nonce."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=timestamp_ms(raw.time) if raw.time is not None else None,
        bids=tuple(OrderBookLevel(level.price, level.size) for level in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(level.price, level.size) for level in raw.asks[:limit]),
        nonce=raw.sequence,
    )


def _trade(raw: wire.ProductTrade, market: Market) -> Trade:
    return Trade(
        id=str(raw.trade_id),
        timestamp=timestamp_ms(raw.time),
        symbol=market.symbol,
        side=Side.SELL if raw.side == "buy" else Side.BUY,  # raw.side is the maker's
        price=raw.price,
        amount=raw.size,
        cost=raw.price * raw.size,  # exact under _EXACT
        info=raw,
    )


def parse_trade(raw: wire.ProductTrade, market: Market) -> Trade:
    with localcontext(_EXACT):
        return _trade(raw, market)


def parse_trades(payload: Sequence[wire.ProductTrade], market: Market) -> list[Trade]:
    """Trades oldest first (the venue sends newest first); equal times keep the venue's id order."""
    with localcontext(_EXACT):
        trades = [_trade(raw, market) for raw in reversed(payload)]
    trades.sort(key=_trade_time)
    return trades


def _trade_time(trade: Trade) -> int:
    assert trade.timestamp is not None  # every Coinbase trade has a time
    return trade.timestamp


def parse_ohlcv(
    payload: Sequence[wire.Candle], since: int | None = None, limit: int | None = None
) -> list[Candle]:
    """Candles oldest first. The venue takes no limit: from `since` the first `limit` are kept, without
    `since` the latest `limit` (ccxt's rule)."""
    candles = sorted(
        (Candle(c.time * 1000, c.open, c.high, c.low, c.close, c.volume) for c in payload),
        key=_candle_time,
    )
    return window(candles, since, limit)


def _candle_time(candle: Candle) -> int:
    return candle.timestamp


def window(candles: list[Candle], since: int | None, limit: int | None) -> list[Candle]:
    """Candles at or after `since`, the first `limit` of them; without `since`, the last `limit`."""
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[:limit]
    return candles if limit is None else candles[max(len(candles) - limit, 0) :]


# --- account and orders (signed endpoints) ----------------------------------------------------------------


def parse_balances(accounts: Sequence[wire.Account]) -> list[Balance]:
    """Every account of /accounts: `available` is free, `hold` used, `balance` the total."""
    return [Balance(currency_code(a.currency), a.available, a.hold, a.balance) for a in accounts]


ORDER_STATUS = {
    "pending": OrderStatus.OPEN,  # accepted, not yet on the book
    "received": OrderStatus.OPEN,
    "open": OrderStatus.OPEN,
    "active": OrderStatus.OPEN,  # a triggered stop order
    "canceling": OrderStatus.OPEN,  # still working until the venue confirms
    "done": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED,
}

ORDER_TYPE = {"limit": OrderType.LIMIT, "market": OrderType.MARKET}  # "stop" orders are not modelled
_AVERAGE_QUANTUM = Decimal("1e-18")  # ccxt truncates a derived average at 18 decimals


def _truncated(value: Decimal) -> Decimal:
    """`value` cut at 18 decimals (ROUND_DOWN, the context's) when it has more; exact otherwise."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return value.quantize(_AVERAGE_QUANTUM) if exponent < -18 else value


def parse_order(raw: wire.Order, market: Market) -> Order | None:
    """One order; None for order types we do not model and for a pending market order sized by funds
    (its amount in the base currency is not known yet)."""
    order_type = ORDER_TYPE.get(raw.type)
    amount = raw.size if raw.size is not None else raw.filled_size
    if order_type is None or amount is None:
        return None
    status = ORDER_STATUS.get(raw.status)
    if status is None:
        raise UpstreamDecodeError(
            f"order {raw.id} has an unknown status {raw.status!r}", exchange=EXCHANGE_ID
        )
    if status is OrderStatus.CLOSED and raw.done_reason == "canceled":
        status = OrderStatus.CANCELED
    with localcontext(_EXACT):
        filled = raw.filled_size if raw.filled_size is not None else Decimal(0)
        price = raw.price or None
        cost = raw.executed_value
        if cost is None:
            cost = filled * price if price is not None else Decimal(0)
        if price is None and order_type is OrderType.MARKET and filled:
            price = _truncated(cost / filled)  # the average fill price
        return Order(
            id=raw.id,
            client_order_id=raw.client_oid or None,
            exchange_id=EXCHANGE_ID,
            symbol=market.symbol,
            type=order_type,
            side=Side.SELL if raw.side == "sell" else Side.BUY,
            price=price,
            amount=amount,
            filled=filled,
            remaining=amount - filled,
            cost=cost,
            status=status,
            timestamp=timestamp_ms(raw.created_at),
            fee=None if raw.fill_fees is None else Fee(raw.fill_fees, market.quote),
            info=raw,
        )


def parse_orders(
    payload: Sequence[wire.Order], by_id: Mapping[str, Market], only: Market | None = None
) -> list[Order]:
    """Orders of known products (of `only`, when given) and modelled types, in the venue's order."""
    parsed: list[Order] = []
    for raw in payload:
        market = by_id.get(raw.product_id)
        if market is None or (only is not None and market.symbol != only.symbol):
            continue
        order = parse_order(raw, market)
        if order is not None:
            parsed.append(order)
    return parsed
