"""The gateway's view of each exchange: an adapter behind the cache, with arguments checked first.

`ExchangeService` is what resolvers call. It validates user input (symbol form, limits, timeframes,
capabilities) before any upstream call, resolves unified symbols through the exchange's cached markets,
and reads every answer through the response cache (TTL per data kind, single-flight).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import httpx

from .cache import Entry, ResponseCache, cache_key, note_fresh
from .errors import BadRequest, BadSymbol, NotSupported
from .exchanges.base import Adapter, AdapterSpec, Engine, Method, Support
from .exchanges.catalog import Catalog, CatalogEntry, ExchangeStatus, load_catalog, unavailable_error
from .exchanges.registry import NATIVE_SPECS
from .models import Candle, Market, MarketIndex, OrderBook, Ticker, Trade
from .settings import DataKind, Settings
from .symbols import parse_symbol
from .transport.client import VenueClient, build_venue_client
from .transport.ratelimit import LimiterFor, TokenBucket

T = TypeVar("T")

MAX_LIMIT = 5000


def check_limit(limit: int | None, *, maximum: int = MAX_LIMIT) -> int | None:
    if limit is not None and not 1 <= limit <= maximum:
        raise BadRequest(f"limit must be between 1 and {maximum}, got {limit}")
    return limit


class ExchangeService:
    def __init__(
        self,
        spec: AdapterSpec,
        adapter: Adapter,
        engine: Engine,
        cache: ResponseCache,
        settings: Settings,
        client: VenueClient | None = None,
    ) -> None:
        self.spec = spec
        self.adapter = adapter
        self.client = client
        self.engine = engine
        self.cache = cache
        self.settings = settings
        self._markets: Entry[MarketIndex] | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    async def close(self) -> None:
        await self.adapter.close()
        if self.client is not None:
            await self.client.http.aclose()

    @property
    def capabilities(self) -> Mapping[Method, Support]:
        return self.adapter.capabilities

    def _require(self, method: Method) -> None:
        if self.adapter.capabilities.get(method, Support.NONE) is Support.NONE:
            raise NotSupported(f"{method.value} is not available on {self.id}", exchange=self.id)

    async def _cached(self, kind: DataKind, key: str, fetch: Callable[[], Awaitable[T]]) -> Entry[T]:
        ttl = self.settings.ttl_for(self.id, kind)
        entry = await self.cache.get_or_fetch(key, ttl, fetch)
        note_fresh(entry.fetched_at, ttl)
        return entry

    async def markets(self) -> Entry[MarketIndex]:
        # Markets are read on every symbol lookup: keep the index in process until its TTL runs out,
        # so a Redis cache is not asked (and unpickled) for thousands of markets per request.
        ttl_ms = self.settings.ttl_for(self.id, DataKind.MARKETS) * 1000
        local = self._markets
        if local is not None and local.age_ms() < ttl_ms:
            note_fresh(local.fetched_at, ttl_ms / 1000)
            return local

        async def fetch() -> MarketIndex:
            return MarketIndex.of(await self.adapter.fetch_markets())

        self._require(Method.FETCH_MARKETS)
        entry = await self._cached(DataKind.MARKETS, cache_key(self.id, "markets"), fetch)
        self._markets = entry
        return entry

    async def market(self, symbol: str) -> Market:
        parse_symbol(symbol)
        index = (await self.markets()).value
        market = index.by_symbol.get(symbol)
        if market is None:
            raise BadSymbol(f"{self.id} has no market {symbol}", exchange=self.id)
        return market

    async def ticker(self, symbol: str) -> Entry[Ticker]:
        self._require(Method.FETCH_TICKER)
        market = await self.market(symbol)
        return await self._cached(
            DataKind.TICKER, cache_key(self.id, "ticker", symbol), lambda: self.adapter.fetch_ticker(market)
        )

    async def tickers(self, symbols: Sequence[str] | None) -> list[Entry[Ticker]]:
        """Tickers for `symbols`, or every ticker of the exchange (one venue call) when None."""
        if symbols is not None:
            return list(await asyncio.gather(*(self.ticker(s) for s in dict.fromkeys(symbols))))
        self._require(Method.FETCH_TICKERS)
        index = (await self.markets()).value
        entry = await self._cached(
            DataKind.TICKERS, cache_key(self.id, "tickers"), lambda: self.adapter.fetch_tickers(index, None)
        )
        return [Entry(t, entry.fetched_at) for t in entry.value]

    async def order_book(self, symbol: str, limit: int | None) -> Entry[OrderBook]:
        self._require(Method.FETCH_ORDER_BOOK)
        check_limit(limit)
        market = await self.market(symbol)
        return await self._cached(
            DataKind.ORDER_BOOK,
            cache_key(self.id, "book", symbol, limit),
            lambda: self.adapter.fetch_order_book(market, limit),
        )

    async def trades(self, symbol: str, limit: int | None) -> Entry[list[Trade]]:
        self._require(Method.FETCH_TRADES)
        check_limit(limit)
        market = await self.market(symbol)
        return await self._cached(
            DataKind.TRADES,
            cache_key(self.id, "trades", symbol, limit),
            lambda: self.adapter.fetch_trades(market, limit),
        )

    async def candles(self, symbol: str, timeframe: str, limit: int | None) -> Entry[list[Candle]]:
        self._require(Method.FETCH_OHLCV)
        check_limit(limit)
        if timeframe not in self.adapter.timeframes:
            supported = ", ".join(self.adapter.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r} on {self.id}; supported: {supported}",
                exchange=self.id,
            )
        market = await self.market(symbol)
        return await self._cached(
            DataKind.OHLCV,
            cache_key(self.id, "ohlcv", symbol, timeframe, limit),
            lambda: self.adapter.fetch_ohlcv(market, timeframe, None, limit),
        )


@dataclass(frozen=True, slots=True)
class ExchangeRef:
    """One exchange as the schema sees it: its catalogue entry, and the service when an engine serves it."""

    entry: CatalogEntry
    engine: Engine | None = None
    service: ExchangeService | None = None

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def status(self) -> str:
        return self.entry.status.value

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.entry.aliases

    @property
    def seed_ids(self) -> tuple[str, ...]:
        return self.entry.seed_ids

    @property
    def successor(self) -> str | None:
        return self.entry.successor

    @property
    def notes(self) -> str | None:
        return self.entry.notes

    def require_service(self) -> ExchangeService:
        """The service, or the typed reason why it cannot answer (with the catalogue's evidence)."""
        if self.service is not None:
            return self.service
        raise unavailable_error(self.entry)


@dataclass
class Gateway:
    """All exchanges of one running gateway, looked up by id, seed id or alias."""

    refs: dict[str, ExchangeRef]
    catalog: Catalog
    cache: ResponseCache

    def lookup(self, exchange_id: str) -> ExchangeRef | None:
        """By current id, seed id or alias, in any case."""
        entry = self.catalog.resolve(exchange_id.strip())
        return self.refs.get(entry.id) if entry is not None else None

    def get(self, exchange_id: str) -> ExchangeRef:
        ref = self.lookup(exchange_id)
        if ref is None:
            raise BadRequest(f"unknown exchange {exchange_id[:64]!r}", exchange=exchange_id[:64])
        return ref

    def service(self, exchange_id: str) -> ExchangeService:
        return self.get(exchange_id).require_service()

    @property
    def services(self) -> list[ExchangeService]:
        return [ref.service for ref in self.refs.values() if ref.service is not None]

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.services), return_exceptions=True)


# The httpx transport for one exchange id; None means the real network.
TransportFor = Callable[[str], "httpx.AsyncBaseTransport | None"]


def _network(_: str) -> httpx.AsyncBaseTransport | None:
    return None


def build_gateway(
    settings: Settings,
    cache: ResponseCache,
    *,
    transport_for: TransportFor = _network,
    replay: bool = False,
    catalog: Catalog | None = None,
    limiter_for: LimiterFor = TokenBucket,
) -> Gateway:
    """Wire every catalogue exchange: ACTIVE ones get an engine (native where we have one, else ccxt
    when installed), a transport and a cached service; the others keep their status and evidence.

    With `replay`, native exchanges are served from recordings and report Engine.REPLAY.
    """
    catalog = catalog or load_catalog()
    refs: dict[str, ExchangeRef] = {}
    for entry in catalog.entries.values():
        spec = _engine_spec(entry, settings)
        exchange_settings = settings.exchange(entry.id)
        if spec is None or not exchange_settings.enabled:
            refs[entry.id] = ExchangeRef(entry)
            continue
        engine = spec.engine
        if replay and spec.engine is Engine.NATIVE:
            # The replay app serves each venue under /<id>; the origin here is only a name.
            engine = Engine.REPLAY
            exchange_settings = replace(exchange_settings, upstream=f"http://replay.invalid/{spec.id}")
        client = None
        if spec.errors is not None and spec.rate_limit is not None:
            client = build_venue_client(
                spec.id,
                exchange_settings,
                errors=spec.errors,
                default_rate_limit=spec.rate_limit,
                deadline_s=settings.request_deadline_ms / 1000,
                transport=transport_for(spec.id),
                limiter_for=limiter_for,
            )
        service = ExchangeService(spec, spec.factory(client, settings), engine, cache, settings, client)
        refs[entry.id] = ExchangeRef(entry, engine, service)
    return Gateway(refs, catalog, cache)


def _engine_spec(entry: CatalogEntry, settings: Settings) -> AdapterSpec | None:
    """Native where we have one, else ccxt (when the extra is installed); `engine` in settings overrides."""
    if entry.status is not ExchangeStatus.ACTIVE:
        return None
    choice = settings.exchange(entry.id).engine
    native = NATIVE_SPECS.get(entry.id)
    if native is not None and choice != "ccxt":
        return native
    if importlib.util.find_spec("ccxt") is None:  # the optional extra is not installed
        return None
    from .exchanges.ccxt_bridge import ccxt_spec  # imports no ccxt until an adapter is built

    return ccxt_spec(entry.id, entry.name)
