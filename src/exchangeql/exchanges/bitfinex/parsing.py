"""Bitfinex API v2 wire Structs -> domain models. Pure: no clock, no I/O, no state.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- market: the pair's two ids are split at ":" (AVAX:USD, BTCF0:USTF0) or after three letters (BTCUSD);
  codes go through the alias table, then lose an "F0" suffix (BTCF0 -> BTC); a pair with F0 in its id is
  a perpetual swap settled in its quote (BTC/USDT:USDT), contract size 1, linear. Limits: the pair's
  min/max order size, a minimum price of 1e-8; every listed pair is active.
- ticker: open = last - daily change; percentage = DAILY_CHANGE_RELATIVE * 100 (recomputed as
  change / open * 100, truncated at 18 decimals, when the venue sends 0); average = (open + last) / 2,
  truncated at 18 decimals (Bitfinex prices have no tick to truncate to); zero prices mean "none". The
  venue's BID_SIZE/ASK_SIZE sum the 25 best levels, so bid/ask volume stay None, as in ccxt; no timestamp.
- trade: AMOUNT's sign is the side (negative: sell), the amount its absolute value; cost = price * amount.
- order book (P0): a positive AMOUNT is a bid, a negative one an ask; bids sorted down, asks up.
Deliberate differences: the price tick is None (ccxt's precision is "5 significant digits", which no tick
expresses; the amount tick is 1e-8); a swap's settle_id is the venue id (USTF0) where ccxt repeats the
unified code; the order book has no timestamp (ccxt stamps it with the local clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, Context, Decimal, localcontext

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
from .constants import AMOUNT_TICK, CURRENCY_ALIASES, EXCHANGE_ID, MIN_PRICE

_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_TWO = Decimal(2)
_CCXT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals
_AMOUNT_TICK = Decimal(AMOUNT_TICK)
_MIN_PRICE = Decimal(MIN_PRICE)
_ONE = Decimal(1)
_FUTURES_MARK = "F0"  # BTCF0, USTF0: the perpetuals' currency ids


def currency_code(currency_id: str) -> str:
    """Bitfinex currency id -> unified code (UST -> USDT, USTF0 -> USDT, BTCF0 -> BTC)."""
    code = currency_id.upper()
    return CURRENCY_ALIASES.get(code, code).split(_FUTURES_MARK)[0]


def split_pair(pair: str) -> tuple[str, str]:
    """A pair without its "t" prefix -> (base id, quote id): AVAX:USD, BTCF0:USTF0, or BTCUSD (3 + 3)."""
    if ":" in pair:
        base_id, _, quote_id = pair.partition(":")
        return base_id, quote_id
    return pair[:3], pair[3:6]


def trading_symbol(base_id: str, quote_id: str) -> str:
    """Venue ids -> the market id the paths take: t + pair (tBTCUSD; tAVAX:USD when an id is longer)."""
    if len(base_id) == 3 and len(quote_id) == 3:
        return f"t{base_id}{quote_id}"
    return f"t{base_id}:{quote_id}"


def _truncated(value: Decimal) -> Decimal:
    """ccxt's 18-decimal truncation, applied only past 18 decimals (so 72848.5 stays 72848.5)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: venue numbers
    return value.quantize(_CCXT_QUANTUM) if exponent < -18 else value


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(entry: wire.PairEntry) -> Market:
    pair = entry.pair.upper()
    base_id, quote_id = split_pair(pair)
    base, quote = currency_code(base_id), currency_code(quote_id)
    swap = _FUTURES_MARK in pair
    info = entry.info
    return Market(
        symbol=f"{base}/{quote}:{quote}" if swap else f"{base}/{quote}",
        id=f"t{pair}",
        base=base,
        quote=quote,
        base_id=base_id,
        quote_id=quote_id,
        type=MarketType.SWAP if swap else MarketType.SPOT,
        active=True,  # the venue lists tradable pairs only
        precision=Precision(price=None, amount=_AMOUNT_TICK),
        limits=Limits(
            amount=MinMax(info.min_order_size, info.max_order_size),
            price=MinMax(min=_MIN_PRICE),
        ),
        settle=quote if swap else None,
        settle_id=quote_id if swap else None,
        contract_size=_ONE if swap else None,
        linear=True if swap else None,
        info=entry,
    )


def parse_markets(config: wire.PairsConfig) -> list[Market]:
    """Spot pairs, then perpetuals, in the venue's order."""
    return [parse_market(entry) for entry in (*config.spot, *config.futures)]


# --- tickers ----------------------------------------------------------------------------------------------


def _ticker(raw: wire.TradingTicker | wire.TickerRow, market: Market) -> Ticker:
    """Runs under _EXACT (see parse_ticker): every operator below is exact or truncates."""
    last = raw.last_price or None
    change = raw.daily_change
    relative = raw.daily_change_relative
    percentage = relative.scaleb(2) if relative else None  # x 100, exact, no trailing zeros
    open_ = average = None
    if last is not None and change is not None:
        open_ = (last - change) or None
        if open_ is not None:
            if percentage is None:
                percentage = (change / open_).quantize(_CCXT_QUANTUM).scaleb(2)
            average = _truncated((open_ + last) / _TWO)
    # Positional: this runs once per pair on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        None,  # timestamp: the venue sends none
        raw.bid or None,  # bid
        None,  # bid_volume: BID_SIZE is the sum of 25 levels
        raw.ask or None,  # ask
        None,  # ask_volume
        last,  # last
        open_,  # open
        raw.high or None,  # high
        raw.low or None,  # low
        last,  # close
        None,  # previous_close
        raw.volume,  # base_volume
        None,  # quote_volume
        change,  # change
        percentage,  # percentage
        None,  # vwap
        average,  # average
        raw,  # info
    )


def parse_ticker(raw: wire.TradingTicker, market: Market) -> Ticker:
    with localcontext(_EXACT):
        return _ticker(raw, market)


def parse_tickers(payload: Iterable[wire.TickerRow], index: MarketIndex) -> list[Ticker]:
    """The all-pairs hot path: rows of ids not in `index` (funding currencies, delisted pairs) are skipped."""
    by_id = index.by_id
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for raw in payload:
            market = by_id.get(raw.symbol)
            if market is not None:
                append(_ticker(raw, market))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def _price(level: OrderBookLevel) -> Decimal:
    return level.price


def parse_order_book(raw: Sequence[wire.BookEntry], market: Market, limit: int | None = None) -> OrderBook:
    """P0 entries split by the amount's sign, bids best (highest) first, asks best (lowest) first."""
    bids = [OrderBookLevel(entry.price, entry.amount) for entry in raw if entry.amount > 0]
    asks = [OrderBookLevel(entry.price, -entry.amount) for entry in raw if entry.amount < 0]
    bids.sort(key=_price, reverse=True)
    asks.sort(key=_price)
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=None,
        bids=tuple(bids[:limit]),
        asks=tuple(asks[:limit]),
    )


def _trade(raw: wire.PublicTrade, market: Market) -> Trade:
    sell = raw.amount.is_signed()  # "-0" included, as ccxt reads the minus sign
    amount = -raw.amount if sell else raw.amount
    return Trade(
        id=str(raw.id),
        timestamp=raw.mts,
        symbol=market.symbol,
        side=Side.SELL if sell else Side.BUY,
        price=raw.price,
        amount=amount,
        cost=raw.price * amount,  # contract size 1 for the perpetuals: the same product
        info=raw,
    )


def parse_trade(raw: wire.PublicTrade, market: Market) -> Trade:
    with localcontext(_EXACT):
        return _trade(raw, market)


def _trade_order(raw: wire.PublicTrade) -> tuple[int, int]:
    return raw.mts, raw.id


def parse_trades(payload: Sequence[wire.PublicTrade], market: Market) -> list[Trade]:
    """Trades oldest first, by time then id (the venue sends newest first unless asked otherwise)."""
    with localcontext(_EXACT):
        return [_trade(raw, market) for raw in sorted(payload, key=_trade_order)]


def _candle_time(candle: Candle) -> int:
    return candle.timestamp


def parse_ohlcv(
    payload: Sequence[wire.CandleRow], since: int | None = None, limit: int | None = None
) -> list[Candle]:
    """Candles oldest first; from `since` the first `limit`, without `since` the latest `limit`."""
    candles = sorted(
        (Candle(row.mts, row.open, row.high, row.low, row.close, row.volume) for row in payload),
        key=_candle_time,
    )
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[:limit]
    return candles if limit is None else candles[max(len(candles) - limit, 0) :]
