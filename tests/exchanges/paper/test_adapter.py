"""The paper adapter: the Adapter protocol over the simulator and one account, and its registry SPEC."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from exchangeql.errors import BadRequest, BadSymbol, OrderNotFound
from exchangeql.exchanges.base import Adapter, Engine, Method, Support
from exchangeql.exchanges.paper.adapter import SPEC, PaperAdapter
from exchangeql.models import Balance, MarketIndex, OrderRequest, OrderStatus, OrderType, Side
from exchangeql.settings import Settings

from . import T0, ManualClock


def make(seed: int = 42, clock: ManualClock | None = None) -> PaperAdapter:
    return PaperAdapter(seed, clock=clock or ManualClock())


def test_spec_builds_the_adapter_from_settings_without_a_client() -> None:
    assert (SPEC.id, SPEC.name, SPEC.engine, SPEC.aliases) == ("paper", "Paper (simulated)", Engine.PAPER, ())
    assert SPEC.rate_limit is None and SPEC.errors is None
    adapter = SPEC.factory(None, Settings(paper_seed=7))
    assert isinstance(adapter, PaperAdapter)
    assert adapter.id == "paper" and adapter.simulator.seed == 7
    assert isinstance(SPEC.factory(None, Settings()), PaperAdapter)


def test_capabilities_and_timeframes() -> None:
    adapter: Adapter = make()
    assert dict(adapter.capabilities) == {method: Support.NATIVE for method in Method}
    assert list(adapter.timeframes) == ["1m", "5m", "15m", "1h", "4h", "1d"]


async def test_same_seed_and_clock_agree_and_other_seeds_differ() -> None:
    clock = ManualClock()
    a, b, other = make(42, clock), make(42, clock), make(1, clock)
    markets = await a.fetch_markets()
    assert markets == await b.fetch_markets()
    for market in markets:
        assert await a.fetch_ticker(market) == await b.fetch_ticker(market)
        assert await a.fetch_order_book(market, None) == await b.fetch_order_book(market, None)
        assert await a.fetch_trades(market, None) == await b.fetch_trades(market, None)
        assert await a.fetch_ohlcv(market, "15m", None, None) == await b.fetch_ohlcv(
            market, "15m", None, None
        )
        assert (await a.fetch_ticker(market)).last != (await other.fetch_ticker(market)).last
    clock.advance(3600)
    assert await a.fetch_tickers(MarketIndex.of(markets), None) == await b.fetch_tickers(
        MarketIndex.of(markets), None
    )


async def test_public_methods_answer_with_defaults_and_bounded_limits() -> None:
    adapter = make()
    markets = await adapter.fetch_markets()
    btc = next(m for m in markets if m.symbol == "BTC/USDT")
    book = await adapter.fetch_order_book(btc, None)
    assert (len(book.bids), len(book.asks)) == (20, 20)
    assert len((await adapter.fetch_order_book(btc, 5)).asks) == 5
    assert len((await adapter.fetch_order_book(btc, 5000)).asks) == 100  # the simulated book's depth
    assert len(await adapter.fetch_trades(btc, None)) == 50
    assert len(await adapter.fetch_trades(btc, 5000)) == 1000
    candles = await adapter.fetch_ohlcv(btc, "1h", None, None)
    assert len(candles) == 100 and candles[-1].timestamp == T0 - T0 % 3_600_000
    since = candles[10].timestamp
    assert (await adapter.fetch_ohlcv(btc, "1h", since, 3)) == candles[10:13]
    tickers = await adapter.fetch_tickers(MarketIndex.of(markets), [btc])
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert [t.symbol for t in await adapter.fetch_tickers(MarketIndex.of(markets), None)] == [
        m.symbol for m in markets
    ]
    with pytest.raises(BadRequest, match="unsupported timeframe"):
        await adapter.fetch_ohlcv(btc, "3m", None, None)
    with pytest.raises(BadRequest, match="limit"):
        await adapter.fetch_trades(btc, 0)


async def test_an_unknown_market_is_a_bad_symbol() -> None:
    adapter = make()
    btc = (await adapter.fetch_markets())[0]
    doge = dataclasses.replace(btc, symbol="DOGE/USDT", id="DOGEUSDT", base="DOGE", base_id="DOGE")
    with pytest.raises(BadSymbol) as raised:
        await adapter.fetch_ticker(doge)
    assert raised.value.exchange == "paper"
    with pytest.raises(BadSymbol):
        await adapter.fetch_order_book(doge, None)
    with pytest.raises(BadSymbol):
        await adapter.create_order(OrderRequest(doge, Side.BUY, OrderType.MARKET, Decimal(1), None, "d"))


async def test_trading_through_the_adapter_follows_its_clock() -> None:
    clock = ManualClock()
    adapter = make(clock=clock)
    btc = next(m for m in await adapter.fetch_markets() if m.symbol == "BTC/USDT")
    assert await adapter.fetch_balance() == [
        Balance("BTC", Decimal(10), Decimal(0), Decimal(10)),
        Balance("ETH", Decimal(100), Decimal(0), Decimal(100)),
        Balance("USDT", Decimal(100_000), Decimal(0), Decimal(100_000)),
    ]
    ticker = await adapter.fetch_ticker(btc)
    assert ticker.last is not None
    low = (ticker.last * Decimal("0.5")).quantize(Decimal("0.01"))
    resting = await adapter.create_order(
        OrderRequest(btc, Side.BUY, OrderType.LIMIT, Decimal("0.1"), low, "r1")
    )
    taken = await adapter.create_order(
        OrderRequest(btc, Side.SELL, OrderType.MARKET, Decimal("0.1"), None, "t1")
    )
    assert (resting.status, taken.status) == (OrderStatus.OPEN, OrderStatus.CLOSED)
    assert resting.timestamp == T0 and resting.exchange_id == "paper"

    clock.advance(600)
    assert [o.id for o in await adapter.fetch_open_orders(btc)] == [resting.id]
    assert await adapter.fetch_open_orders(dataclasses.replace(btc, symbol="ETH/USDT")) == []
    assert (await adapter.fetch_order(None, None, "t1")).filled == Decimal("0.1")
    canceled = await adapter.cancel_order(btc, resting.id, None)
    assert canceled.status is OrderStatus.CANCELED
    with pytest.raises(OrderNotFound):
        await adapter.fetch_order(btc, "404", None)
    usdt = next(b for b in await adapter.fetch_balance() if b.currency == "USDT")
    assert usdt.used == 0 and usdt.free == 100_000 + taken.cost - taken.fee.cost  # type: ignore[union-attr]


async def test_an_account_state_restores_into_a_new_adapter() -> None:
    clock = ManualClock()
    first = make(clock=clock)
    btc = (await first.fetch_markets())[0]
    await first.create_order(
        OrderRequest(btc, Side.BUY, OrderType.LIMIT, Decimal("0.2"), Decimal("1000.00"), "k")
    )
    second = PaperAdapter(42, clock=clock, account_state=first.account.snapshot())
    assert await second.fetch_balance() == await first.fetch_balance()
    assert await second.fetch_open_orders(None) == await first.fetch_open_orders(None)
    custom = PaperAdapter(42, clock=clock, balances={"USDT": Decimal("5")})
    assert await custom.fetch_balance() == [Balance("USDT", Decimal(5), Decimal(0), Decimal(5))]
