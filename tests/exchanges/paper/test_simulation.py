"""The market simulator: determinism under a seed, and every answer consistent with every other."""

from __future__ import annotations

import itertools
import statistics
import time
from decimal import Decimal

import pytest

from exchangeql.errors import BadRequest, BadSymbol
from exchangeql.exchanges.paper.simulation import BOOK_DEPTH, TIMEFRAMES, MarketSimulator
from exchangeql.models import Candle, Side

from . import T0

SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC")
# A few moments: T0, just after a UTC midnight, just before one, and a year later.
MOMENTS = (T0, 1_718_064_000_000 + 5_000, 1_718_064_000_000 - 1_000, T0 + 365 * 86_400_000 + 123_456)


@pytest.fixture(scope="module")
def sim() -> MarketSimulator:
    return MarketSimulator(42)


def on_grid(value: Decimal, step: Decimal) -> bool:
    """A multiple of `step`, written with exactly its decimals (60000.10, not 60000.1)."""
    return value % step == 0 and value.as_tuple().exponent == step.as_tuple().exponent


def aggregate(candles: list[Candle]) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    return (
        candles[0].open,
        max(c.high for c in candles),
        min(c.low for c in candles),
        candles[-1].close,
        sum((c.volume for c in candles), Decimal(0)),
    )


# -- markets -----------------------------------------------------------------------------------------


def test_markets_declare_precision_and_limits(sim: MarketSimulator) -> None:
    markets = {m.symbol: m for m in sim.markets()}
    assert set(markets) == set(SYMBOLS)
    btc = markets["BTC/USDT"]
    assert (btc.base, btc.quote, btc.id) == ("BTC", "USDT", "BTCUSDT")
    assert btc.precision.price == Decimal("0.01")
    assert btc.precision.amount == Decimal("0.00001")
    assert btc.limits.amount.min == Decimal("0.00001")
    assert btc.limits.amount.max == Decimal("9000")
    assert btc.limits.price.min == Decimal("0.01")
    assert btc.limits.cost.min == Decimal("5")
    assert markets["ETH/BTC"].precision.price == Decimal("0.00001")
    for market in markets.values():
        assert market.active and market.precision.price and market.precision.amount
    with pytest.raises(BadSymbol):
        sim.market("DOGE/USDT")


def test_prices_are_plausible_and_the_cross_matches_its_legs(sim: MarketSimulator) -> None:
    deviations = []
    for k in range(60):
        now = T0 + k * 7_919_000  # about 5.5 days apart, at odd seconds
        btc = sim.ticker("BTC/USDT", now).last
        eth = sim.ticker("ETH/USDT", now).last
        cross = sim.ticker("ETH/BTC", now).last
        assert btc is not None and eth is not None and cross is not None
        assert Decimal(30_000) < btc < Decimal(120_000)
        assert Decimal(1_500) < eth < Decimal(6_000)
        assert Decimal("0.03") < cross < Decimal("0.08")
        deviations.append(abs(float(cross / (eth / btc)) - 1))
    assert statistics.median(deviations) < 0.001
    assert max(deviations) < 0.015


# -- determinism -------------------------------------------------------------------------------------


def test_same_seed_same_time_same_answers_whatever_was_asked_before() -> None:
    a, b = MarketSimulator(42), MarketSimulator(42)
    # `a` walks through a long past first, evicting its caches; `b` is asked cold.
    for day in range(0, 400, 10):
        a.candles("ETH/BTC", "1h", T0 - day * 86_400_000, 3, T0)
    for symbol in SYMBOLS:
        for now in MOMENTS:
            assert a.ticker(symbol, now) == b.ticker(symbol, now)
            assert a.order_book(symbol, now, 50) == b.order_book(symbol, now, 50)
            assert a.trades(symbol, now, 80) == b.trades(symbol, now, 80)
            for timeframe in TIMEFRAMES:
                assert a.candles(symbol, timeframe, None, 30, now) == b.candles(
                    symbol, timeframe, None, 30, now
                )


def test_different_seeds_differ() -> None:
    a, b = MarketSimulator(42), MarketSimulator(43)
    for symbol in SYMBOLS:
        assert a.ticker(symbol, T0).last != b.ticker(symbol, T0).last
        assert a.candles(symbol, "1m", None, 10, T0) != b.candles(symbol, "1m", None, 10, T0)


def test_time_is_discrete_in_one_second_steps(sim: MarketSimulator) -> None:
    start = T0 - T0 % 1000
    assert sim.ticker("BTC/USDT", start) == sim.ticker("BTC/USDT", start + 999)
    assert sim.ticker("BTC/USDT", start).timestamp == start
    later = [sim.ticker("BTC/USDT", start + k * 1000).last for k in range(1, 30)]
    assert len(set(later)) > 5  # the price moves


# -- consistency -------------------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("now", MOMENTS)
def test_ticker_book_trades_and_candles_agree(sim: MarketSimulator, symbol: str, now: int) -> None:
    ticker = sim.ticker(symbol, now)
    book = sim.order_book(symbol, now, BOOK_DEPTH)
    trades = sim.trades(symbol, now, 120)
    assert ticker.bid is not None and ticker.ask is not None and ticker.last is not None
    assert ticker.open is not None and ticker.high is not None and ticker.low is not None
    assert ticker.bid < ticker.last < ticker.ask
    assert (ticker.bid, ticker.bid_volume) == (book.bids[0].price, book.bids[0].amount)
    assert (ticker.ask, ticker.ask_volume) == (book.asks[0].price, book.asks[0].amount)
    assert ticker.close == ticker.last == trades[-1].price
    assert ticker.low <= min(ticker.open, ticker.last) <= max(ticker.open, ticker.last) <= ticker.high
    assert ticker.change == ticker.last - ticker.open
    assert ticker.percentage == (ticker.change * 100 / ticker.open).quantize(Decimal("0.001"))
    assert ticker.vwap is not None and ticker.low <= ticker.vwap <= ticker.high
    assert ticker.timestamp == book.timestamp == trades[-1].timestamp == now - now % 1000

    for timeframe in TIMEFRAMES:
        candles = sim.candles(symbol, timeframe, None, 50, now)
        assert candles[-1].close == ticker.last, timeframe

    minutes = {c.timestamp: c for c in sim.candles(symbol, "1m", None, 5, now)}
    stamps = [t.timestamp or 0 for t in trades]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    for trade, stamp in zip(trades, stamps, strict=True):
        assert trade.amount > 0 and trade.cost == trade.price * trade.amount
        candle = minutes[stamp - stamp % 60_000]
        assert candle.low <= trade.price <= candle.high
    for previous, trade in itertools.pairwise(trades):
        if trade.price != previous.price:
            assert trade.side is (Side.BUY if trade.price > previous.price else Side.SELL)


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_the_24h_window_is_the_last_1440_minutes(sim: MarketSimulator, symbol: str) -> None:
    now = MOMENTS[1]
    ticker = sim.ticker(symbol, now)
    minutes = sim.candles(symbol, "1m", None, 1440, now)
    assert minutes[0].timestamp == now - now % 60_000 - 1439 * 60_000
    assert (ticker.open, ticker.high, ticker.low, ticker.last, ticker.base_volume) == aggregate(minutes)


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_candles_of_every_timeframe_aggregate_the_same_path(sim: MarketSimulator, symbol: str) -> None:
    now = MOMENTS[0]
    by_timeframe = {tf: sim.candles(symbol, tf, None, 60, now) for tf in TIMEFRAMES}
    for timeframe, candles in by_timeframe.items():
        span = TIMEFRAMES[timeframe] * 1000
        assert len(candles) == 60
        assert [c.timestamp for c in candles] == [candles[0].timestamp + i * span for i in range(60)]
        assert candles[0].timestamp % span == 0
        for c in candles:
            assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high
            assert c.volume > 0
    # Each finished coarse candle is exactly its finer candles.
    pairs = (("1m", "5m", 5), ("5m", "15m", 3), ("15m", "1h", 4), ("1h", "4h", 4), ("4h", "1d", 6))
    for fine, coarse, n in pairs:
        for candle in by_timeframe[coarse][-4:-1]:
            parts = sim.candles(symbol, fine, candle.timestamp, n, now)
            assert parts[0].timestamp == candle.timestamp
            assert aggregate(parts) == (candle.open, candle.high, candle.low, candle.close, candle.volume)


def test_candles_since_and_limit(sim: MarketSimulator) -> None:
    hour = T0 - T0 % 3_600_000
    since = hour - 3 * 3_600_000 + 1  # just after an hour boundary: the next hour is the first
    candles = sim.candles("BTC/USDT", "1h", since, 10, T0)
    # Up to the current, partial hour.
    assert [c.timestamp for c in candles] == [hour - 2 * 3_600_000, hour - 3_600_000, hour]
    assert len(sim.candles("BTC/USDT", "1h", since, 2, T0)) == 2
    assert sim.candles("BTC/USDT", "1h", T0 + 3_600_000, 10, T0) == []
    assert len(sim.candles("BTC/USDT", "1d", 0, 7, T0)) == 7  # from the epoch on
    with pytest.raises(BadRequest):
        sim.candles("BTC/USDT", "2h", None, 10, T0)


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_books_are_sorted_on_the_grid_around_the_last_price(sim: MarketSimulator, symbol: str) -> None:
    market = sim.market(symbol)
    tick, step = market.precision.price, market.precision.amount
    assert tick is not None and step is not None
    for now in MOMENTS:
        book = sim.order_book(symbol, now, BOOK_DEPTH)
        assert len(book.bids) == len(book.asks) == BOOK_DEPTH
        bids = [level.price for level in book.bids]
        asks = [level.price for level in book.asks]
        assert bids == sorted(bids, reverse=True) and len(set(bids)) == len(bids)
        assert asks == sorted(asks) and len(set(asks)) == len(asks)
        assert bids[0] < sim.ticker(symbol, now).last < asks[0]  # type: ignore[operator]
        for level in book.bids + book.asks:
            assert on_grid(level.price, tick) and on_grid(level.amount, step) and level.amount > 0
        assert sim.order_book(symbol, now, 5).bids == book.bids[:5]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_every_output_value_sits_on_the_market_grid(sim: MarketSimulator, symbol: str) -> None:
    market = sim.market(symbol)
    tick, step = market.precision.price, market.precision.amount
    assert tick is not None and step is not None
    ticker = sim.ticker(symbol, T0)
    for price in (ticker.bid, ticker.ask, ticker.last, ticker.open, ticker.high, ticker.low, ticker.vwap):
        assert price is not None and on_grid(price, tick)
    for amount in (ticker.bid_volume, ticker.ask_volume, ticker.base_volume):
        assert amount is not None and on_grid(amount, step)
    assert ticker.quote_volume is not None
    assert ticker.quote_volume.as_tuple().exponent == tick.as_tuple().exponent
    for trade in sim.trades(symbol, T0, 200):
        assert on_grid(trade.price, tick) and on_grid(trade.amount, step)
    for timeframe in TIMEFRAMES:
        for c in sim.candles(symbol, timeframe, None, 20, T0):
            assert all(on_grid(p, tick) for p in (c.open, c.high, c.low, c.close))
            assert on_grid(c.volume, step)


def test_limit_crossings_are_the_prints_at_or_through_the_price(sim: MarketSimulator) -> None:
    step = T0 // 1000
    prints = sim.trades("BTC/USDT", (step + 600) * 1000, 600)  # the next 600 seconds
    middle = sorted(t.price for t in prints)[len(prints) // 2]
    below = [(int(t.id or 0), t.amount) for t in prints if t.price <= middle]
    above = [(int(t.id or 0), t.amount) for t in prints if t.price >= middle]
    assert list(sim.crossings("BTC/USDT", step + 1, step + 600, middle, buy=True)) == below
    assert list(sim.crossings("BTC/USDT", step + 1, step + 600, middle, buy=False)) == above
    # A price the market never reaches costs a few bar lookups, even over a year.
    started = time.perf_counter()
    assert list(sim.crossings("BTC/USDT", step, step + 365 * 86_400, Decimal("1.00"), buy=True)) == []
    assert time.perf_counter() - started < 1.0


def test_ticker_and_book_are_cheap() -> None:
    sim = MarketSimulator(42)
    sim.ticker("BTC/USDT", T0)  # warm the current day and hour
    started = time.perf_counter()
    for k in range(1, 501):
        sim.ticker("BTC/USDT", T0 + k * 1000)
        sim.order_book("BTC/USDT", T0 + k * 1000, 20)
    per_step = (time.perf_counter() - started) / 500
    started = time.perf_counter()
    for _ in range(1000):
        sim.ticker("BTC/USDT", T0 + 500_000)
    per_cached = (time.perf_counter() - started) / 1000
    # Measured about 0.3 ms per new step and 0.2 us cached; the bounds leave room for slow CI machines.
    assert per_step < 0.01
    assert per_cached < 0.0005
