"""Order books, trades, candles and ticker lists through the ccxt engine equal the recordings.

The same path and rules as test_recorded.py (adapter -> ccxt -> VenueClient -> recorded local upstream;
ccxt's comparison rules; plain ccxt 4.5.90 as a second oracle), for the other market-data calls.
"""

from __future__ import annotations

from typing import Any

import pytest

from exchangeql.clock import iso8601
from exchangeql.errors import UpstreamDecodeError
from exchangeql.exchanges.ccxt_bridge import CcxtAdapter
from exchangeql.models import Candle, Market, MarketIndex, OrderBook, Trade

from . import (
    BITHUMB_V1,
    Case,
    Fixture,
    Upstream,
    adapter_markets,
    assert_same,
    ccxt_adapter,
    ccxt_oracle,
    differences,
    fixture_ids,
    load_fixture,
    market_routes,
    markets_source,
    oracle_markets,
    unified_ticker,
)

METHODS = ("fetchOrderBook", "fetchTrades", "fetchOHLCV", "fetchTickers")

# Recorded values that ccxt 4.5.90 itself no longer reproduces (see test_recorded.KNOWN_DIFFERENCES).
KNOWN_DIFFERENCES: dict[tuple[str, str, str], dict[str, str]] = {
    ("whitebit", "fetchTrades", "public spot trades"): {
        "[0].cost": "4.5.90: price x amount = 235.23618404; the recording has 0.00023523618404",
    },
}

# Recordings ccxt 4.5.90 cannot read: the bithumb /v1 answers (see test_recorded.BITHUMB_V1).
KNOWN_INCOMPATIBLE: dict[tuple[str, str], tuple[str, type[Exception]]] = {
    ("bithumb", "fetchOrderBook"): (BITHUMB_V1, AssertionError),  # an empty book
    ("bithumb", "fetchTrades"): (BITHUMB_V1, UpstreamDecodeError),  # trades without a price
    ("bithumb", "fetchOHLCV"): (BITHUMB_V1, UpstreamDecodeError),  # ccxt's parser fails
}


def unified_book(book: OrderBook) -> dict[str, Any]:
    return {
        "symbol": book.symbol,
        "timestamp": book.timestamp,
        "datetime": iso8601(book.timestamp),
        "nonce": book.nonce,
        "bids": [[level.price, level.amount] for level in book.bids],
        "asks": [[level.price, level.amount] for level in book.asks],
    }


def unified_trade(trade: Trade) -> dict[str, Any]:
    return {
        "id": trade.id,
        "timestamp": trade.timestamp,
        "datetime": iso8601(trade.timestamp),
        "symbol": trade.symbol,
        "side": None if trade.side is None else trade.side.value,
        "price": trade.price,
        "amount": trade.amount,
        "cost": trade.cost,
        "takerOrMaker": trade.taker_or_maker,
        "order": trade.order,
    }


def unified_candle(candle: Candle) -> list[Any]:
    return [candle.timestamp, candle.open, candle.high, candle.low, candle.close, candle.volume]


def _only_price_and_amount(book: Any) -> Any:
    """ccxt levels may carry a third element (order count, id) that our levels do not model."""
    if isinstance(book, dict):
        for side in ("bids", "asks"):
            book[side] = [level[:2] for level in book.get(side) or []]
    return book


async def _call(adapter: CcxtAdapter, case: Case, markets: dict[str, Market]) -> tuple[Any, Any]:
    """(our result in ccxt's unified shape, the arguments to replay on the oracle)."""
    args = case.args()
    if case.method == "fetchTickers":
        symbols = args[0] if args else None
        wanted = None if symbols is None else [markets[s] for s in symbols]
        tickers = await adapter.fetch_tickers(MarketIndex.of(markets.values()), wanted)
        return {t.symbol: unified_ticker(t) for t in tickers}, [symbols]
    market = markets[args[0]]
    if case.method == "fetchOrderBook":
        limit = args[1] if len(args) > 1 else None
        return unified_book(await adapter.fetch_order_book(market, limit)), [market.symbol, limit]
    if case.method == "fetchTrades":
        limit = args[2] if len(args) > 2 else None
        trades = await adapter.fetch_trades(market, limit)
        return [unified_trade(t) for t in trades], [market.symbol, None, limit]
    timeframe, since, limit = [*args[1:], None, None, None][:3]
    timeframe = timeframe or "1m"  # ccxt's default
    candles = await adapter.fetch_ohlcv(market, timeframe, since, limit)
    return [unified_candle(c) for c in candles], [market.symbol, timeframe, since, limit]


def _skip_reason(f: Fixture, case: Case) -> str | None:
    if markets_source(f) is None:
        return f"{f.exchange}: no recorded markets (no markets file, no fetchMarkets case)"
    args = case.args()
    extra = {"fetchTrades": 3, "fetchOHLCV": 4, "fetchOrderBook": 2}.get(case.method)
    if extra is not None and len(args) > extra and args[extra]:
        return f"{f.exchange}: the case passes ccxt params the gateway does not pass ({args[extra]})"
    if case.method == "fetchTrades" and len(args) > 1 and args[1] is not None:
        return f"{f.exchange}: trades since a time are not part of the Adapter protocol"
    return None


def _cases() -> list[Any]:
    params = []
    for exchange_id in fixture_ids():
        for method in METHODS:
            for case in load_fixture(exchange_id).of(method):
                known = KNOWN_INCOMPATIBLE.get((exchange_id, method))
                marks = [pytest.mark.xfail(strict=True, reason=known[0], raises=known[1])] if known else []
                case_id = f"{exchange_id}-{method}-{case.description}"
                params.append(pytest.param(exchange_id, method, case.description, id=case_id, marks=marks))
    return params


@pytest.mark.parametrize(("exchange_id", "method", "description"), _cases())
async def test_market_data_equals_recording(exchange_id: str, method: str, description: str) -> None:
    f = load_fixture(exchange_id)
    (case,) = [c for c in f.of(method) if c.description == description]
    reason = _skip_reason(f, case)
    if reason is not None:
        pytest.skip(reason)
    upstream = Upstream(market_routes(f) + case.routes())
    async with ccxt_adapter(exchange_id, upstream) as adapter:
        markets = await adapter_markets(adapter, f)
        args = case.args()
        symbols = args[0] if method == "fetchTickers" and args else [args[0]]
        missing = [s for s in symbols or [] if s not in markets]
        if missing:
            pytest.skip(
                f"{exchange_id}: {', '.join(missing)} not among the recorded markets ({', '.join(markets)})"
            )
        ours, replay = await _call(adapter, case, markets)
    recorded = _only_price_and_amount(case.parsed()) if method == "fetchOrderBook" else case.parsed()
    known = KNOWN_DIFFERENCES.get((exchange_id, method, description), {})
    assert_same(differences(ours, recorded, frozenset(f.skipKeys)), known)

    # Plain ccxt 4.5.90 on the same recordings agrees with the adapter.
    async with ccxt_oracle(exchange_id, upstream) as oracle:
        await oracle_markets(oracle, f)
        call = {
            "fetchOrderBook": oracle.fetch_order_book,
            "fetchTrades": oracle.fetch_trades,
            "fetchOHLCV": oracle.fetch_ohlcv,
            "fetchTickers": oracle.fetch_tickers,
        }[method]
        expected = await call(*replay)
    if method == "fetchOrderBook":
        expected = _only_price_and_amount(expected)
    assert not differences(_without_datetime(ours), expected)


def _without_datetime(tree: Any) -> Any:
    """Ours is derived from the timestamp; ccxt may keep the venue's own text (microseconds and all)."""
    if isinstance(tree, dict):
        return {k: _without_datetime(v) for k, v in tree.items() if k != "datetime"}
    if isinstance(tree, list):
        return [_without_datetime(v) for v in tree]
    return tree
