"""Bitstamp API v2 wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- market: tick sizes 10^-base_decimals (amount) and 10^-counter_decimals (price); amount and cost limits
  from minimum/maximum_order_amount/value; PERPETUAL markets are linear swaps settled in the quote.
- ticker: `open` is the day's first price (the API's own `open`), so change is last - open and
  percentage change / open * 100 truncated at 18 decimals; quote volume is volume * vwap, exact;
  `average` is (open + last) / 2 truncated to the market's price decimals; timestamp seconds * 1000.
- trade: type 0 is a buy, 1 a sell (the taker's side); cost = price * amount, exact.
Deliberate differences: a perpetual's `contract_size` comes from the venue (ccxt 4.5.90 leaves it None);
`linear` follows `payoff_type` (ccxt reports True for every perpetual); market types other than SPOT and
PERPETUAL are left out (ccxt lists them with type None). In the all-pairs tickers, ccxt 4.5.90 cannot
match `pair` ("BTC/USD") to a market, so its `average` falls back to 18 decimals; ours is the same
value fetch_ticker gives.
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
from . import schemas
from .constants import CURRENCY_ALIASES, EXCHANGE_ID, PERPETUAL, SPOT, VENUE_CURRENCIES

_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_TWO = Decimal(2)
_HUNDRED = Decimal(100)
_CCXT_DEFAULT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals unless told


def currency_code(currency: str) -> str:
    """Bitstamp currency -> unified currency code."""
    code = currency.upper()
    return CURRENCY_ALIASES.get(code, code)


def venue_currency(code: str) -> str:
    """Unified currency code -> Bitstamp's spelling."""
    return VENUE_CURRENCIES.get(code, code)


def market_id(pair: str) -> str:
    """The `pair` of an all-pairs ticker ("BTC/USD", "BTC/USD-PERP") -> the market id ("btcusd")."""
    return pair.replace("/", "").lower()


def tick(decimals: int) -> Decimal:
    """10^-decimals as a tick size: 2 -> 0.01, 0 -> 1."""
    return Decimal(1).scaleb(-decimals)


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(info: schemas.MarketInfo) -> Market | None:
    """A market of /api/v2/markets/, or None for a market type we do not serve."""
    if info.market_type not in (SPOT, PERPETUAL):
        return None
    base, quote = currency_code(info.base_currency), currency_code(info.counter_currency)
    swap = info.market_type == PERPETUAL
    return Market(
        symbol=f"{base}/{quote}:{quote}" if swap else f"{base}/{quote}",
        id=info.market_symbol,
        base=base,
        quote=quote,
        base_id=info.base_currency,
        quote_id=info.counter_currency,
        type=MarketType.SWAP if swap else MarketType.SPOT,
        active=info.trading == "Enabled",
        precision=Precision(price=tick(info.counter_decimals), amount=tick(info.base_decimals)),
        limits=Limits(
            amount=MinMax(info.minimum_order_amount, info.maximum_order_amount),
            cost=MinMax(info.minimum_order_value, info.maximum_order_value),
        ),
        settle=quote if swap else None,
        settle_id=info.counter_currency if swap else None,
        contract_size=info.contract_size if swap else None,
        linear=info.payoff_type != "Inverse" if swap else None,
        info=info,
    )


def parse_markets(infos: Iterable[schemas.MarketInfo]) -> list[Market]:
    """Every spot and perpetual market of /api/v2/markets/, in the venue's order."""
    return [market for info in infos if (market := parse_market(info)) is not None]


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a handful of distinct ticks across all markets
def _average_quantum(tick_size: Decimal | None) -> Decimal:
    """The unit of the last price decimal: tick 0.01 -> 0.01, tick 1 -> 1."""
    if tick_size is None:
        return _CCXT_DEFAULT_QUANTUM
    exponent = tick_size.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _ticker(raw: schemas.Ticker, market: Market, quantum: Decimal) -> Ticker:
    """Runs under the _EXACT context (see parse_ticker): the operators below are exact or truncate."""
    open_ = raw.open or None
    last = raw.last or None
    volume, vwap = raw.volume, raw.vwap
    change = percentage = average = None
    if open_ is not None and last is not None:
        change = last - open_
        percentage = (change / open_).quantize(_CCXT_DEFAULT_QUANTUM) * _HUNDRED
        average = ((open_ + last) / _TWO).quantize(quantum)
    # Positional: this runs once per pair on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        raw.timestamp * 1000,  # timestamp
        raw.bid or None,  # bid
        None,  # bid_volume
        raw.ask or None,  # ask
        None,  # ask_volume
        last,  # last
        open_,  # open
        raw.high or None,  # high
        raw.low or None,  # low
        last,  # close
        None,  # previous_close
        volume,  # base_volume
        None if volume is None or vwap is None else volume * vwap,  # quote_volume
        change,  # change
        percentage,  # percentage
        vwap,  # vwap
        average,  # average
        raw,  # info
    )


def parse_ticker(raw: schemas.Ticker, market: Market) -> Ticker:
    with localcontext(_EXACT):
        return _ticker(raw, market, _average_quantum(market.precision.price))


def parse_tickers(payload: Iterable[schemas.Ticker], index: MarketIndex) -> list[Ticker]:
    """The all-pairs hot path: tickers of pairs not in `index` (or without `pair`) are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for raw in payload:
            pair = raw.pair
            market = None if pair is None else by_id.get(market_id(pair))
            if market is not None:
                append(_ticker(raw, market, quantum_of(market.precision.price)))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: schemas.OrderBook, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`. Time to the ms; the nonce is the µs time."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=raw.microtimestamp // 1000,
        bids=tuple(OrderBookLevel(price, amount) for price, amount in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(price, amount) for price, amount in raw.asks[:limit]),
        nonce=raw.microtimestamp,
    )


_SIDES = {"0": Side.BUY, "1": Side.SELL}


def _trade(raw: schemas.Transaction, market: Market) -> Trade:
    return Trade(
        id=str(raw.tid),
        timestamp=raw.date * 1000,
        symbol=market.symbol,
        side=_SIDES.get(str(raw.type)),
        price=raw.price,
        amount=raw.amount,
        cost=raw.price * raw.amount,  # exact under _EXACT
        info=raw,
    )


def _trade_order(trade: Trade) -> tuple[int, int]:
    assert trade.timestamp is not None and trade.id is not None  # set by _trade
    return trade.timestamp, int(trade.id) if trade.id.isdigit() else 0


def parse_trades(
    payload: Iterable[schemas.Transaction], market: Market, limit: int | None = None
) -> list[Trade]:
    """Trades oldest first (Bitstamp sends the newest first); the newest `limit` when given."""
    with localcontext(_EXACT):
        trades = sorted((_trade(raw, market) for raw in payload), key=_trade_order)
    return trades if limit is None else trades[-limit:] if limit else []


def parse_ohlcv(
    payload: schemas.OhlcAnswer, since: int | None = None, limit: int | None = None
) -> list[Candle]:
    """Candles oldest first; volume is the base volume. Past `since`, the first `limit`; else the last."""
    candles = sorted(
        (Candle(k.timestamp * 1000, k.open, k.high, k.low, k.close, k.volume) for k in payload.data.ohlc),
        key=lambda candle: candle.timestamp,
    )
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[:limit]
    return candles if limit is None else candles[-limit:] if limit else []
