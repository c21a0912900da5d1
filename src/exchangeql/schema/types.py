"""Strawberry types of the public schema. Each has `from_domain()`; fields are plain values, so the
default resolver reads them (cheap on hot paths such as 50 tickers); fields that need I/O delegate to
resolvers/."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import strawberry

from .. import aggregate, models
from ..cache import Entry
from ..clock import iso8601, now_ms
from ..gateway import ExchangeRef
from ..resolvers import exchange as r
from .scalars import Long


@strawberry.enum
class ExchangeStatus(enum.Enum):
    ACTIVE = "active"
    CLOSED = "closed"
    UNSUPPORTED = "unsupported"
    UNVERIFIED = "unverified"


@strawberry.enum
class Engine(enum.Enum):
    NATIVE = "native"
    CCXT = "ccxt"
    PAPER = "paper"
    REPLAY = "replay"


@strawberry.enum
class MarketType(enum.Enum):
    SPOT = "spot"
    SWAP = "swap"
    FUTURE = "future"
    OPTION = "option"


@strawberry.enum
class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"


@strawberry.enum
class Support(enum.Enum):
    NATIVE = "native"
    EMULATED = "emulated"
    NONE = "none"


@strawberry.type(description="Whether an exchange answers one adapter method, and how.")
class Capability:
    method: str
    support: Support


@strawberry.type
class MinMax:
    min: Decimal | None
    max: Decimal | None

    @classmethod
    def from_domain(cls, value: models.MinMax) -> MinMax:
        return cls(min=value.min, max=value.max)


@strawberry.type(description="Tick sizes: the smallest step of a price and of an amount.")
class Precision:
    price: Decimal | None
    amount: Decimal | None


@strawberry.type
class Limits:
    amount: MinMax
    price: MinMax
    cost: MinMax


@strawberry.type
class Market:
    symbol: str
    id: str
    base: str
    quote: str
    settle: str | None
    type: MarketType
    active: bool
    precision: Precision
    limits: Limits
    contract_size: Decimal | None

    @classmethod
    def from_domain(cls, m: models.Market) -> Market:
        return cls(
            symbol=m.symbol,
            id=m.id,
            base=m.base,
            quote=m.quote,
            settle=m.settle,
            type=MarketType(m.type.value),
            active=m.active,
            precision=Precision(price=m.precision.price, amount=m.precision.amount),
            limits=Limits(
                amount=MinMax.from_domain(m.limits.amount),
                price=MinMax.from_domain(m.limits.price),
                cost=MinMax.from_domain(m.limits.cost),
            ),
            contract_size=m.contract_size,
        )


@strawberry.type
class Ticker:
    exchange_id: str
    symbol: str
    timestamp: Long | None
    datetime: str | None
    bid: Decimal | None
    bid_volume: Decimal | None
    ask: Decimal | None
    ask_volume: Decimal | None
    last: Decimal | None
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    close: Decimal | None
    previous_close: Decimal | None
    base_volume: Decimal | None
    quote_volume: Decimal | None
    change: Decimal | None
    percentage: Decimal | None
    vwap: Decimal | None
    average: Decimal | None
    age_ms: Long = strawberry.field(
        description="Milliseconds since the gateway received this from the venue."
    )

    @classmethod
    def from_entry(cls, entry: Entry[models.Ticker], now: int) -> Ticker:
        t = entry.value
        return cls(
            exchange_id=t.exchange_id,
            symbol=t.symbol,
            timestamp=Long(t.timestamp) if t.timestamp is not None else None,
            datetime=iso8601(t.timestamp),
            bid=t.bid,
            bid_volume=t.bid_volume,
            ask=t.ask,
            ask_volume=t.ask_volume,
            last=t.last,
            open=t.open,
            high=t.high,
            low=t.low,
            close=t.close,
            previous_close=t.previous_close,
            base_volume=t.base_volume,
            quote_volume=t.quote_volume,
            change=t.change,
            percentage=t.percentage,
            vwap=t.vwap,
            average=t.average,
            age_ms=Long(entry.age_ms(now)),
        )


@strawberry.type
class OrderBookLevel:
    price: Decimal
    amount: Decimal


@strawberry.type
class OrderBook:
    exchange_id: str
    symbol: str
    timestamp: Long | None
    datetime: str | None
    bids: list[OrderBookLevel]
    asks: list[OrderBookLevel]
    age_ms: Long

    @classmethod
    def from_entry(cls, entry: Entry[models.OrderBook], now: int) -> OrderBook:
        b = entry.value
        return cls(
            exchange_id=b.exchange_id,
            symbol=b.symbol,
            timestamp=Long(b.timestamp) if b.timestamp is not None else None,
            datetime=iso8601(b.timestamp),
            bids=[OrderBookLevel(price=lvl.price, amount=lvl.amount) for lvl in b.bids],
            asks=[OrderBookLevel(price=lvl.price, amount=lvl.amount) for lvl in b.asks],
            age_ms=Long(entry.age_ms(now)),
        )


@strawberry.type
class Trade:
    id: str | None
    timestamp: Long | None
    datetime: str | None
    symbol: str
    side: Side | None
    price: Decimal
    amount: Decimal
    cost: Decimal | None

    @classmethod
    def from_domain(cls, t: models.Trade) -> Trade:
        return cls(
            id=t.id,
            timestamp=Long(t.timestamp) if t.timestamp is not None else None,
            datetime=iso8601(t.timestamp),
            symbol=t.symbol,
            side=Side(t.side.value) if t.side is not None else None,
            price=t.price,
            amount=t.amount,
            cost=t.cost,
        )


@strawberry.type
class Candle:
    timestamp: Long
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    @classmethod
    def from_domain(cls, c: models.Candle) -> Candle:
        return cls(
            timestamp=Long(c.timestamp), open=c.open, high=c.high, low=c.low, close=c.close, volume=c.volume
        )


@strawberry.type(
    description="An exchange: its catalogue facts, and its market data when an engine serves it."
)
class Exchange:
    id: str
    name: str
    status: ExchangeStatus
    engine: Engine | None
    aliases: list[str]
    seed_ids: list[str] = strawberry.field(
        description="Ids from the seed list that resolve to this exchange."
    )
    notes: str | None = strawberry.field(description="Evidence for the status (closure notices, renames).")
    capabilities: list[Capability]
    ref: strawberry.Private[ExchangeRef]

    @classmethod
    def from_ref(cls, ref: ExchangeRef) -> Exchange:
        caps = ref.service.capabilities if ref.service is not None else {}
        return cls(
            id=ref.id,
            name=ref.name,
            status=ExchangeStatus(ref.status),
            engine=Engine(ref.engine.value) if ref.engine is not None else None,
            aliases=list(ref.aliases),
            seed_ids=list(ref.seed_ids),
            notes=ref.notes,
            capabilities=[Capability(method=m.value, support=Support(s.value)) for m, s in caps.items()],
            ref=ref,
        )

    @strawberry.field(description="The exchange that took over from this one, if any.")
    def successor(self, info: strawberry.Info) -> Exchange | None:
        found = r.successor(info, self.ref)
        return Exchange.from_ref(found) if found is not None else None

    @strawberry.field
    async def markets(
        self,
        info: strawberry.Info,
        base: str | None = None,
        quote: str | None = None,
        type: MarketType | None = None,
    ) -> list[Market]:
        kind = models.MarketType(type.value) if type is not None else None
        return [Market.from_domain(m) for m in await r.markets(info, self.ref, base, quote, kind)]

    @strawberry.field
    async def market(self, info: strawberry.Info, symbol: str) -> Market | None:
        return Market.from_domain(await r.market(info, self.ref, symbol))

    @strawberry.field
    async def ticker(self, info: strawberry.Info, symbol: str) -> Ticker | None:
        return Ticker.from_entry(await r.ticker(info, self.ref, symbol), now_ms())

    @strawberry.field(description="Tickers of the given symbols, or of every market when symbols is omitted.")
    async def tickers(self, info: strawberry.Info, symbols: list[str] | None = None) -> list[Ticker]:
        now = now_ms()
        return [Ticker.from_entry(e, now) for e in await r.tickers(info, self.ref, symbols)]

    @strawberry.field
    async def order_book(
        self, info: strawberry.Info, symbol: str, limit: int | None = None
    ) -> OrderBook | None:
        return OrderBook.from_entry(await r.order_book(info, self.ref, symbol, limit), now_ms())

    @strawberry.field
    async def trades(self, info: strawberry.Info, symbol: str, limit: int | None = None) -> list[Trade]:
        return [Trade.from_domain(t) for t in await r.trades(info, self.ref, symbol, limit)]

    @strawberry.field
    async def candles(
        self,
        info: strawberry.Info,
        symbol: str,
        timeframe: Annotated[str, strawberry.argument(description="1m, 5m, 15m, 1h, 4h, 1d, ...")],
        limit: int | None = None,
    ) -> list[Candle]:
        return [Candle.from_domain(c) for c in await r.candles(info, self.ref, symbol, timeframe, limit)]


@strawberry.type(description="One side's best price and the exchange offering it.")
class PriceQuote:
    exchange_id: str
    price: Decimal
    amount: Decimal | None = strawberry.field(description="The amount at that price, where the venue says.")

    @classmethod
    def from_domain(cls, q: aggregate.Quote | None) -> PriceQuote | None:
        return cls(exchange_id=q.exchange_id, price=q.price, amount=q.amount) if q is not None else None


@strawberry.type(description="The best bid and ask for one symbol across several exchanges.")
class BestPrice:
    symbol: str
    bid: PriceQuote | None = strawberry.field(description="The highest bid.")
    ask: PriceQuote | None = strawberry.field(description="The lowest ask.")
    spread: Decimal | None = strawberry.field(description="ask - bid; negative when the market is crossed.")
    spread_percentage: Decimal | None = strawberry.field(description="spread / mid price * 100, 8 decimals.")
    crossed: bool = strawberry.field(description="The best bid is above the best ask: an arbitrage signal.")

    @classmethod
    def from_domain(cls, b: aggregate.BestPrice) -> BestPrice:
        return cls(
            symbol=b.symbol,
            bid=PriceQuote.from_domain(b.bid),
            ask=PriceQuote.from_domain(b.ask),
            spread=b.spread,
            spread_percentage=b.spread_percentage,
            crossed=b.crossed,
        )


@strawberry.type
class LevelSource:
    exchange_id: str
    amount: Decimal


@strawberry.type(description="One price level merged across exchanges.")
class ConsolidatedLevel:
    price: Decimal
    amount: Decimal = strawberry.field(description="The total over all exchanges at this price.")
    sources: list[LevelSource]


@strawberry.type(description="Order books of several exchanges merged into one.")
class ConsolidatedOrderBook:
    symbol: str
    timestamp: Long | None
    bids: list[ConsolidatedLevel]
    asks: list[ConsolidatedLevel]
    exchanges: list[str] = strawberry.field(description="The exchanges whose books were merged.")

    @classmethod
    def from_domain(cls, book: aggregate.ConsolidatedBook) -> ConsolidatedOrderBook:
        def levels(side: tuple[aggregate.ConsolidatedLevel, ...]) -> list[ConsolidatedLevel]:
            return [
                ConsolidatedLevel(
                    price=lvl.price,
                    amount=lvl.amount,
                    sources=[LevelSource(exchange_id=s.exchange_id, amount=s.amount) for s in lvl.sources],
                )
                for lvl in side
            ]

        return cls(
            symbol=book.symbol,
            timestamp=Long(book.timestamp) if book.timestamp is not None else None,
            bids=levels(book.bids),
            asks=levels(book.asks),
            exchanges=list(book.exchanges),
        )
