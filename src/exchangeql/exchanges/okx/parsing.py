"""OKX wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- numbers: OKX's "" (no value) is None; a zero open/last/bid/ask/high/low means "none" (ccxt's omitZero).
- ticker: change = last - open24h; percentage = change / open truncated at 18 decimals, times 100;
  average = (open + last) / 2 truncated to the market's price decimals; vwap = volCcy24h / vol24h truncated
  at 18 decimals. For swaps ccxt reports vol24h (contracts) as the base volume and no quote volume; so do we.
- trade: cost = price * amount for spot, price * amount * contract size for linear swaps and
  (1 / price, truncated at 18 decimals) * contract size * amount for inverse ones. Trades come back sorted
  by time, oldest first, and by trade id (as text, as ccxt sorts them) within a millisecond; a limit keeps
  the last ones.
- candle: volume is `vol` (base currency) for spot and `volCcy` (base currency) for swaps.
- balance (trading account): total is `eq`; free is `availEq` (used = total - free) where the account mode
  sets it, else `availBal` with `frozenBal` used.
- order: px is the price, a market order's the average fill price (avgPx); cost = filled * average (or
  limit) price, times the contract size for swaps (divided by the price for inverse ones, truncated at 18
  decimals); the fee is OKX's `fee` negated (OKX reports a charge as negative) in `feeCcy`. post_only, ioc
  and fok orders are limit orders; other order types, and spot market buys sized in the quote currency,
  are not modelled and are left out of lists.
Deliberate differences: instruments without a base or a quote (a pre-open swap sends only instId and state)
are left out, where ccxt lists them under their venue id as symbol: no unified symbol can name them. The
answer to an order placement carries only ids and a time: the order it gives is the request, open and
unfilled, timed by the answer's `ts` (ccxt leaves status, amounts and time empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, Context, Decimal, localcontext
from functools import lru_cache
from typing import TypeVar

from ...errors import UpstreamDecodeError
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
    OrderRequest,
    OrderStatus,
    OrderType,
    Precision,
    Side,
    Ticker,
    Trade,
)
from . import schemas as wire
from .constants import CURRENCY_ALIASES, EXCHANGE_ID, SPOT, SWAP

# Arithmetic runs under this context (set once per call with localcontext, so operators stay cheap):
# 60 digits keep sums and products of venue numbers exact; ROUND_DOWN is ccxt's truncation.
_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_ONE = Decimal(1)
_TWO = Decimal(2)
_CCXT_DEFAULT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals unless told
_T = TypeVar("_T")
_SIDES = {"buy": Side.BUY, "sell": Side.SELL}
_TYPES = {SPOT: MarketType.SPOT, SWAP: MarketType.SWAP}
# The reverse of the aliases the venue really uses (XBT and BCHSV are ccxt-wide legacy names OKX never
# sends: BTC is BTC there).
_VENUE_CODES = {code: venue for venue, code in CURRENCY_ALIASES.items() if venue not in ("XBT", "BCHSV")}


def currency_code(ccy: str) -> str:
    """OKX currency -> unified currency code."""
    code = ccy.upper()
    return CURRENCY_ALIASES.get(code, code)


def currency_id(code: str) -> str:
    """Unified currency code -> OKX currency (AET -> AE)."""
    return _VENUE_CODES.get(code, code)


def instrument_id(symbol: str) -> str:
    """Unified spot or swap symbol -> OKX instId: BTC/USDT -> BTC-USDT, BTC/USDT:USDT -> BTC-USDT-SWAP."""
    pair, _, settle = symbol.partition(":")
    base, _, quote = pair.partition("/")
    venue = f"{currency_id(base)}-{currency_id(quote)}"
    return f"{venue}-SWAP" if settle else venue


def _num(text: str) -> Decimal | None:
    """An OKX number: "" means no value."""
    return Decimal(text) if text else None


def _nonzero(text: str) -> Decimal | None:
    """An OKX price where zero also means no value (ccxt's omitZero)."""
    return (Decimal(text) or None) if text else None


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(info: wire.Instrument) -> Market | None:
    """A spot or swap instrument; None for other types and for instruments without a base or a quote."""
    kind = _TYPES.get(info.instType)
    if kind is None:
        return None
    spot = kind is MarketType.SPOT
    if spot:
        base_id, quote_id = info.baseCcy, info.quoteCcy
        if not base_id or not quote_id:  # some pre-open spot pairs only name themselves in instId
            base_id, _, quote_id = info.instId.partition("-")
    else:
        base_id, _, quote_id = info.uly.partition("-")
    if not base_id or not quote_id:
        return None
    base, quote = currency_code(base_id), currency_code(quote_id)
    settle_id = info.settleCcy or None
    settle = currency_code(settle_id) if settle_id else None
    symbol = f"{base}/{quote}" if spot or settle is None else f"{base}/{quote}:{settle}"
    return Market(
        symbol=symbol,
        id=info.instId,
        base=base,
        quote=quote,
        base_id=base_id,
        quote_id=quote_id,
        type=kind,
        active=info.state == "live",
        precision=Precision(price=_num(info.tickSz), amount=_num(info.lotSz)),
        limits=Limits(
            amount=MinMax(_num(info.minSz), _num(info.maxLmtSz)),
            # Spot: maxMktSz is the largest market order, in the quote currency (ccxt's cost.max).
            cost=MinMax(None, _num(info.maxMktSz) if spot else None),
        ),
        settle=None if spot else settle,
        settle_id=None if spot else settle_id,
        contract_size=None if spot else _num(info.ctVal),
        linear=None if spot else quote_id == settle_id,
        info=info,
    )


def parse_markets(instruments: Iterable[wire.Instrument]) -> list[Market]:
    """Every spot and swap instrument with a base and a quote, in venue order."""
    return [market for info in instruments if (market := parse_market(info)) is not None]


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a handful of distinct ticks across all markets
def _average_quantum(tick: Decimal | None) -> Decimal:
    """The unit of the last price decimal: tick 0.01 -> 0.01, tick 0.5 -> 0.1, tick 10 -> 1."""
    if tick is None:
        return _CCXT_DEFAULT_QUANTUM
    exponent = tick.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _ticker(raw: wire.Ticker, market: Market, quantum: Decimal) -> Ticker:
    """Runs under the _EXACT context (see parse_ticker): the operators below are exact or truncate."""
    open_ = _nonzero(raw.open24h)
    last = _nonzero(raw.last)
    base_volume = _num(raw.vol24h)
    # volCcy24h is the quote volume for spot only (for swaps it is the base currency volume).
    quote_volume = _num(raw.volCcy24h) if market.type is MarketType.SPOT else None
    vwap = change = percentage = average = None
    if quote_volume and base_volume:
        vwap = (quote_volume / base_volume).quantize(_CCXT_DEFAULT_QUANTUM)
    if open_ is not None and last is not None:
        change = last - open_
        percentage = (change / open_).quantize(_CCXT_DEFAULT_QUANTUM).scaleb(2)  # x 100, no trailing zeros
        average = ((open_ + last) / _TWO).quantize(quantum)
    # Positional: this runs once per instrument on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        raw.ts,  # timestamp
        _nonzero(raw.bidPx),  # bid
        _num(raw.bidSz),  # bid_volume
        _nonzero(raw.askPx),  # ask
        _num(raw.askSz),  # ask_volume
        last,  # last
        open_,  # open
        _nonzero(raw.high24h),  # high
        _nonzero(raw.low24h),  # low
        last,  # close
        None,  # previous_close
        base_volume,  # base_volume
        quote_volume,  # quote_volume
        change,  # change
        percentage,  # percentage
        vwap,  # vwap
        average,  # average
        raw,  # info
    )


def parse_ticker(raw: wire.Ticker, market: Market) -> Ticker:
    with localcontext(_EXACT):
        return _ticker(raw, market, _average_quantum(market.precision.price))


def parse_tickers(payload: Iterable[wire.Ticker], index: MarketIndex) -> list[Ticker]:
    """The all-tickers hot path: tickers of ids not in `index` (other types, not asked for) are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for raw in payload:
            market = by_id.get(raw.instId)
            if market is not None:
                append(_ticker(raw, market, quantum_of(market.precision.price)))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: wire.Book, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`; the order counts are not modelled."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=raw.ts,
        bids=tuple(OrderBookLevel(level[0], level[1]) for level in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(level[0], level[1]) for level in raw.asks[:limit]),
    )


def _trade(raw: wire.Trade, market: Market) -> Trade:
    size = market.contract_size
    if size is None:
        cost = raw.px * raw.sz
    elif market.linear is False:  # inverse: each contract is worth `size` of the quote, paid in base
        cost = (_ONE / raw.px).quantize(_CCXT_DEFAULT_QUANTUM) * size * raw.sz
    else:
        cost = raw.px * size * raw.sz
    return Trade(
        id=raw.tradeId,
        timestamp=raw.ts,
        symbol=market.symbol,
        side=_SIDES.get(raw.side),
        price=raw.px,
        amount=raw.sz,
        cost=cost,
        info=raw,
    )


def parse_trade(raw: wire.Trade, market: Market) -> Trade:
    with localcontext(_EXACT):
        return _trade(raw, market)


def parse_trades(payload: Sequence[wire.Trade], market: Market, limit: int | None = None) -> list[Trade]:
    """Oldest first (by time, then id), the last `limit` of them."""
    with localcontext(_EXACT):
        trades = sorted((_trade(raw, market) for raw in payload), key=_trade_order)
    return trades if limit is None else _last(trades, limit)


def _trade_order(trade: Trade) -> tuple[int, str]:
    return trade.timestamp or 0, trade.id or ""


def _last(items: list[_T], limit: int) -> list[_T]:
    return items[-limit:] if limit > 0 else []


def parse_ohlcv(
    payload: Iterable[wire.Candle], market: Market, since: int | None = None, limit: int | None = None
) -> list[Candle]:
    """Oldest first. With `since`: the first `limit` candles from `since` on; without: the last `limit`."""
    spot = market.type is MarketType.SPOT
    candles = sorted(
        (Candle(k.ts, k.o, k.h, k.l, k.c, k.vol if spot else k.volCcy) for k in payload),
        key=lambda candle: candle.timestamp,
    )
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[: max(limit, 0)]
    return candles if limit is None else _last(candles, limit)


# --- account and orders (signed endpoints) ----------------------------------------------------------------


def parse_balances(accounts: Sequence[wire.AccountBalance]) -> list[Balance]:
    """Every currency of the trading account (/api/v5/account/balance)."""
    balances: list[Balance] = []
    with localcontext(_EXACT):
        for account in accounts:
            for detail in account.details:
                total = _num(detail.eq)
                free = _num(detail.availEq)
                used = None if total is None or free is None else total - free
                if free is None:
                    free, used = _num(detail.availBal), _num(detail.frozenBal)
                if total is None or free is None or used is None:
                    raise UpstreamDecodeError(f"balance of {detail.ccy} is incomplete", exchange=EXCHANGE_ID)
                balances.append(Balance(currency_code(detail.ccy), free, used, total))
    return balances


ORDER_STATUS = {
    "live": OrderStatus.OPEN,
    "partially_filled": OrderStatus.OPEN,
    "filled": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "mmp_canceled": OrderStatus.CANCELED,  # canceled by market maker protection
}

# OKX order types -> ours; the time-in-force flavours of a limit order are limit orders.
ORDER_TYPE = {
    "market": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "post_only": OrderType.LIMIT,
    "ioc": OrderType.LIMIT,
    "fok": OrderType.LIMIT,
}


def _truncated(value: Decimal) -> Decimal:
    """`value` cut at 18 decimals (ROUND_DOWN, as ccxt divides) when it has more; exact otherwise."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return value.quantize(_CCXT_DEFAULT_QUANTUM) if exponent < -18 else value


def parse_order(raw: wire.Order, market: Market) -> Order | None:
    """One order; None for order types we do not model and for spot market buys sized in the quote
    currency (their amount in the base currency is not known before they fill)."""
    order_type = ORDER_TYPE.get(raw.ordType)
    if order_type is None:
        return None
    if (
        order_type is OrderType.MARKET
        and raw.side == "buy"
        and raw.instType == SPOT
        and raw.tgtCcy == "quote_ccy"
    ):
        return None
    status = ORDER_STATUS.get(raw.state)
    if status is None:
        raise UpstreamDecodeError(
            f"order {raw.ordId} has an unknown state {raw.state!r}", exchange=EXCHANGE_ID
        )
    amount = _num(raw.sz)
    if amount is None:
        raise UpstreamDecodeError(f"order {raw.ordId} has no size", exchange=EXCHANGE_ID)
    with localcontext(_EXACT):
        filled = _num(raw.accFillSz) or Decimal(0)
        average = _nonzero(raw.avgPx)
        price = _nonzero(raw.px)
        if price is None and order_type is OrderType.MARKET:
            price = average
        reference = average if average is not None else price
        size = market.contract_size if market.type is not MarketType.SPOT else None
        if reference is None:
            cost = Decimal(0)
        elif size is None:
            cost = filled * reference
        elif market.linear is False:  # inverse: contracts of `size` quote, paid in the base
            cost = _truncated(filled * size / reference)
        else:
            cost = filled * size * reference
        fee_cost = _num(raw.fee)
        fee = None if fee_cost is None or not raw.feeCcy else Fee(-fee_cost, currency_code(raw.feeCcy))
        return Order(
            id=raw.ordId,
            client_order_id=raw.clOrdId or None,
            exchange_id=EXCHANGE_ID,
            symbol=market.symbol,
            type=order_type,
            side=_SIDES.get(raw.side, Side.BUY),
            price=price,
            amount=amount,
            filled=filled,
            remaining=amount - filled,
            cost=cost,
            status=status,
            timestamp=raw.cTime,
            fee=fee,
            info=raw,
        )


def parse_orders(
    payload: Iterable[wire.Order], index: MarketIndex, only: Market | None = None
) -> list[Order]:
    """Orders of instruments in `index` (of `only`, when given) and of modelled types, in venue order."""
    parsed: list[Order] = []
    for raw in payload:
        market = index.by_id.get(raw.instId)
        if market is None or (only is not None and market.symbol != only.symbol):
            continue
        order = parse_order(raw, market)
        if order is not None:
            parsed.append(order)
    return parsed


def parse_new_order(ack: wire.OrderAck, request: OrderRequest) -> Order:
    """The venue's acknowledgement of a placed order (its ids and a time): the order as requested, open,
    unfilled."""
    if not ack.ordId:
        raise UpstreamDecodeError("an order placement answered without an order id", exchange=EXCHANGE_ID)
    return Order(
        id=ack.ordId,
        client_order_id=ack.clOrdId or request.client_order_id,
        exchange_id=EXCHANGE_ID,
        symbol=request.market.symbol,
        type=request.type,
        side=request.side,
        price=request.price if request.type is OrderType.LIMIT else None,
        amount=request.amount,
        filled=Decimal(0),
        remaining=request.amount,
        cost=Decimal(0),
        status=OrderStatus.OPEN,
        timestamp=int(ack.ts) if ack.ts else None,
        info=ack,
    )
