"""KuCoin spot wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- market: base and quote ids come from the symbol (BTC-USDT); price tick priceIncrement, amount step
  baseIncrement; amount limits baseMinSize..baseMaxSize, cost limits quoteMinSize..quoteMaxSize;
  active is enableTrading.
- ticker: bid is "buy", ask is "sell"; percentage = changeRate * 100 (recomputed as change / open * 100,
  truncated at 18 decimals, when the venue sends 0); open = last - changePrice; vwap = volValue / vol
  truncated at 18 decimals; average is the venue's averagePrice, or else (open + last) / 2 truncated to
  the market's price decimals; zero prices mean "none". The all-tickers snapshot's one "time" stamps
  every pair, and there the best levels' sizes give bid/ask volume.
- trade: no trade id, as in ccxt ("sequence" stays in `info`); cost = price * size; the venue's "time" is
  in nanoseconds and ms = ns // 10**6.
- candle: the venue sends [time, open, close, high, low, volume, turnover], time in seconds.
Deliberate difference: ccxt turns the nanoseconds into ms through doubles, which lands one millisecond
early on some exact-millisecond times; the integer division here does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
from . import schemas as wire
from .constants import CURRENCY_ALIASES, EXCHANGE_ID

_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_TWO = Decimal(2)
_CCXT_QUANTUM = Decimal("1e-18")
_NANOS_PER_MS = 1_000_000


def currency_code(currency_id: str) -> str:
    """KuCoin currency id -> unified currency code."""
    code = currency_id.upper()
    return CURRENCY_ALIASES.get(code, code)


def symbol_id(base_id: str, quote_id: str) -> str:
    """Venue ids -> the symbol the endpoints take (BTC, USDT -> BTC-USDT)."""
    return f"{base_id}-{quote_id}"


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(info: wire.SymbolInfo) -> Market:
    base_id, _, quote_id = info.symbol.partition("-")
    base, quote = currency_code(base_id), currency_code(quote_id)
    return Market(
        symbol=f"{base}/{quote}",
        id=info.symbol,
        base=base,
        quote=quote,
        base_id=base_id,
        quote_id=quote_id,
        type=MarketType.SPOT,
        active=info.enableTrading,
        precision=Precision(price=info.priceIncrement, amount=info.baseIncrement),
        limits=Limits(
            amount=MinMax(info.baseMinSize, info.baseMaxSize),
            cost=MinMax(info.quoteMinSize, info.quoteMaxSize),
        ),
        info=info,
    )


def parse_markets(symbols: Sequence[wire.SymbolInfo]) -> list[Market]:
    """Every spot pair of /api/v2/symbols, trading or not."""
    return [parse_market(info) for info in symbols]


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a handful of distinct ticks across all markets
def _average_quantum(tick: Decimal | None) -> Decimal:
    """The unit of the last price decimal: tick 0.10 -> 0.1, tick 10 -> 1."""
    if tick is None:
        return _CCXT_QUANTUM
    exponent = tick.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _truncated(value: Decimal) -> Decimal:
    """ccxt's 18-decimal truncation, applied only past 18 decimals (so exact quotients keep their form)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return value.quantize(_CCXT_QUANTUM) if exponent < -18 else value


def _ticker(
    raw: wire.Stats | wire.TickerItem,
    market: Market,
    timestamp: int | None,
    bid_volume: Decimal | None,
    ask_volume: Decimal | None,
    quantum: Decimal,
) -> Ticker:
    """Runs under _EXACT (see parse_ticker): every operator below is exact or truncates."""
    last = raw.last or None
    change = raw.changePrice
    rate = raw.changeRate
    percentage = rate.scaleb(2) if rate else None  # x 100, exact
    average = raw.averagePrice or None
    base_volume, quote_volume = raw.vol, raw.volValue
    vwap = _truncated(quote_volume / base_volume) if quote_volume and base_volume else None
    open_ = None
    if last is not None and change is not None:
        open_ = (last - change) or None
        if open_ is not None:
            if percentage is None:
                percentage = (change / open_).quantize(_CCXT_QUANTUM).scaleb(2)
            if average is None:
                average = ((open_ + last) / _TWO).quantize(quantum)
    # Positional: this runs once per pair on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        timestamp,
        raw.buy or None,  # bid
        bid_volume,
        raw.sell or None,  # ask
        ask_volume,
        last,  # last
        open_,  # open
        raw.high or None,  # high
        raw.low or None,  # low
        last,  # close
        None,  # previous_close
        base_volume,
        quote_volume,
        change,  # change
        percentage,  # percentage
        vwap,  # vwap
        average,  # average
        raw,  # info
    )


def parse_ticker(raw: wire.Stats, market: Market) -> Ticker:
    with localcontext(_EXACT):
        return _ticker(raw, market, raw.time, None, None, _average_quantum(market.precision.price))


def parse_tickers(snapshot: wire.AllTickers, index: MarketIndex) -> list[Ticker]:
    """The all-pairs hot path: pairs not in `index` (delisted, other listings) are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    time = snapshot.time
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for raw in snapshot.ticker:
            market = by_id.get(raw.symbol)
            if market is not None:
                quantum = quantum_of(market.precision.price)
                append(_ticker(raw, market, time, raw.bestBidSize, raw.bestAskSize, quantum))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: wire.PartOrderBook, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`; the sequence is the nonce."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=raw.time,
        bids=tuple(OrderBookLevel(price, size) for price, size in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(price, size) for price, size in raw.asks[:limit]),
        nonce=raw.sequence,
    )


def _trade(raw: wire.HistoryTrade, market: Market) -> Trade:
    return Trade(
        id=None,
        timestamp=raw.time // _NANOS_PER_MS,
        symbol=market.symbol,
        side=Side.SELL if raw.side == "sell" else Side.BUY,
        price=raw.price,
        amount=raw.size,
        cost=raw.price * raw.size,  # exact under _EXACT
        info=raw,
    )


def parse_trade(raw: wire.HistoryTrade, market: Market) -> Trade:
    with localcontext(_EXACT):
        return _trade(raw, market)


def _trade_time(raw: wire.HistoryTrade) -> int:
    return raw.time


def parse_trades(payload: Sequence[wire.HistoryTrade], market: Market) -> list[Trade]:
    """Trades oldest first; equal times keep the venue's order."""
    with localcontext(_EXACT):
        return [_trade(raw, market) for raw in sorted(payload, key=_trade_time)]


def _candle_time(candle: Candle) -> int:
    return candle.timestamp


def parse_ohlcv(
    payload: Iterable[wire.CandleRow], since: int | None = None, limit: int | None = None
) -> list[Candle]:
    """Candles oldest first (the venue sends newest first); from `since` the first `limit`, without
    `since` the latest `limit` (ccxt's rule)."""
    candles = sorted(
        (Candle(row.time * 1000, row.open, row.high, row.low, row.close, row.volume) for row in payload),
        key=_candle_time,
    )
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[:limit]
    return candles if limit is None else candles[max(len(candles) - limit, 0) :]
