"""The paper venue's market simulator: one seeded price path per market, and everything read from it.

The path is random-access: the price of any second, and the candle of any window, costs a few cached
bucket refinements, never a replay of every second since some start. It is built top down:

1. Day anchors. A currency's USD price at UTC midnight of day D is start * exp(noise): value noise (octaves
   of 1 to 256 days) of a shared market factor plus the currency's own factor, each lattice value a hash of
   (seed, name, octave, lattice index). Prices wander around their start (BTC ~60000, ETH ~3000) for ever.
2. Day bar of a USDT market: open = anchor(D), close = anchor(D + 1), high/low a seeded excursion beyond
   both, and a seeded volume around the market's typical daily volume.
3. Refinement: a bar is split into children (day -> 24 hours -> 60 minutes -> 60 one-second prints) by
   Brownian bridges through its open, high, low and close, folded back into [low, high]. Children
   aggregate exactly to their parent (first open, last close, max high, min low, volumes summing exactly),
   so candles of every timeframe, the 24h ticker and the prints agree. The bridges mix common draws with
   the market's own (`correlation`), so BTC, ETH and SOL move together as real markets do.
4. A cross (ETH/BTC) is not simulated on its own: its bars come from its legs' bars (open and close are
   the legs' ratio, high and low the ratio estimated from the legs' next finer bars) and each print is
   the legs' ratio kept inside its minute bar. So ETH/BTC = ETH/USDT / BTC/USDT to a tick or two almost
   always; a print differs from the ratio only where it had to reach, or stay inside, its bar's extremes.

Each refinement is seeded by (seed, symbol, level, index) alone: the same seed and the same second give the
same price whatever was asked before. Refinements live in bounded LRUs, so memory stays bounded.

Inside, prices are integer ticks (price / tick size) and amounts integer units (amount / amount step);
Decimals are made only at the edge, as ticks * tick, which is exact and on the tick. Floats only drive the
random draws.

Time is discrete: step k is second k of the injected clock (step = now_ms // 1000). At step k the last
price is the print of second k; the ticker, the book's centre, the last trade and the close of every
current candle are that print.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from hashlib import blake2b
from itertools import accumulate, pairwise
from typing import Generic, NamedTuple, TypeVar

from ...errors import BadRequest, BadSymbol
from ...models import (
    Candle,
    Limits,
    Market,
    MarketType,
    MinMax,
    OrderBook,
    OrderBookLevel,
    Precision,
    Side,
    Ticker,
    Trade,
)

STEP_MS = 1000
DAY = 86_400
HOUR = 3_600
MINUTE = 60
# Bucket sizes in steps, top down: day, hour, minute, second.
_SIZES = (DAY, HOUR, MINUTE, 1)

TIMEFRAMES: Mapping[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14_400, "1d": 86_400}
BOOK_DEPTH = 100  # levels per side the simulated book holds

# Value-noise octaves of the day anchors: (period in days, amplitude in log price).
_OCTAVES = ((1, 0.010), (4, 0.018), (16, 0.030), (64, 0.045), (256, 0.060))
_PERCENT = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class CurrencyDecl:
    code: str
    start_usd: float  # the price the walk wanders around
    beta: float  # exposure to the shared market factor
    own: float  # scale of the currency's own factor


@dataclass(frozen=True, slots=True)
class MarketDecl:
    symbol: str
    base: str
    quote: str
    price_tick: Decimal
    amount_step: Decimal  # also the minimum amount
    amount_max: Decimal
    price_max: Decimal  # the minimum price is one tick
    cost_min: Decimal
    daily_volume: Decimal  # typical base volume per day
    daily_range: float  # typical excursion of a day's high/low beyond its open/close, as a fraction
    book_amount: Decimal  # typical amount at one book level
    spread_ticks: int  # the best bid and ask sit 1..spread_ticks ticks from the last print
    gap_ticks: int  # deeper levels are 1..gap_ticks ticks apart
    correlation: float = 0.0  # how much of its intraday path it shares with the common (market) path
    cross_of: tuple[str, str] | None = None  # a cross quoted off two markets: (base leg, quote leg)


CURRENCIES: Mapping[str, CurrencyDecl] = {
    c.code: c
    for c in (
        CurrencyDecl("USDT", 1.0, 0.0, 0.0),
        CurrencyDecl("BTC", 60_000.0, 1.0, 0.5),
        CurrencyDecl("ETH", 3_000.0, 1.2, 0.7),
        CurrencyDecl("SOL", 150.0, 1.5, 1.0),
    )
}

_CURRENCY_INDEX = {code: i for i, code in enumerate(CURRENCIES)}

MARKETS: tuple[MarketDecl, ...] = (
    MarketDecl(
        symbol="BTC/USDT", base="BTC", quote="USDT",
        price_tick=Decimal("0.01"), amount_step=Decimal("0.00001"),
        amount_max=Decimal("9000"), price_max=Decimal("1000000"), cost_min=Decimal("5"),
        daily_volume=Decimal("25000"), daily_range=0.030, book_amount=Decimal("0.4"),
        spread_ticks=2, gap_ticks=6, correlation=0.9,
    ),
    MarketDecl(
        symbol="ETH/USDT", base="ETH", quote="USDT",
        price_tick=Decimal("0.01"), amount_step=Decimal("0.0001"),
        amount_max=Decimal("100000"), price_max=Decimal("1000000"), cost_min=Decimal("5"),
        daily_volume=Decimal("400000"), daily_range=0.035, book_amount=Decimal("6"),
        spread_ticks=2, gap_ticks=4, correlation=0.85,
    ),
    MarketDecl(
        symbol="SOL/USDT", base="SOL", quote="USDT",
        price_tick=Decimal("0.01"), amount_step=Decimal("0.001"),
        amount_max=Decimal("1000000"), price_max=Decimal("100000"), cost_min=Decimal("5"),
        daily_volume=Decimal("3000000"), daily_range=0.045, book_amount=Decimal("60"),
        spread_ticks=1, gap_ticks=2, correlation=0.75,
    ),
    MarketDecl(
        symbol="ETH/BTC", base="ETH", quote="BTC",
        price_tick=Decimal("0.00001"), amount_step=Decimal("0.0001"),
        amount_max=Decimal("100000"), price_max=Decimal("1000"), cost_min=Decimal("0.0001"),
        daily_volume=Decimal("40000"), daily_range=0.020, book_amount=Decimal("5"),
        spread_ticks=1, gap_ticks=1, cross_of=("ETH/USDT", "BTC/USDT"),
    ),
)  # fmt: skip


class Bar(NamedTuple):
    """One bucket of the path in ticks and units."""

    open: int
    high: int
    low: int
    close: int
    volume: int


class _Window(NamedTuple):
    """An aggregate over a range of steps; `quote4` is 4 * quote volume in tick*unit (typical price)."""

    bar: Bar
    quote4: int


class _Draws(NamedTuple):
    shocks: list[float]  # the walk's increment into each position (index 0 unused)
    where: tuple[float, float]  # uniforms placing the high and the low


_Leaves = tuple[tuple[int, ...], tuple[int, ...]]  # the prices and volumes of one minute's 60 seconds
V = TypeVar("V")


class _LRU(Generic[V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[tuple[int, int], V] = OrderedDict()

    def get(self, key: tuple[int, int]) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: tuple[int, int], value: V) -> V:
        self._data[key] = value
        if len(self._data) > self._size:
            self._data.popitem(last=False)
        return value


@dataclass(frozen=True, slots=True)
class _BookAt:
    step: int
    bids: tuple[OrderBookLevel, ...]
    asks: tuple[OrderBookLevel, ...]


class _Runtime:
    """Per-market constants, derived once."""

    __slots__ = (
        "book",
        "book_units",
        "daily_units",
        "decl",
        "index",
        "legs",
        "market",
        "ratio_factor",
        "step",
        "tick",
        "tick_f",
        "ticker",
    )

    def __init__(self, index: int, decl: MarketDecl, market: Market) -> None:
        self.index = index
        self.decl = decl
        self.market = market
        self.tick = decl.price_tick
        self.step = decl.amount_step
        self.tick_f = float(decl.price_tick)
        self.daily_units = int(decl.daily_volume / decl.amount_step)
        self.book_units = float(decl.book_amount / decl.amount_step)
        self.book: _BookAt | None = None
        self.ticker: tuple[int, Ticker] | None = None
        self.legs: tuple[_Runtime, _Runtime] | None = None
        self.ratio_factor = 0.0

    def ratio(self, base_ticks: int, quote_ticks: int) -> int:
        """A cross's price in its ticks from its legs' prices in theirs."""
        return max(1, round(base_ticks * self.ratio_factor / quote_ticks))


def build_market(decl: MarketDecl) -> Market:
    return Market(
        symbol=decl.symbol,
        id=decl.base + decl.quote,
        base=decl.base,
        quote=decl.quote,
        base_id=decl.base,
        quote_id=decl.quote,
        type=MarketType.SPOT,
        active=True,
        precision=Precision(price=decl.price_tick, amount=decl.amount_step),
        limits=Limits(
            amount=MinMax(decl.amount_step, decl.amount_max),
            price=MinMax(decl.price_tick, decl.price_max),
            cost=MinMax(decl.cost_min, None),
        ),
        info={"simulated": True},
    )


def step_of(now_ms: int) -> int:
    return now_ms // STEP_MS


def _gauss(rng: random.Random) -> float:
    # Box-Muller over random(), whose sequence Python keeps stable across versions (gauss() is not promised).
    return math.sqrt(-2.0 * math.log(1.0 - rng.random())) * math.cos(math.tau * rng.random())


def _fold(x: float, low: int, high: int) -> int:
    """Reflect a bridge value back into [low, high] (reflection keeps the path from sticking to a bound)."""
    if x > high:
        x = 2 * high - x
    if x < low:
        x = 2 * low - x
    return min(high, max(low, round(x)))


def _bridge(
    length: int, fixed: Mapping[int, int], low: int, high: int, scale: float, shocks: Sequence[float]
) -> list[int]:
    """A path of `length` points through the `fixed` (position: value) points, Brownian bridges between.

    The walk's increment into position k is scale * shocks[k], whatever the fixed points, so paths sharing
    shocks move together.
    """
    path = [0] * length
    marks = sorted(fixed.items())
    for (pa, va), (pb, vb) in pairwise(marks):
        path[pa] = va
        span = pb - pa
        if span > 1:
            walk = 0.0
            steps = []
            for k in range(pa + 1, pb + 1):
                walk += shocks[k]
                steps.append(walk)
            for j in range(1, span):
                t = j / span
                path[pa + j] = _fold(va + (vb - va) * t + scale * (steps[j - 1] - t * walk), low, high)
    last_pos, last_value = marks[-1]
    path[last_pos] = last_value
    return path


def _split(total: int, floor_each: int, weights: list[float]) -> list[int]:
    """Split `total` units into len(weights) parts of at least `floor_each`, summing exactly to `total`."""
    excess = total - floor_each * len(weights)
    cumulative = list(accumulate(weights))
    whole = cumulative[-1]
    parts = []
    previous = 0
    for acc in cumulative:
        cut = round(excess * acc / whole)
        parts.append(floor_each + cut - previous)
        previous = cut
    return parts


class MarketSimulator:
    """The simulated markets of one seed. Pure functions of (seed, symbol, time), with bounded caches."""

    def __init__(self, seed: int = 42, *, exchange_id: str = "paper") -> None:
        self.seed = seed
        self.exchange_id = exchange_id
        self._runtimes = [_Runtime(i, decl, build_market(decl)) for i, decl in enumerate(MARKETS)]
        self._by_symbol = {rt.decl.symbol: rt for rt in self._runtimes}
        for rt in self._runtimes:
            if rt.decl.cross_of is not None:
                base_leg, quote_leg = (self._by_symbol[symbol] for symbol in rt.decl.cross_of)
                rt.legs = (base_leg, quote_leg)
                rt.ratio_factor = base_leg.tick_f / (quote_leg.tick_f * rt.tick_f)
        # Bounded caches (a few tens of MB when full): small entries get many slots, big ones fewer.
        self._common_cache: _LRU[tuple[float, ...]] = _LRU(512)
        self._usd_cache: _LRU[float] = _LRU(16_384)
        self._day_cache: _LRU[Bar] = _LRU(16_384)
        self._hour_cache: _LRU[tuple[Bar, ...]] = _LRU(2048)  # 24 bars each
        self._minute_cache: _LRU[tuple[Bar, ...]] = _LRU(1024)  # 60 bars each
        self._second_cache: _LRU[_Leaves] = _LRU(1024)  # 2 x 60 ints each

    # -- markets ---------------------------------------------------------------------------------------

    def markets(self) -> list[Market]:
        return [rt.market for rt in self._runtimes]

    def market(self, symbol: str) -> Market:
        return self._rt(symbol).market

    def _rt(self, symbol: str) -> _Runtime:
        rt = self._by_symbol.get(symbol)
        if rt is None:
            raise BadSymbol(f"{self.exchange_id} has no market {symbol}", exchange=self.exchange_id)
        return rt

    # -- seeded randomness -----------------------------------------------------------------------------

    def _digest(self, *parts: object) -> bytes:
        text = "|".join(str(p) for p in (self.seed, *parts))
        return blake2b(text.encode(), digest_size=16).digest()

    def _rng(self, rt: _Runtime, level: str, index: int) -> random.Random:
        return random.Random(int.from_bytes(self._digest(rt.decl.symbol, level, index)[:8], "big"))

    def _draws(self, rt: _Runtime, level: int, index: int, count: int, rng: random.Random) -> _Draws:
        """The random input of one refinement, correlated across markets: increments mixing the common
        (market-wide) draws with the market's own, and where the extremes fall, shared with the common
        path with probability `correlation` (so correlated markets tend to peak and bottom together)."""
        key = (level, index)
        common = self._common_cache.get(key)
        if common is None:
            shared = random.Random(int.from_bytes(self._digest("common", level, index)[:8], "big"))
            common = self._common_cache.put(
                key, tuple(shared.random() if i < 2 else _gauss(shared) for i in range(count + 2))
            )
        rho = rt.decl.correlation
        own = math.sqrt(1.0 - rho * rho)
        shocks = [rho * z + own * _gauss(rng) for z in common[2:]]
        mine = (rng.random(), rng.random())
        return _Draws(shocks, (common[0], common[1]) if rng.random() < rho else mine)

    def _lattice(self, name: str, period: int, index: int) -> float:
        digest = self._digest("lattice", name, period, index)
        u1 = (int.from_bytes(digest[:8], "big") + 1) / 2.0**64  # (0, 1]
        u2 = int.from_bytes(digest[8:], "big") / 2.0**64
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(math.tau * u2)

    def _noise(self, name: str, day: int) -> float:
        total = 0.0
        for period, amplitude in _OCTAVES:
            cell, offset = divmod(day, period)
            t = offset / period
            t = t * t * (3.0 - 2.0 * t)  # smoothstep: no kinks at lattice points
            a = self._lattice(name, period, cell)
            b = self._lattice(name, period, cell + 1)
            total += amplitude * (a + (b - a) * t)
        return total

    def _usd_anchor(self, code: str, day: int) -> float:
        currency = CURRENCIES[code]
        if currency.beta == 0.0 and currency.own == 0.0:
            return currency.start_usd
        key = (_CURRENCY_INDEX[code], day)
        cached = self._usd_cache.get(key)
        if cached is not None:
            return cached
        log_move = currency.beta * self._noise("market", day) + currency.own * self._noise(code, day)
        return self._usd_cache.put(key, currency.start_usd * math.exp(log_move))

    def _anchor(self, rt: _Runtime, day: int) -> int:
        price = self._usd_anchor(rt.decl.base, day) / self._usd_anchor(rt.decl.quote, day)
        return max(1, round(price / rt.tick_f))

    # -- the path, top down ----------------------------------------------------------------------------

    def _day(self, rt: _Runtime, day: int) -> Bar:
        key = (rt.index, day)
        cached = self._day_cache.get(key)
        if cached is not None:
            return cached
        rng = self._rng(rt, "D", day)
        if rt.legs is not None:
            b, q = (self._day(leg, day) for leg in rt.legs)
            o, c = rt.ratio(b.open, q.open), rt.ratio(b.close, q.close)
            high, low = _estimate(rt.ratio, *(self._hours(leg, day) for leg in rt.legs))
        else:
            o, c = self._anchor(rt, day), self._anchor(rt, day + 1)
            spread = rt.decl.daily_range
            top, bottom = max(o, c), min(o, c)
            high = max(top + 1, round(top * math.exp(spread * (0.15 + 0.35 * abs(_gauss(rng))))))
            low = max(
                1, min(bottom - 1, round(bottom * math.exp(-spread * (0.15 + 0.35 * abs(_gauss(rng))))))
            )
        volume = max(2 * DAY, round(rt.daily_units * math.exp(0.25 * _gauss(rng))))
        return self._day_cache.put(key, Bar(o, high, low, c, volume))

    def _hours(self, rt: _Runtime, day: int) -> tuple[Bar, ...]:
        key = (rt.index, day)
        cached = self._hour_cache.get(key)
        if cached is None:
            parent, rng = self._day(rt, day), self._rng(rt, "H", day)
            if rt.legs is not None:
                # Each hour's extremes from the legs' minutes: close to the ratio's true extremes.
                base_leg, quote_leg = rt.legs
                extremes = [
                    _estimate(rt.ratio, self._minutes(base_leg, hour), self._minutes(quote_leg, hour))
                    for hour in range(day * 24, day * 24 + 24)
                ]
                b, q = self._hours(base_leg, day), self._hours(quote_leg, day)
                cached = _refine_cross(parent, b, q, extremes, rt.ratio, HOUR, rng)
            else:
                cached = _refine(parent, 24, HOUR, self._draws(rt, 1, day, 72, rng), rng)
            self._hour_cache.put(key, cached)
        return cached

    def _minutes(self, rt: _Runtime, hour: int) -> tuple[Bar, ...]:
        key = (rt.index, hour)
        cached = self._minute_cache.get(key)
        if cached is None:
            parent, rng = self._hours(rt, hour // 24)[hour % 24], self._rng(rt, "M", hour)
            if rt.legs is not None:
                b, q = (self._minutes(leg, hour) for leg in rt.legs)
                extremes = [_estimate(rt.ratio, (bb,), (qq,)) for bb, qq in zip(b, q, strict=True)]
                cached = _refine_cross(parent, b, q, extremes, rt.ratio, MINUTE, rng)
            else:
                cached = _refine(parent, 60, MINUTE, self._draws(rt, 2, hour, 180, rng), rng)
            self._minute_cache.put(key, cached)
        return cached

    def _leaves(self, rt: _Runtime, minute: int) -> _Leaves:
        key = (rt.index, minute)
        cached = self._second_cache.get(key)
        if cached is None:
            parent, rng = self._minutes(rt, minute // 60)[minute % 60], self._rng(rt, "S", minute)
            if rt.legs is not None:
                b, q = (self._leaves(leg, minute) for leg in rt.legs)
                cached = _cross_leaves(parent, b, q, rt.ratio, rng)
            else:
                cached = _refine_leaves(parent, self._draws(rt, 3, minute, 60, rng), rng)
            self._second_cache.put(key, cached)
        return cached

    def _bar(self, rt: _Runtime, level: int, index: int) -> Bar:
        if level == 0:
            return self._day(rt, index)
        if level == 1:
            return self._hours(rt, index // 24)[index % 24]
        if level == 2:
            return self._minutes(rt, index // 60)[index % 60]
        prices, volumes = self._leaves(rt, index // 60)
        price = prices[index % 60]
        return Bar(price, price, price, price, volumes[index % 60])

    def _price(self, rt: _Runtime, step: int) -> int:
        return self._leaves(rt, step // 60)[0][step % 60]

    def _parts(self, rt: _Runtime, first: int, last: int, level: int = 0) -> Iterator[Bar]:
        """The fewest whole buckets covering steps first..last (inclusive), in time order."""
        size = _SIZES[level]
        for index in range(first // size, last // size + 1):
            start = index * size
            end = start + size - 1
            if first <= start and end <= last:
                yield self._bar(rt, level, index)
            else:
                yield from self._parts(rt, max(first, start), min(last, end), level + 1)

    def _window(self, rt: _Runtime, first: int, last: int) -> _Window:
        parts = self._parts(rt, first, last)
        head = next(parts)
        o, high, low, close, volume = head
        quote4 = volume * (head.open + head.high + head.low + head.close)
        for part in parts:
            high = max(high, part.high)
            low = min(low, part.low)
            close = part.close
            volume += part.volume
            quote4 += part.volume * (part.open + part.high + part.low + part.close)
        return _Window(Bar(o, high, low, close, volume), quote4)

    # -- what the matching engine reads ----------------------------------------------------------------

    def last_price(self, symbol: str, step: int) -> Decimal:
        rt = self._rt(symbol)
        return self._price(rt, step) * rt.tick

    def book(self, symbol: str, step: int) -> tuple[tuple[OrderBookLevel, ...], tuple[OrderBookLevel, ...]]:
        """The full simulated book at `step`: (bids best first, asks best first), BOOK_DEPTH levels each."""
        book = self._book(self._rt(symbol), step)
        return book.bids, book.asks

    def crossings(
        self, symbol: str, first: int, last: int, limit: Decimal, *, buy: bool
    ) -> Iterator[tuple[int, Decimal]]:
        """(step, print amount) of each second in first..last whose print trades at or through `limit`
        (at or below it for a buy, at or above for a sell). Buckets whose range cannot cross are skipped
        whole, so a far-away order costs a few bar lookups however long it rests."""
        rt = self._rt(symbol)
        limit_ticks = int(limit / rt.tick)
        for step, units in self._crossings(rt, first, last, limit_ticks, buy, 0):
            yield step, units * rt.step

    def _crossings(
        self, rt: _Runtime, first: int, last: int, limit: int, buy: bool, level: int
    ) -> Iterator[tuple[int, int]]:
        size = _SIZES[level]
        for index in range(first // size, last // size + 1):
            bar = self._bar(rt, level, index)
            if (bar.low > limit) if buy else (bar.high < limit):
                continue
            start = index * size
            lo, hi = max(first, start), min(last, start + size - 1)
            if level < 2:
                yield from self._crossings(rt, lo, hi, limit, buy, level + 1)
                continue
            prices, volumes = self._leaves(rt, index)
            for step in range(lo, hi + 1):
                price = prices[step - start]
                if (price <= limit) if buy else (price >= limit):
                    yield step, volumes[step - start]

    # -- the book --------------------------------------------------------------------------------------

    def _book(self, rt: _Runtime, step: int) -> _BookAt:
        cached = rt.book
        if cached is not None and cached.step == step:
            return cached
        last = self._price(rt, step)
        rng = self._rng(rt, "B", step)
        spread, gap = rt.decl.spread_ticks, rt.decl.gap_ticks
        bid = last - 1 - int(rng.random() * spread)
        ask = last + 1 + int(rng.random() * spread)
        raw_bids: list[tuple[int, int]] = []
        raw_asks: list[tuple[int, int]] = []
        for depth in range(BOOK_DEPTH):
            # Deeper levels hold more, as on a real book; amounts are whole amount steps.
            size = 1.0 + depth / 25.0
            if bid >= 1:
                raw_bids.append((bid, max(1, round(rt.book_units * size * math.exp(0.8 * _gauss(rng))))))
                bid -= 1 + int(rng.random() * gap)
            raw_asks.append((ask, max(1, round(rt.book_units * size * math.exp(0.8 * _gauss(rng))))))
            ask += 1 + int(rng.random() * gap)
        tick, unit = rt.tick, rt.step
        book = _BookAt(
            step,
            tuple(OrderBookLevel(p * tick, a * unit) for p, a in raw_bids),
            tuple(OrderBookLevel(p * tick, a * unit) for p, a in raw_asks),
        )
        rt.book = book
        return book

    # -- domain answers --------------------------------------------------------------------------------

    def order_book(self, symbol: str, now_ms: int, depth: int) -> OrderBook:
        step = step_of(now_ms)
        book = self._book(self._rt(symbol), step)
        return OrderBook(
            self.exchange_id, symbol, step * STEP_MS, book.bids[:depth], book.asks[:depth], nonce=step
        )

    def ticker(self, symbol: str, now_ms: int) -> Ticker:
        """The ticker at the current step; open/high/low/volumes cover the last 1440 minutes, the current
        (partial) one included, so the window is 24h at minute granularity."""
        rt = self._rt(symbol)
        step = step_of(now_ms)
        cached = rt.ticker
        if cached is not None and cached[0] == step:
            return cached[1]
        window = self._window(rt, (step // MINUTE - 1439) * MINUTE, step)
        book = self._book(rt, step)
        tick = rt.tick
        o, high, low, last, units = window.bar
        base_volume = units * rt.step
        quote_volume = (Decimal(window.quote4) * tick * rt.step / 4).quantize(tick, ROUND_HALF_EVEN)
        open_, last_d = o * tick, last * tick
        change = last_d - open_
        ticker = Ticker(
            exchange_id=self.exchange_id,
            symbol=symbol,
            timestamp=step * STEP_MS,
            bid=book.bids[0].price,
            bid_volume=book.bids[0].amount,
            ask=book.asks[0].price,
            ask_volume=book.asks[0].amount,
            last=last_d,
            open=open_,
            high=high * tick,
            low=low * tick,
            close=last_d,
            base_volume=base_volume,
            quote_volume=quote_volume,
            change=change,
            percentage=(change * 100 / open_).quantize(_PERCENT, ROUND_HALF_EVEN),
            vwap=(quote_volume / base_volume).quantize(tick, ROUND_HALF_EVEN),
            average=((open_ + last_d) / 2).quantize(tick, ROUND_HALF_EVEN),
        )
        rt.ticker = (step, ticker)
        return ticker

    def trades(self, symbol: str, now_ms: int, limit: int) -> list[Trade]:
        """The last `limit` prints, one per second, oldest first. A print above the one before is a buy."""
        rt = self._rt(symbol)
        last = step_of(now_ms)
        first = last - limit + 1
        previous = self._price(rt, first - 1)
        out = []
        for step in range(first, last + 1):
            prices, volumes = self._leaves(rt, step // 60)
            ticks, units = prices[step % 60], volumes[step % 60]
            if ticks != previous:
                side = Side.BUY if ticks > previous else Side.SELL
            else:
                side = Side.BUY if (step ^ self.seed) & 1 else Side.SELL
            previous = ticks
            price, amount = ticks * rt.tick, units * rt.step
            out.append(Trade(str(step), step * STEP_MS, symbol, side, price, amount, price * amount))
        return out

    def candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int, now_ms: int
    ) -> list[Candle]:
        """Candles opening at or after `since_ms` (the latest `limit` if None); the current one is partial."""
        seconds = TIMEFRAMES.get(timeframe)
        if seconds is None:
            supported = ", ".join(TIMEFRAMES)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.exchange_id
            )
        rt = self._rt(symbol)
        now = step_of(now_ms)
        current = now // seconds
        if since_ms is None:
            first = max(0, current - limit + 1)
        else:  # the first bucket opening at or after since
            first = -(-max(0, since_ms) // (seconds * STEP_MS))
        out = []
        for bucket in range(first, min(current, first + limit - 1) + 1):
            start = bucket * seconds
            bar = self._window(rt, start, min(now, start + seconds - 1)).bar
            out.append(
                Candle(
                    start * STEP_MS,
                    bar.open * rt.tick,
                    bar.high * rt.tick,
                    bar.low * rt.tick,
                    bar.close * rt.tick,
                    bar.volume * rt.step,
                )
            )
        return out


def _refine(parent: Bar, n: int, leaves_each: int, draws: _Draws, rng: random.Random) -> tuple[Bar, ...]:
    """Split `parent` into `n` child bars that aggregate exactly to it.

    The path runs through 3 points per child (open, an inner point, close); the parent's high and low are
    pinned to the inner points of two different children, so exactly those children reach them.
    """
    o, high, low, c, _ = parent
    length = 3 * n
    i_high = int(draws.where[0] * n)
    i_low = int(draws.where[1] * (n - 1))
    i_low += i_low >= i_high
    scale = (high - low) / (2.0 * math.sqrt(length))
    fixed = {0: o, 3 * i_high + 1: high, 3 * i_low + 1: low, length - 1: c}
    path = _bridge(length, fixed, low, high, scale, draws.shocks)
    wick = 0.5 * scale
    shapes = []
    for i in range(n):
        co, inner, cc = path[3 * i : 3 * i + 3]
        ch = min(high, max(co, inner, cc) + int(abs(_gauss(rng)) * wick))
        cl = max(low, min(co, inner, cc) - int(abs(_gauss(rng)) * wick))
        shapes.append((co, ch, cl, cc))
    return _with_volumes(shapes, parent, leaves_each, rng)


def _with_volumes(
    shapes: Sequence[tuple[int, int, int, int]], parent: Bar, leaves_each: int, rng: random.Random
) -> tuple[Bar, ...]:
    # Busier where the price moves more.
    spread = parent.high - parent.low + 1
    weights = [math.exp(0.5 * _gauss(rng)) * (1.0 + (ch - cl) / spread) for _, ch, cl, _ in shapes]
    volumes = _split(parent.volume, leaves_each, weights)
    return tuple(Bar(co, ch, cl, cc, v) for (co, ch, cl, cc), v in zip(shapes, volumes, strict=True))


def _refine_leaves(parent: Bar, draws: _Draws, rng: random.Random) -> _Leaves:
    """The 60 one-second prints of a minute bar: first = open, last = close, max = high, min = low."""
    o, high, low, c, volume = parent
    n = 60
    i_high = 1 + int(draws.where[0] * (n - 2))
    i_low = 1 + int(draws.where[1] * (n - 3))
    i_low += i_low >= i_high
    scale = (high - low) / (2.0 * math.sqrt(n))
    prices = _bridge(n, {0: o, i_high: high, i_low: low, n - 1: c}, low, high, scale, draws.shocks)
    weights = [math.exp(0.7 * _gauss(rng)) for _ in range(n)]
    return tuple(prices), tuple(_split(volume, 1, weights))


_Ratio = Callable[[int, int], int]


def _estimate(ratio: _Ratio, bases: Sequence[Bar], quotes: Sequence[Bar]) -> tuple[int, int]:
    """A cross's likely (high, low) over its legs' bars: their ratio at the bars' opens and closes (exact
    prints), at their highs and at their lows. The finer the bars, the closer to the true extremes."""
    values: list[int] = []
    for b, q in zip(bases, quotes, strict=True):
        values += (ratio(b.open, q.open), ratio(b.close, q.close), ratio(b.high, q.high), ratio(b.low, q.low))
    return max(values), min(values)


def _refine_cross(
    parent: Bar,
    bases: Sequence[Bar],
    quotes: Sequence[Bar],
    extremes: Sequence[tuple[int, int]],
    ratio: _Ratio,
    leaves_each: int,
    rng: random.Random,
) -> tuple[Bar, ...]:
    """Children of a cross's bar from its legs' children: open and close are the legs' ratio, high and low
    the estimated `extremes`, all kept inside the parent; the child nearest to the parent's high (low)
    takes it, so the children aggregate exactly to the parent."""
    o, high, low, c, _ = parent
    shapes = []
    for b, q, (top, bottom) in zip(bases, quotes, extremes, strict=True):
        co = min(high, max(low, ratio(b.open, q.open)))
        cc = min(high, max(low, ratio(b.close, q.close)))
        shapes.append([co, min(high, max(low, top)), min(high, max(low, bottom)), cc])
    shapes[0][0] = o
    shapes[-1][3] = c
    for shape in shapes:
        shape[1] = max(shape)
        shape[2] = min(shape)
    max(shapes, key=lambda shape: shape[1])[1] = high
    min(shapes, key=lambda shape: shape[2])[2] = low
    return _with_volumes([(co, ch, cl, cc) for co, ch, cl, cc in shapes], parent, leaves_each, rng)


def _cross_leaves(parent: Bar, bases: _Leaves, quotes: _Leaves, ratio: _Ratio, rng: random.Random) -> _Leaves:
    """A cross's prints: the legs' ratio each second, kept inside the minute bar, which they reach."""
    o, high, low, c, volume = parent
    prices = [min(high, max(low, ratio(b, q))) for b, q in zip(bases[0], quotes[0], strict=True)]
    prices[0], prices[-1] = o, c
    inner = range(1, len(prices) - 1)
    pinned = -1
    if max(prices) < high:
        pinned = max(inner, key=prices.__getitem__)
        prices[pinned] = high
    if min(prices) > low:
        prices[min((i for i in inner if i != pinned), key=prices.__getitem__)] = low
    weights = [math.exp(0.7 * _gauss(rng)) for _ in prices]
    return tuple(prices), tuple(_split(volume, 1, weights))
