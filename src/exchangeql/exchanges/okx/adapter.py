"""The native OKX adapter: domain arguments in, domain models out (spot and perpetual swaps).

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from ...errors import BadRequest
from ...models import Candle, Market, MarketIndex, MarketType, OrderBook, Ticker, Trade
from ...settings import Settings
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import OkxEndpoints
from .errors import ERRORS

_INST_TYPE = {MarketType.SPOT: c.SPOT, MarketType.SWAP: c.SWAP}


def inst_types(markets: Sequence[Market]) -> list[str]:
    """The OKX instrument types of `markets`, in the order c.INST_TYPES lists them."""
    present = {_INST_TYPE[m.type] for m in markets if m.type in _INST_TYPE}
    return [kind for kind in c.INST_TYPES if kind in present]


class OkxAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = OkxEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        pages = await asyncio.gather(*(self.endpoints.instruments(kind) for kind in c.INST_TYPES))
        return parsing.parse_markets(info for page in pages for info in page)

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.ticker(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # OKX answers every instrument of one type in one call: one call per type asked, then filtered.
        wanted = index if markets is None else MarketIndex.of(markets)
        kinds = inst_types(wanted.markets)
        pages = await asyncio.gather(*(self.endpoints.tickers(kind) for kind in kinds))
        return [ticker for page in pages for ticker in parsing.parse_tickers(page, wanted)]

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        size = c.DEFAULT_BOOK if limit is None else min(limit, c.MAX_BOOK)
        return parsing.parse_order_book(await self.endpoints.books(market.id, size), market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        payload = await self.endpoints.trades(market.id, venue_limit)
        return parsing.parse_trades(payload, market, limit)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        bar = self.timeframes.get(timeframe)
        if bar is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        if since is None:
            venue_limit = None if limit is None else min(limit, c.MAX_CANDLES)
            payload = await self.endpoints.candles(market.id, bar, venue_limit)
        else:
            # The window (since - 1, since + n bars) holds exactly the n candles from `since` on; the
            # history endpoint serves any period (the recent one only keeps the last 1440 candles).
            page = min(limit or c.DEFAULT_CANDLES, c.MAX_HISTORY_CANDLES)
            end = since + c.TIMEFRAME_SECONDS[timeframe] * 1000 * page
            payload = await self.endpoints.history_candles(market.id, bar, max(since - 1, 0), end, page)
        return parsing.parse_ohlcv(payload, market, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "okx is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    return OkxAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
