"""The native HTX spot adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence

from ...errors import BadRequest
from ...models import Candle, Market, MarketIndex, OrderBook, Ticker, Trade
from ...settings import Settings
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import HtxEndpoints
from .errors import ERRORS


def depth_size(requested: int) -> int | None:
    """The smallest depth HTX serves that holds `requested` levels; None for its full 150 levels."""
    position = bisect_left(c.DEPTH_SIZES, requested)
    return c.DEPTH_SIZES[position] if position < len(c.DEPTH_SIZES) else None


class HtxAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = HtxEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.symbols())

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.detail_merged(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # HTX answers every pair in one call, whatever was asked: filter to the wanted markets.
        if markets is not None and not markets:
            return []
        wanted = index if markets is None else MarketIndex.of(markets)
        return parsing.parse_tickers(await self.endpoints.tickers(), wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        raw = await self.endpoints.depth(market.id, None if limit is None else depth_size(limit))
        return parsing.parse_order_book(raw, market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        # `size` counts aggregates, each one fill or more: `limit` of them hold at least `limit` fills.
        groups = c.DEFAULT_TRADE_GROUPS if limit is None else min(limit, c.MAX_TRADE_GROUPS)
        return parsing.parse_trades(await self.endpoints.history_trade(market.id, groups), market, limit)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        period = self.timeframes.get(timeframe)
        if period is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        if since is not None:
            size: int | None = c.MAX_KLINES  # no start time at the venue: the most it serves, then cut
        else:
            size = None if limit is None else min(limit, c.MAX_KLINES)
        raw = await self.endpoints.history_kline(market.id, period, size)
        return parsing.parse_ohlcv(raw, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "htx is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    return HtxAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
