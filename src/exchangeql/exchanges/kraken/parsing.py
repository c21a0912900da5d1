"""Kraken spot wire Structs -> domain models. Pure: no clock, no I/O, no state beyond a memo of ticks.

Values match what ccxt 4.5.90 derives from the same payload, as exact decimals:
- market: tick sizes from `pair_decimals` / `lot_decimals` (10^-decimals), active when status is
  "online"; amount min from `ordermin`, cost min from `costmin`.
- ticker: bid/ask volume are the lot volumes at the best bid/ask (b[2], a[2]); high, low, vwap and base
  volume are the rolling 24 h values (index 1); open is today's opening price (`o`, UTC midnight), so
  change is last - open and percentage is change / open * 100 truncated at 18 decimals; quote volume is
  base volume * 24 h vwap, exact; `average` is (open + last) / 2 truncated to the market's price decimals.
  Kraken's ticker carries no time: timestamp is None.
- trade: "s" is a sell, anything else a buy; time (seconds with a fraction) * 1000, truncated to ms.
- balance: `balance` is the total, `hold_trade` (held by open orders) is used, free is the difference.
- order: the price is the limit price (`descr.price2` for stop-loss and take-profit orders, whose `price`
  is the trigger); a market order's is the average fill price (`price`). Cost is filled * average fill price
  (or * limit price while unfilled), as ccxt computes it (Kraken's own `cost` is rounded); the fee is in the
  quote currency with the "fciq" flag, in the base with "fcib". Stop and take-profit orders are market or
  limit orders by their execution; trailing stops, iceberg and settle-position orders are not modelled and
  are left out of lists.
Deliberate differences: `base_id`/`quote_id` keep Kraken's asset ids (XXBT, ZUSD) where ccxt 4.5.90
reports the unified codes there; synthetic ":BTNL" pairs are left out (their ccxt symbol is the raw id,
which is no unified symbol); ccxt's amount tick also widens to the asset's decimals when it has fetched
/0/public/Assets first, which we do not call (one call fewer per markets load). An order's `userref` 0 is
"no reference", so it is no client order id (ccxt reports "0"). AddOrder answers only the order's id and
description: the order it returns is the request, open and unfilled (ccxt leaves status, filled and
client order id empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
from .constants import CURRENCY_ALIASES, EXCHANGE_ID, VENUE_ASSETS
from .schemas import (
    AddOrderResult,
    AssetPair,
    DepthBook,
    ExtendedBalance,
    OhlcResult,
    OhlcRow,
    OrderInfo,
    TickerInfo,
    TradeRow,
    TradesResult,
)

T = TypeVar("T")

# Arithmetic runs under this context (set once per call with localcontext, so operators stay cheap):
# 60 digits keep sums and products of venue numbers exact; ROUND_DOWN is ccxt's truncation.
_EXACT = Context(prec=60, rounding=ROUND_DOWN)
_TWO = Decimal(2)
_HUNDRED = Decimal(100)
_THOUSAND = Decimal(1000)
_CCXT_DEFAULT_QUANTUM = Decimal("1e-18")  # ccxt truncates derived values at 18 decimals unless told


def currency_code(asset: str) -> str:
    """Kraken asset id -> unified currency code: XXBT -> BTC, ZUSD -> USD, XBT.M -> BTC.M."""
    code = asset.upper()
    if "." in code:  # staked/margin variants (XBT.M, ETH2.S): the suffix stays, the asset is renamed
        head, _, suffix = code.partition(".")
        return f"{CURRENCY_ALIASES.get(head, head)}.{suffix}"
    return CURRENCY_ALIASES.get(code, code)


def venue_asset(code: str) -> str:
    """Unified currency code -> the asset id Kraken's AssetPairs uses: BTC -> XXBT, USD -> ZUSD."""
    return VENUE_ASSETS.get(code, code)


def tick(decimals: int) -> Decimal:
    """10^-decimals as a tick size: 1 -> 0.1, 0 -> 1."""
    return Decimal(1).scaleb(-decimals)


# --- markets ----------------------------------------------------------------------------------------------


def parse_market(pair_id: str, info: AssetPair) -> Market:
    base, quote = currency_code(info.base), currency_code(info.quote)
    return Market(
        symbol=f"{base}/{quote}",
        id=pair_id,
        base=base,
        quote=quote,
        base_id=info.base,
        quote_id=info.quote,
        type=MarketType.SPOT,
        active=info.status == "online",
        precision=Precision(price=tick(info.pair_decimals), amount=tick(info.lot_decimals)),
        limits=Limits(amount=MinMax(info.ordermin), cost=MinMax(info.costmin)),
        info=info,
    )


def parse_markets(result: Mapping[str, AssetPair]) -> list[Market]:
    """Every pair of /0/public/AssetPairs, in the venue's order (Kraken lists spot pairs only)."""
    return [parse_market(pair_id, info) for pair_id, info in result.items() if ":BTNL" not in pair_id]


def pick(result: Mapping[str, T], market: Market) -> T | None:
    """The entry of a per-pair `result` for `market`.

    Kraken keys it by the pair id asked for, though some answers use the websocket name instead
    (ccxt issue 8662); an answer with a single entry is that pair's whatever its key.
    """
    entry = result.get(market.id)
    if entry is None and isinstance(market.info, AssetPair) and market.info.wsname is not None:
        entry = result.get(market.info.wsname)
    if entry is None and len(result) == 1:
        entry = next(iter(result.values()))
    return entry


def trade_rows(result: TradesResult) -> dict[str, list[TradeRow]]:
    """The per-pair entries of a Trades `result`, without its "last" cursor."""
    return {key: rows for key, rows in result.items() if isinstance(rows, list)}


def ohlc_rows(result: OhlcResult) -> dict[str, list[OhlcRow]]:
    """The per-pair entries of an OHLC `result`, without its "last" time."""
    return {key: rows for key, rows in result.items() if isinstance(rows, list)}


# --- tickers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)  # a handful of distinct ticks across all markets
def _average_quantum(tick_size: Decimal | None) -> Decimal:
    """The unit of the last price decimal: tick 0.1 -> 0.1, tick 1 -> 1."""
    if tick_size is None:
        return _CCXT_DEFAULT_QUANTUM
    exponent = tick_size.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: ticks are positive numbers
    return Decimal(1).scaleb(min(exponent, 0))


def _ticker(raw: TickerInfo, market: Market, quantum: Decimal) -> Ticker:
    """Runs under the _EXACT context (see parse_ticker): the operators below are exact or truncate."""
    open_ = raw.o or None
    last = raw.c[0] or None
    base_volume = raw.v[1]
    vwap = raw.p[1]
    change = percentage = average = None
    if open_ is not None and last is not None:
        change = last - open_
        percentage = (change / open_).quantize(_CCXT_DEFAULT_QUANTUM) * _HUNDRED
        average = ((open_ + last) / _TWO).quantize(quantum)
    bid, ask = raw.b, raw.a
    # Positional: this runs once per pair on the all-tickers path, and keywords cost a third more.
    return Ticker(
        EXCHANGE_ID,
        market.symbol,
        None,  # timestamp: Kraken's ticker has none
        bid[0] or None,  # bid
        bid[2],  # bid_volume
        ask[0] or None,  # ask
        ask[2],  # ask_volume
        last,  # last
        open_,  # open
        raw.h[1] or None,  # high
        raw.l[1] or None,  # low
        last,  # close
        None,  # previous_close
        base_volume,  # base_volume
        base_volume * vwap,  # quote_volume
        change,  # change
        percentage,  # percentage
        vwap,  # vwap
        average,  # average
        raw,  # info
    )


def parse_ticker(raw: TickerInfo, market: Market) -> Ticker:
    with localcontext(_EXACT):
        return _ticker(raw, market, _average_quantum(market.precision.price))


def parse_tickers(result: Mapping[str, TickerInfo], index: MarketIndex) -> list[Ticker]:
    """The all-pairs hot path: tickers of pair ids not in `index` (delisted, synthetic) are skipped."""
    by_id = index.by_id
    quantum_of = _average_quantum
    tickers: list[Ticker] = []
    append = tickers.append
    with localcontext(_EXACT):
        for pair_id, raw in result.items():
            market = by_id.get(pair_id)
            if market is not None:
                append(_ticker(raw, market, quantum_of(market.precision.price)))
    return tickers


# --- order book, trades, candles --------------------------------------------------------------------------


def parse_order_book(raw: DepthBook, market: Market, limit: int | None = None) -> OrderBook:
    """Levels as sent (bids down, asks up), cut to `limit`. Levels carry times, the book does not."""
    return OrderBook(
        exchange_id=EXCHANGE_ID,
        symbol=market.symbol,
        timestamp=None,
        bids=tuple(OrderBookLevel(price, amount) for price, amount, _ in raw.bids[:limit]),
        asks=tuple(OrderBookLevel(price, amount) for price, amount, _ in raw.asks[:limit]),
    )


def _trade(raw: TradeRow, market: Market) -> Trade:
    return Trade(
        id=None if raw.trade_id is None else str(raw.trade_id),
        timestamp=int(raw.time * _THOUSAND),  # int() truncates, as ccxt's int(float * 1000)
        symbol=market.symbol,
        side=Side.SELL if raw.side == "s" else Side.BUY,
        price=raw.price,
        amount=raw.volume,
        cost=raw.price * raw.volume,  # exact under _EXACT
        info=raw,
    )


def parse_trades(rows: Iterable[TradeRow], market: Market, limit: int | None = None) -> list[Trade]:
    """Trades oldest first, as Kraken sends them; the newest `limit` when given."""
    with localcontext(_EXACT):
        trades = [_trade(raw, market) for raw in rows]
    return trades if limit is None else trades[-limit:] if limit else []


def parse_ohlcv(rows: Iterable[OhlcRow], since: int | None = None, limit: int | None = None) -> list[Candle]:
    """Candles oldest first; volume is the base volume (not the vwap at index 5).

    Kraken answers up to 720 candles from `since` (or the latest 720). As ccxt does, candles opening
    before `since` are dropped, then the first `limit` are kept after a `since`, the last `limit` without.
    """
    candles = [Candle(row.time * 1000, row.open, row.high, row.low, row.close, row.volume) for row in rows]
    if since is not None:
        candles = [candle for candle in candles if candle.timestamp >= since]
        return candles if limit is None else candles[:limit]
    return candles if limit is None else candles[-limit:] if limit else []


# --- account and orders (private endpoints) ---------------------------------------------------------------


def parse_balances(result: Mapping[str, ExtendedBalance]) -> list[Balance]:
    """Every asset of /0/private/BalanceEx: `balance` is the total, `hold_trade` is used."""
    with localcontext(_EXACT):
        return [
            Balance(currency_code(asset), b.balance - b.hold_trade, b.hold_trade, b.balance)
            for asset, b in result.items()
        ]


ORDER_STATUS = {
    "pending": OrderStatus.OPEN,  # accepted, not on the book yet
    "open": OrderStatus.OPEN,
    "closed": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
}

# Kraken order types -> ours, by how the order executes once triggered (ccxt 4.5.90's reading). Trailing
# stops, iceberg and settle-position orders are not modelled.
ORDER_TYPE = {
    "market": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "stop-loss": OrderType.MARKET,
    "take-profit": OrderType.MARKET,
    "stop-loss-limit": OrderType.LIMIT,
    "take-profit-limit": OrderType.LIMIT,
    "trailing-stop-limit": OrderType.LIMIT,
}

_TRIGGERED = ("stop-loss", "take-profit")  # `price` is the trigger, `price2` the limit


def pair_lookup(index: MarketIndex) -> dict[str, Market]:
    """Markets by pair id and by altname: order descriptions name the pair by its altname (XBTUSDT)."""
    lookup: dict[str, Market] = {}
    for market in index.markets:
        if isinstance(market.info, AssetPair):
            lookup.setdefault(market.info.altname, market)
    lookup.update(index.by_id)
    return lookup


def _price(text: str | None) -> Decimal | None:
    """A price of an order description: "0", "" and percentages (trailing offsets) are no price."""
    if not text or text.endswith("%"):
        return None
    return Decimal(text) or None


def _client_order_id(raw: OrderInfo) -> str | None:
    if raw.cl_ord_id:
        return raw.cl_ord_id
    if raw.userref is None or str(raw.userref) in ("", "0"):
        return None
    return str(raw.userref)


def _fee(raw: OrderInfo, market: Market) -> Fee | None:
    if "fciq" in raw.oflags:
        return Fee(raw.fee, market.quote)
    if "fcib" in raw.oflags:
        return Fee(raw.fee, market.base)
    return None


def parse_order(order_id: str, raw: OrderInfo, market: Market) -> Order | None:
    """One order of QueryOrders, OpenOrders or ClosedOrders (keyed by `order_id`); None for order types we
    do not model."""
    kind = raw.descr.ordertype or ""
    order_type = ORDER_TYPE.get(kind)
    if order_type is None:
        return None
    status = ORDER_STATUS.get(raw.status)
    if status is None:
        raise UpstreamDecodeError(
            f"order {order_id} has an unknown status {raw.status!r}", exchange=EXCHANGE_ID
        )
    with localcontext(_EXACT):
        average = raw.price or None
        if kind.startswith(_TRIGGERED):
            price = _price(raw.descr.price2)
        else:
            price = _price(raw.descr.price)
            if price is None:
                price = (raw.limitprice or None) if raw.limitprice is not None else _price(raw.descr.price2)
        if price is None and order_type is OrderType.MARKET:
            price = average
        reference = average if average is not None else price
        filled = raw.vol_exec
        return Order(
            id=order_id,
            client_order_id=_client_order_id(raw),
            exchange_id=EXCHANGE_ID,
            symbol=market.symbol,
            type=order_type,
            side=Side.SELL if raw.descr.type == "sell" else Side.BUY,
            price=price,
            amount=raw.vol,
            filled=filled,
            remaining=raw.vol - filled,
            cost=filled * reference if reference is not None else raw.cost,
            status=status,
            timestamp=int(raw.opentm * _THOUSAND),  # truncated to ms, as ccxt's safe_timestamp
            fee=_fee(raw, market),
            info=raw,
        )


def parse_orders(
    orders: Mapping[str, OrderInfo], markets: Mapping[str, Market], only: Market | None = None
) -> list[Order]:
    """Orders of known pairs (of `only`, when given) and modelled types, in the venue's order."""
    parsed: list[Order] = []
    for order_id, raw in orders.items():
        market = markets.get(raw.descr.pair or "")
        if market is None or (only is not None and market.symbol != only.symbol):
            continue
        order = parse_order(order_id, raw, market)
        if order is not None:
            parsed.append(order)
    return parsed


def parse_new_order(result: AddOrderResult, request: OrderRequest) -> Order:
    """AddOrder's answer (the new order's id and a description): the order as requested, open, unfilled."""
    if not result.txid:
        raise UpstreamDecodeError("AddOrder answered without an order id", exchange=EXCHANGE_ID)
    return Order(
        id=result.txid[0],
        client_order_id=request.client_order_id,
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
        timestamp=None,
        info=result,
    )
