"""HTX spot wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- markets: ticks are 10^-price-precision and 10^-amount-precision; limits from min/max-order-amt and
  min-order-value; active when the state is "online".
- ticker: a zero open/close/bid/ask/high/low means "none"; change = close - open; percentage =
  change / open truncated at 18 decimals, times 100; average = (open + close) / 2 truncated to the
  market's price decimals; vwap = vol / amount truncated at 18 decimals.
- trades: the fills of every aggregate, sorted by time oldest first; fills of the same millisecond keep
  the venue's order (newest first), as ccxt's stable sort leaves them; a limit keeps the last ones.
Deliberate difference: a ticker of /market/tickers carries the time of the answer (`ts` of the envelope,
as fetch_ticker does in ccxt too), where ccxt's fetchTickers leaves it empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Context, Decimal, localcontext
from functools import lru_cache
from typing import TypeVar

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
from . import schemas as wire
from .constants import CURRENCY_ALIASES, EXCHANGE_ID, LEGACY_ALIASES

# Arithmetic runs under this context (set once per call with localcontext, so operators stay cheap):
# 60 digits keep sums and products of venue numbers exact; ROUND_DOWN is ccxt's truncation.
_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_TWO = Decimal(2)
_ONE = Decimal(1)
_CCXT_DEFAULT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals unless told
_T = TypeVar("_T")
_SIDES = {"buy": Side.BUY, "sell": Side.SELL}
_VENUE_CODES = {code: venue for venue, code in CURRENCY_ALIASES.items() if venue not in LEGACY_ALIASES}


def currency_code(currency: str) -> str:
    """HTX currency (lower case: "btc") -> unified currency code."""
    code = currency.upper()
    return CURRENCY_ALIASES.get(code, code)


def currency_id(code: str) -> str:
    """Unified currency code -> HTX currency: THEMIS -> get, BTC -> btc."""
    return _VENUE_CODES.get(code, code).lower()


def symbol_id(symbol: str) -> str:
    """Unified spot symbol -> HTX symbol: BTC/USDT -> btcusdt."""
    base, _, quote = symbol.partition("/")
    return currency_id(base) + currency_id(quote)


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(info: wire.SymbolInfo) -> Market:
    base_id, quote_id = info.base_currency, info.quote_currency
    base, quote = currency_code(base_id), currency_code(quote_id)
    return Market(
        symbol=f"{base}/{quote}",
        id=base_id + quote_id,
        base=base,
        quote=quote,
        base_id=base_id,
        quote_id=quote_id,
        type=MarketType.SPOT,
        active=info.state == "online",
        precision=Precision(
            price=_ONE.scaleb(-info.price_precision), amount=_ONE.scaleb(-info.amount_precision)
        ),
        limits=Limits(
            amount=MinMax(info.min_order_amt, info.max_order_amt),
            cost=MinMax(info.min_order_value, None),
        ),
        info=info,
    )


def parse_markets(symbols: Iterable[wire.SymbolInfo]) -> list[Market]:
    """Every pair of /v1/common/symbols (spot only), in venue order."""
    return [parse_market(info) for info in symbols]


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a handful of distinct ticks across all markets
def _average_quantum(tick: Decimal | None) -> Decimal:
    """The unit of the last price decimal: tick 0.01 -> 0.01, tick 10 -> 1."""
    if tick is None:
        return _CCXT_DEFAULT_QUANTUM
    exponent = tick.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _ticker(
    market: Market,
    timestamp: int | None,
    quantum: Decimal,
    open_price: Decimal | None,
    close: Decimal | None,
    high: Decimal | None,
    low: Decimal | None,
    base_volume: Decimal | None,
    quote_volume: Decimal | None,
    bid: Decimal | None,
    bid_volume: Decimal | None,
    ask: Decimal | None,
    ask_volume: Decimal | None,
    info: object,
) -> Ticker:
    """Runs under the _EXACT context: the operators below are exact or truncate."""
    open_ = open_price or None  # zero means "no value"
    last = close or None
    vwap = change = percentage = average = None
    if quote_volume and base_volume:
        vwap = (quote_volume / base_volume).quantize(_CCXT_DEFAULT_QUANTUM)
    if open_ is not None and last is not None:
        change = last - open_
        percentage = (change / open_).quantize(_CCXT_DEFAULT_QUANTUM).scaleb(2)  # x 100, no trailing zeros
        average = ((open_ + last) / _TWO).quantize(quantum)
    # Positional: this runs once per symbol on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        timestamp,
        bid or None,
        bid_volume,
        ask or None,
        ask_volume,
        last,  # last
        open_,  # open
        high or None,
        low or None,
        last,  # close
        None,  # previous_close
        base_volume,
        quote_volume,
        change,
        percentage,
        vwap,
        average,
        info,
    )


def parse_ticker(raw: wire.Merged, market: Market) -> Ticker:
    """GET /market/detail/merged: the tick, stamped with the time of the answer."""
    tick = raw.tick
    bid, bid_volume = tick.bid if tick.bid is not None else (None, None)
    ask, ask_volume = tick.ask if tick.ask is not None else (None, None)
    with localcontext(_EXACT):
        return _ticker(
            market,
            raw.ts,
            _average_quantum(market.precision.price),
            tick.open,
            tick.close,
            tick.high,
            tick.low,
            tick.amount,
            tick.vol,
            bid,
            bid_volume,
            ask,
            ask_volume,
            tick,
        )


def parse_tickers(raw: wire.Tickers, index: MarketIndex) -> list[Ticker]:
    """The all-tickers hot path: tickers of symbols not in `index` (not asked for, delisted) are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    timestamp = raw.ts
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for item in raw.data:
            market = by_id.get(item.symbol)
            if market is not None:
                append(
                    _ticker(
                        market,
                        timestamp,
                        quantum_of(market.precision.price),
                        item.open,
                        item.close,
                        item.high,
                        item.low,
                        item.amount,
                        item.vol,
                        item.bid,
                        item.bidSize,
                        item.ask,
                        item.askSize,
                        item,
                    )
                )
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: wire.Depth, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`; the tick's version is the nonce."""
    tick = raw.tick
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=tick.ts if tick.ts is not None else raw.ts,
        bids=tuple(OrderBookLevel(price, amount) for price, amount in tick.bids[:limit]),
        asks=tuple(OrderBookLevel(price, amount) for price, amount in tick.asks[:limit]),
        nonce=tick.version,
    )


def _trade(raw: wire.TradeItem, market: Market) -> Trade:
    return Trade(
        id=str(raw.trade_id),
        timestamp=raw.ts,
        symbol=market.symbol,
        side=_SIDES.get(raw.direction),
        price=raw.price,
        amount=raw.amount,
        cost=raw.price * raw.amount,  # exact under _EXACT
        info=raw,
    )


def parse_trade(raw: wire.TradeItem, market: Market) -> Trade:
    with localcontext(_EXACT):
        return _trade(raw, market)


def parse_trades(raw: wire.HistoryTrades, market: Market, limit: int | None = None) -> list[Trade]:
    """The fills of every aggregate, oldest first (a stable sort of the venue's order), the last `limit`."""
    with localcontext(_EXACT):
        trades = sorted((_trade(item, market) for group in raw.data for item in group.data), key=_trade_time)
    return trades if limit is None else _last(trades, limit)


def _trade_time(trade: Trade) -> int:
    return trade.timestamp or 0


def _last(items: list[_T], limit: int) -> list[_T]:
    return items[-limit:] if limit > 0 else []


def parse_ohlcv(raw: wire.Klines, since: int | None = None, limit: int | None = None) -> list[Candle]:
    """Oldest first; volume is the base currency amount. With `since`: the first `limit` candles from it
    on; without: the last `limit`."""
    candles = sorted(
        (Candle(k.id * 1000, k.open, k.high, k.low, k.close, k.amount) for k in raw.data),
        key=lambda candle: candle.timestamp,
    )
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[: max(limit, 0)]
    return candles if limit is None else _last(candles, limit)
