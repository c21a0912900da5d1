"""Gate spot wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- markets: ticks are 10^-precision and 10^-amount_precision; the minimum amount is min_base_amount (the
  amount tick when absent), the cost limits min_quote_amount and max_quote_amount.
- ticker: Gate sends last and the 24 h change in percent, no open: open = last / (1 + percentage / 100)
  and percentage / 100 each truncated at 18 decimals, change = last - open, average = (open + last) / 2
  truncated to the market's price decimals, vwap = quote_volume / base_volume truncated at 18 decimals;
  a zero price or percentage means "none", a "nan" volume is zero and "" is none.
- trade: timestamp is create_time_ms truncated to the millisecond; cost = price * amount. Trades come back
  sorted by time, oldest first, and by trade id (as text, as ccxt sorts them) within a millisecond; a
  limit keeps the last ones.
- candle: [t, quote volume, close, high, low, open, base volume]: volume is the base volume.
Deliberate differences: the best bid/ask sizes are read from highest_size/lowest_size, which Gate's spot
tickers send and ccxt 4.5.90 does not read (it looks for the futures names); max_base_amount is the
amount maximum, max_quote_amount the cost maximum of every pair (ccxt sets the latter only for pairs that
also trade on margin, from a second endpoint); a pair is active when trade_status is "tradable" (ccxt
also counts margin-enabled pairs); a -100 % change leaves open, change and average empty (ccxt then fills
change with percentage / 100 * last / 100, which is no price change).
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
_ONE = Decimal(1)
_TWO = Decimal(2)
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_MS_THRESHOLD = Decimal(10**11)  # below: a time in seconds (older answers), above: in milliseconds
_THOUSAND = Decimal(1000)
_CCXT_DEFAULT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals unless told
_T = TypeVar("_T")
_SIDES = {"buy": Side.BUY, "sell": Side.SELL}
_VENUE_CODES = {code: venue for venue, code in CURRENCY_ALIASES.items() if venue not in LEGACY_ALIASES}


def currency_code(currency: str) -> str:
    """Gate currency -> unified currency code."""
    code = currency.upper()
    return CURRENCY_ALIASES.get(code, code)


def currency_id(code: str) -> str:
    """Unified currency code -> Gate currency: GATEPOINT -> POINT, BTC -> BTC."""
    return _VENUE_CODES.get(code, code)


def pair_id(symbol: str) -> str:
    """Unified spot symbol -> Gate currency pair: BTC/USDT -> BTC_USDT."""
    base, _, quote = symbol.partition("/")
    return f"{currency_id(base)}_{currency_id(quote)}"


def _num(text: str) -> Decimal | None:
    """A ticker number: "" means no value."""
    return Decimal(text) if text else None


def _nonzero(text: str) -> Decimal | None:
    """A ticker price where zero also means no value (ccxt's omitZero)."""
    return (Decimal(text) or None) if text else None


def _volume(text: str) -> Decimal | None:
    """A ticker volume: Gate sends "nan" for a pair without trades, which is zero."""
    if not text:
        return None
    return _ZERO if text == "nan" else Decimal(text)


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(info: wire.CurrencyPair) -> Market:
    # Gate's ids are BASE_QUOTE, but a currency may hold an underscore itself (GTC_HT): the pair's own
    # base and quote fields say which is which; the id's first underscore is the fallback.
    base_id, quote_id = (info.base, info.quote) if info.base and info.quote else info.id.split("_", 1)
    base, quote = currency_code(base_id), currency_code(quote_id)
    amount_tick = _ONE.scaleb(-info.amount_precision)
    min_amount = info.min_base_amount if info.min_base_amount is not None else amount_tick
    return Market(
        symbol=f"{base}/{quote}",
        id=info.id,
        base=base,
        quote=quote,
        base_id=base_id,
        quote_id=quote_id,
        type=MarketType.SPOT,
        active=info.trade_status == "tradable",
        precision=Precision(price=_ONE.scaleb(-info.precision), amount=amount_tick),
        limits=Limits(
            amount=MinMax(min_amount, info.max_base_amount),
            cost=MinMax(info.min_quote_amount, info.max_quote_amount),
        ),
        info=info,
    )


def parse_markets(pairs: Iterable[wire.CurrencyPair]) -> list[Market]:
    """Every pair of /spot/currency_pairs, in venue order."""
    return [parse_market(info) for info in pairs]


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a handful of distinct ticks across all markets
def _average_quantum(tick: Decimal | None) -> Decimal:
    """The unit of the last price decimal: tick 0.01 -> 0.01, tick 10 -> 1."""
    if tick is None:
        return _CCXT_DEFAULT_QUANTUM
    exponent = tick.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _ticker(raw: wire.Ticker, market: Market, quantum: Decimal) -> Ticker:
    """Runs under the _EXACT context (see parse_ticker): the operators below are exact or truncate."""
    last = _nonzero(raw.last)
    percentage = _nonzero(raw.change_percentage)
    base_volume = _volume(raw.base_volume)
    quote_volume = _volume(raw.quote_volume)
    vwap = open_ = change = average = None
    if quote_volume and base_volume:
        vwap = (quote_volume / base_volume).quantize(_CCXT_DEFAULT_QUANTUM)
    if last is not None and percentage is not None:
        growth = _ONE + (percentage / _HUNDRED).quantize(_CCXT_DEFAULT_QUANTUM)
        # A change of -100 % leaves no open to infer (ccxt's division by zero gives None too).
        open_ = ((last / growth).quantize(_CCXT_DEFAULT_QUANTUM) or None) if growth else None
        if open_ is not None:
            change = last - open_
            average = ((open_ + last) / _TWO).quantize(quantum)
    # Positional: this runs once per pair on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        None,  # timestamp: Gate's spot tickers carry none
        _nonzero(raw.highest_bid),  # bid
        _num(raw.highest_size),  # bid_volume
        _nonzero(raw.lowest_ask),  # ask
        _num(raw.lowest_size),  # ask_volume
        last,  # last
        open_,  # open
        _nonzero(raw.high_24h),  # high
        _nonzero(raw.low_24h),  # low
        last,  # close
        None,  # previous_close
        base_volume,
        quote_volume,
        change,
        percentage,
        vwap,
        average,
        raw,  # info
    )


def parse_ticker(raw: wire.Ticker, market: Market) -> Ticker:
    with localcontext(_EXACT):
        return _ticker(raw, market, _average_quantum(market.precision.price))


def parse_tickers(payload: Iterable[wire.Ticker], index: MarketIndex) -> list[Ticker]:
    """The all-tickers hot path: tickers of pairs not in `index` (not asked for, delisted) are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for raw in payload:
            market = by_id.get(raw.currency_pair)
            if market is not None:
                append(_ticker(raw, market, quantum_of(market.precision.price)))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: wire.OrderBook, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`; stamped `current`, the book id is the nonce."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=raw.current,
        bids=tuple(OrderBookLevel(price, amount) for price, amount in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(price, amount) for price, amount in raw.asks[:limit]),
        nonce=raw.id,
    )


def _milliseconds(time: Decimal) -> int:
    return int(time if time >= _MS_THRESHOLD else time * _THOUSAND)


def _trade(raw: wire.Trade, market: Market) -> Trade:
    return Trade(
        id=raw.id,
        timestamp=_milliseconds(raw.create_time_ms),
        symbol=market.symbol,
        side=_SIDES.get(raw.side),
        price=raw.price,
        amount=raw.amount,
        cost=raw.price * raw.amount,  # exact under _EXACT
        taker_or_maker=raw.role or None,
        order=raw.order_id or None,
        info=raw,
    )


def parse_trade(raw: wire.Trade, market: Market) -> Trade:
    with localcontext(_EXACT):
        return _trade(raw, market)


def parse_trades(payload: Iterable[wire.Trade], market: Market, limit: int | None = None) -> list[Trade]:
    """Oldest first (by time, then id), the last `limit` of them."""
    with localcontext(_EXACT):
        trades = sorted((_trade(raw, market) for raw in payload), key=_trade_order)
    return trades if limit is None else _last(trades, limit)


def _trade_order(trade: Trade) -> tuple[int, str]:
    return trade.timestamp or 0, trade.id or ""


def _last(items: list[_T], limit: int) -> list[_T]:
    return items[-limit:] if limit > 0 else []


def parse_ohlcv(
    payload: Iterable[wire.Candlestick], since: int | None = None, limit: int | None = None
) -> list[Candle]:
    """Oldest first. With `since`: the first `limit` candles from `since` on; without: the last `limit`."""
    candles = sorted(
        (Candle(k.t * 1000, k.open, k.high, k.low, k.close, k.base_volume) for k in payload),
        key=lambda candle: candle.timestamp,
    )
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[: max(limit, 0)]
    return candles if limit is None else _last(candles, limit)
