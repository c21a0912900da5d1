"""Gemini wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- market: from the symbol id alone (see constants.py): the quote is the first known suffix, "PERP" ids
  are linear swaps settled in the quote; no precision or limits.
- ticker (/v1/pubticker): bid, ask, last; base and quote volumes from `volume` under the market's
  currency codes; vwap = quote volume / base volume truncated at 18 decimals; time from
  `volume.timestamp`. No open, high or low in this answer, so no change, percentage or average.
- price-feed ticker (/v1/pricefeed): last = `price`, percentage = `percentChange24h` as sent; ccxt then
  derives open = last / (1 + percentage / 100) (both divisions truncated at 18 decimals), change = last -
  open and average = (open + last) / 2. Caveat: Gemini documents the field as the 24 h change "on a
  percentage basis" and sends values such as "0.0146"; if those are fractions, ccxt's derived open,
  change and average are off by a factor of 100 in the percentage. We keep ccxt's reading until a
  recorded answer settles it.
- trade: `type` is the taker's side; "auction"/"block" trades have no side; cost = price * amount.
Deliberate difference: `active` is True for every listed symbol (ccxt 4.5.90 reports None: /v1/symbols
says nothing about status).
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
    OrderBook,
    OrderBookLevel,
    Precision,
    Side,
    Ticker,
    Trade,
)
from . import schemas
from .constants import (
    BROKEN_SYMBOLS,
    CONFLICTING_SYMBOLS,
    CURRENCY_ALIASES,
    EXCHANGE_ID,
    PERP_SUFFIX,
    QUOTE_CURRENCIES,
)

_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_ONE = Decimal(1)
_TWO = Decimal(2)
_HUNDRED = Decimal(100)
_CCXT_DEFAULT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals unless told


def currency_code(currency: str) -> str:
    """Gemini currency -> unified currency code."""
    code = currency.upper()
    return CURRENCY_ALIASES.get(code, code)


def split_symbol(symbol_id: str) -> tuple[str, str, str | None] | None:
    """A symbol id -> (base id, quote id, settle id or None), upper case; None when no known quote fits.

    "btcusd" -> ("BTC", "USD", None); "btcgusdperp" -> ("BTC", "GUSD", "GUSD").
    """
    upper = symbol_id.upper()
    perp = PERP_SUFFIX in upper
    pair = upper.replace(PERP_SUFFIX, "")
    conflicting = CONFLICTING_SYMBOLS.get(pair.lower())
    if conflicting is not None:
        base, quote = conflicting
    else:
        quote = next((q for q in QUOTE_CURRENCIES if pair.endswith(q)), "")
        base = pair[: -len(quote)] if quote else ""
    if not base:
        return None
    return base, quote, quote if perp else None


def symbol_id(base: str, quote: str, settle: str | None = None) -> str:
    """The other way: unified currencies -> Gemini's id ("BTC", "GUSD", "GUSD" -> "btcgusdperp")."""
    return f"{base}{quote}{PERP_SUFFIX if settle else ''}".lower()


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(venue_id: str) -> Market | None:
    """A market from a /v1/symbols id; None for ids that split into no known pair."""
    parts = split_symbol(venue_id)
    if parts is None:
        return None
    base_id, quote_id, settle_id = parts
    base, quote = currency_code(base_id), currency_code(quote_id)
    settle = None if settle_id is None else currency_code(settle_id)
    return Market(
        symbol=f"{base}/{quote}" + (f":{settle}" if settle else ""),
        id=venue_id,
        base=base,
        quote=quote,
        base_id=base_id,
        quote_id=quote_id,
        type=MarketType.SPOT if settle is None else MarketType.SWAP,
        active=True,
        precision=Precision(),
        limits=Limits(),
        settle=settle,
        settle_id=settle_id,
        linear=None if settle is None else True,
        info=venue_id,
    )


def parse_markets(symbol_ids: Iterable[str]) -> list[Market]:
    """Every usable id of /v1/symbols, in the venue's order (broken pairs and unknown quotes left out)."""
    ids = (i for i in symbol_ids if i not in BROKEN_SYMBOLS)
    return [market for venue_id in ids if (market := parse_market(venue_id)) is not None]


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _average_quantum(tick_size: Decimal | None) -> Decimal:
    """The unit of the last price decimal (ccxt's 18 decimals when the market has no tick)."""
    if tick_size is None:
        return _CCXT_DEFAULT_QUANTUM
    exponent = tick_size.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """ccxt's Precise.string_div: None for a missing or zero divisor, truncated at 18 decimals."""
    if numerator is None or not denominator:
        return None
    return (numerator / denominator).quantize(_CCXT_DEFAULT_QUANTUM)


def parse_ticker(raw: schemas.PubTicker, market: Market) -> Ticker:
    """A /v1/pubticker answer."""
    volume = raw.volume
    base_volume = volume.get(market.base_id.upper())
    quote_volume = volume.get(market.quote_id.upper())
    timestamp = volume.get("timestamp")
    last = raw.last or None
    with localcontext(_EXACT):
        vwap = _ratio(quote_volume or None, base_volume)
    return Ticker(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=None if timestamp is None else int(timestamp),
        bid=raw.bid or None,
        ask=raw.ask or None,
        last=last,
        close=last,
        base_volume=base_volume,
        quote_volume=quote_volume,
        vwap=vwap,
        info=raw,
    )


def _price_ticker(raw: schemas.Price, market: Market, quantum: Decimal) -> Ticker:
    """Runs under the _EXACT context (see parse_price_tickers)."""
    last = raw.price or None
    percentage = raw.percentChange24h or None
    open_ = change = average = None
    if last is not None and percentage is not None:
        fraction = (percentage / _HUNDRED).quantize(_CCXT_DEFAULT_QUANTUM)
        open_ = _ratio(last, _ONE + fraction)
        if open_ is not None:
            change = last - open_
            average = ((open_ + last) / _TWO).quantize(quantum)
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        None,  # timestamp
        None,  # bid
        None,  # bid_volume
        None,  # ask
        None,  # ask_volume
        last,  # last
        open_,  # open
        None,  # high
        None,  # low
        last,  # close
        None,  # previous_close
        None,  # base_volume
        None,  # quote_volume
        change,  # change
        percentage,  # percentage
        None,  # vwap
        average,  # average
        raw,  # info
    )


def parse_price_tickers(payload: Iterable[schemas.Price], index: MarketIndex) -> list[Ticker]:
    """The all-pairs hot path (/v1/pricefeed): pairs not in `index` are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for raw in payload:
            market = by_id.get(raw.pair.lower())
            if market is not None:
                append(_price_ticker(raw, market, quantum_of(market.precision.price)))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: schemas.Book, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`. The book carries no time."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=None,
        bids=tuple(OrderBookLevel(level.price, level.amount) for level in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(level.price, level.amount) for level in raw.asks[:limit]),
    )


_SIDES = {"buy": Side.BUY, "sell": Side.SELL}


def _trade(raw: schemas.Trade, market: Market) -> Trade:
    return Trade(
        id=str(raw.tid),
        timestamp=raw.timestampms,
        symbol=market.symbol,
        side=_SIDES.get(raw.type.lower()),
        price=raw.price,
        amount=raw.amount,
        cost=raw.price * raw.amount,  # exact under _EXACT
        info=raw,
    )


def parse_trades(payload: Iterable[schemas.Trade], market: Market, limit: int | None = None) -> list[Trade]:
    """Trades oldest first (Gemini sends the newest first); the newest `limit` when given."""
    with localcontext(_EXACT):
        trades = [_trade(raw, market) for raw in sorted(payload, key=lambda t: (t.timestampms, t.tid))]
    return trades if limit is None else trades[-limit:] if limit else []


def parse_ohlcv(
    payload: Iterable[schemas.Candle], since: int | None = None, limit: int | None = None
) -> list[Candle]:
    """Candles oldest first (Gemini sends newest first). Past `since`, the first `limit`; else the last."""
    candles = [
        Candle(k.time, k.open, k.high, k.low, k.close, k.volume)
        for k in sorted(payload, key=lambda k: k.time)
    ]
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[:limit]
    return candles if limit is None else candles[-limit:] if limit else []
