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
    Candle,
    Limits,
    Market,
    MarketIndex,
    MarketType,
    MinMax,
    OrderBook,
    OrderBookLevel,
    Precision,
    Side,
    Ticker,
    Trade,
)
from .constants import CURRENCY_ALIASES, EXCHANGE_ID
from .schemas import AggTrade, Depth, ExchangeInfo, Kline, SymbolInfo, Ticker24hr

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
