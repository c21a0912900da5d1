"""Binance spot wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- ticker: a zero open/last/bid/ask/high/low/percentage means "none"; a missing open is last - change;
  `average` is (open + last) / 2 truncated to the market's price decimals (what ccxt's safe_ticker does
  when it knows the market); a zero `percentage` is recomputed as change / open * 100, truncated at 18
  decimals.
- trade: "m" (buyer is the maker) means the taker sold; cost = price * amount, exact.
Deliberate differences: PRICE_FILTER bounds of 0 mean "rule disabled" at Binance and become None here,
where ccxt reports 0; `active` is status == "TRADING" alone (ccxt also reads a legacy TRD_GRP_003 entry
in `permissions`, a list Binance now sends empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Context, Decimal, localcontext
from functools import lru_cache

from ...models import (
    Balance,
    Candle,
    Fee,
    Limits,
    Market,
    MarketIndex,
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
from .constants import CURRENCY_ALIASES, EXCHANGE_ID
from .schemas import AccountInfo, AggTrade, Depth, ExchangeInfo, Kline, OrderResponse, SymbolInfo, Ticker24hr

# Arithmetic runs under this context (set once per call with localcontext, so operators stay cheap):
# 60 digits keep sums and products of venue numbers exact; ROUND_DOWN is ccxt's truncation.
_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_TWO = Decimal(2)
_HUNDRED = Decimal(100)
_CCXT_DEFAULT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals unless told


def currency_code(asset: str) -> str:
    """Binance asset -> unified currency code."""
    code = asset.upper()
    return CURRENCY_ALIASES.get(code, code)


# --- markets ----------------------------------------------------------------------------------------------


def _positive(value: Decimal | None) -> Decimal | None:
    return value if value else None


def parse_market(info: SymbolInfo) -> Market:
    base, quote = currency_code(info.baseAsset), currency_code(info.quoteAsset)
    price_filter = lot_size = notional = None
    for entry in info.filters:
        kind = entry.filterType
        if kind == "PRICE_FILTER":
            price_filter = entry
        elif kind == "LOT_SIZE":
            lot_size = entry
        elif kind == "MIN_NOTIONAL" or (kind == "NOTIONAL" and notional is None):
            notional = entry  # MIN_NOTIONAL wins when a symbol carries both
    # Binance: any PRICE_FILTER value may be 0, which disables that rule.
    tick = _positive(price_filter.tickSize) if price_filter else None
    return Market(
        symbol=f"{base}/{quote}",
        id=info.symbol,
        base=base,
        quote=quote,
        base_id=info.baseAsset,
        quote_id=info.quoteAsset,
        type=MarketType.SPOT,
        active=info.status == "TRADING",
        precision=Precision(price=tick, amount=lot_size.stepSize if lot_size else None),
        limits=Limits(
            amount=MinMax(lot_size.minQty, lot_size.maxQty) if lot_size else MinMax(),
            price=(
                MinMax(_positive(price_filter.minPrice), _positive(price_filter.maxPrice))
                if price_filter
                else MinMax()
            ),
            cost=MinMax(notional.minNotional, notional.maxNotional) if notional else MinMax(),
        ),
        info=info,
    )


def parse_markets(exchange_info: ExchangeInfo) -> list[Market]:
    """Every symbol of /api/v3/exchangeInfo (the spot API lists spot markets only)."""
    return [parse_market(info) for info in exchange_info.symbols]


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a handful of distinct ticks across all markets
def _average_quantum(tick: Decimal | None) -> Decimal:
    """The unit of the last price decimal: tick 0.01000000 -> 0.01, tick 10 -> 1."""
    if tick is None:
        return _CCXT_DEFAULT_QUANTUM
    exponent = tick.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _ticker(raw: Ticker24hr, market: Market, quantum: Decimal) -> Ticker:
    """Runs under the _EXACT context (see parse_ticker): the operators below are exact or truncate."""
    # Binance reports a symbol without trades in the window with zeros: zero means "no value".
    open_ = raw.openPrice or None
    last = raw.lastPrice or None
    change = raw.priceChange
    percentage = raw.priceChangePercent or None
    average = None
    if open_ is None and last is not None:
        open_ = (last - change) or None
    if open_ is not None:
        if last is None:
            last = (open_ + change) or None
        if percentage is None:
            percentage = (change / open_).quantize(_CCXT_DEFAULT_QUANTUM) * _HUNDRED
        if last is not None:
            average = ((open_ + last) / _TWO).quantize(quantum)
    # Positional: this runs once per symbol on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        raw.closeTime,  # timestamp
        raw.bidPrice or None,  # bid
        raw.bidQty,  # bid_volume
        raw.askPrice or None,  # ask
        raw.askQty,  # ask_volume
        last,  # last
        open_,  # open
        raw.highPrice or None,  # high
        raw.lowPrice or None,  # low
        last,  # close
        raw.prevClosePrice,  # previous_close
        raw.volume,  # base_volume
        raw.quoteVolume,  # quote_volume
        change,  # change
        percentage,  # percentage
        raw.weightedAvgPrice,  # vwap
        average,  # average
        raw,  # info
    )


def parse_ticker(raw: Ticker24hr, market: Market) -> Ticker:
    with localcontext(_EXACT):
        return _ticker(raw, market, _average_quantum(market.precision.price))


def parse_tickers(payload: Iterable[Ticker24hr], index: MarketIndex) -> list[Ticker]:
    """The all-symbols hot path: tickers of ids not in `index` (delisted, other market types) are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for raw in payload:
            market = by_id.get(raw.symbol)
            if market is not None:
                append(_ticker(raw, market, quantum_of(market.precision.price)))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: Depth, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (Binance sorts bids down and asks up), cut to `limit`. Spot depth has no timestamp."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=None,
        bids=tuple(OrderBookLevel(price, amount) for price, amount in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(price, amount) for price, amount in raw.asks[:limit]),
        nonce=raw.lastUpdateId,
    )


def _trade(raw: AggTrade, market: Market) -> Trade:
    return Trade(
        id=str(raw.agg_id),
        timestamp=raw.time,
        symbol=market.symbol,
        # The taker is the aggressor: when the buyer was the maker, the trade was a sell.
        side=Side.SELL if raw.buyer_is_maker else Side.BUY,
        price=raw.price,
        amount=raw.quantity,
        cost=raw.price * raw.quantity,  # exact under _EXACT
        info=raw,
    )


def parse_trade(raw: AggTrade, market: Market) -> Trade:
    with localcontext(_EXACT):
        return _trade(raw, market)


def parse_trades(payload: Iterable[AggTrade], market: Market) -> list[Trade]:
    """Aggregate trades in venue order (oldest first)."""
    with localcontext(_EXACT):
        return [_trade(raw, market) for raw in payload]


def parse_ohlcv(payload: Iterable[Kline]) -> list[Candle]:
    """Candles in venue order (oldest first); volume is the base asset volume."""
    return [Candle(k.openTime, k.open, k.high, k.low, k.close, k.volume) for k in payload]


# --- account and orders (signed endpoints) ---------------------------------------------------------------


def parse_balances(account: AccountInfo) -> list[Balance]:
    """Every asset of /api/v3/account; `locked` (held by open orders) is `used`."""
    with localcontext(_EXACT):
        return [
            Balance(currency_code(b.asset), b.free, b.locked, b.free + b.locked) for b in account.balances
        ]


ORDER_STATUS = {
    "NEW": OrderStatus.OPEN,
    "PENDING_NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.OPEN,
    "PENDING_CANCEL": OrderStatus.OPEN,  # still working until the venue confirms
    "FILLED": OrderStatus.CLOSED,
    "CANCELED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,  # self-trade prevention
}

# Binance order types -> ours: anything with a limit price is a limit order.
ORDER_TYPE = {
    "LIMIT": OrderType.LIMIT,
    "LIMIT_MAKER": OrderType.LIMIT,
    "STOP_LOSS_LIMIT": OrderType.LIMIT,
    "TAKE_PROFIT_LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP_LOSS": OrderType.MARKET,
    "TAKE_PROFIT": OrderType.MARKET,
}


def _fee(raw: OrderResponse) -> Fee | None:
    """The fills' commissions, when they are in one asset (Binance may charge BNB instead)."""
    assets = {fill.commissionAsset for fill in raw.fills}
    if len(assets) != 1:
        return None
    return Fee(sum((fill.commission for fill in raw.fills), Decimal(0)), currency_code(assets.pop()))


def parse_order(raw: OrderResponse, market: Market) -> Order:
    """One order. A market order's price is the average fill price (cost / filled), as ccxt reports it;
    a limit order keeps its limit price. The order's own client id wins over a cancel request's."""
    with localcontext(_EXACT):
        filled = raw.executedQty
        cost = raw.cummulativeQuoteQty
        price: Decimal | None = raw.price or None
        if price is None and filled:
            price = cost / filled
        return Order(
            id=str(raw.orderId),
            client_order_id=raw.origClientOrderId or raw.clientOrderId,
            exchange_id=EXCHANGE_ID,
            symbol=market.symbol,
            type=ORDER_TYPE.get(raw.type, OrderType.LIMIT),
            side=Side.BUY if raw.side == "BUY" else Side.SELL,
            price=price,
            amount=raw.origQty,
            filled=filled,
            remaining=raw.origQty - filled,
            cost=cost,
            status=ORDER_STATUS.get(raw.status, OrderStatus.OPEN),
            timestamp=raw.time or raw.transactTime or raw.workingTime,
            fee=_fee(raw),
            info=raw,
        )


def parse_orders(payload: Iterable[OrderResponse], index: MarketIndex) -> list[Order]:
    """Orders of any symbol; those of symbols not in `index` (other market types) are skipped."""
    return [parse_order(raw, index.by_id[raw.symbol]) for raw in payload if raw.symbol in index.by_id]
