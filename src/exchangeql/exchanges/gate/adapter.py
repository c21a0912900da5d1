"""The native Gate spot adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...clock import now_ms
from ...errors import BadRequest, UpstreamDecodeError
from ...models import Candle, Market, MarketIndex, OrderBook, Ticker, Trade
from ...settings import Settings
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import GateEndpoints
from .errors import ERRORS


class GateAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = GateEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.currency_pairs())

    async def fetch_ticker(self, market: Market) -> Ticker:
        payload = await self.endpoints.tickers(market.id)
        if not payload:
            raise UpstreamDecodeError("no ticker in the answer from /api/v4/spot/tickers", exchange=self.id)
        return parsing.parse_ticker(payload[0], market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # Gate answers one pair or every pair: one call for all, filtered to the wanted markets.
        if markets is not None and not markets:
            return []
        if markets is not None and len(markets) == 1:
            (market,) = markets
            return parsing.parse_tickers(await self.endpoints.tickers(market.id), MarketIndex.of(markets))
        wanted = index if markets is None else MarketIndex.of(markets)
        return parsing.parse_tickers(await self.endpoints.tickers(), wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_BOOK)
        return parsing.parse_order_book(
            await self.endpoints.order_book(market.id, venue_limit), market, limit
        )

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        return parsing.parse_trades(await self.endpoints.trades(market.id, venue_limit), market, limit)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        interval = c.INTERVALS.get(timeframe)
        if interval is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        name, seconds = interval
        if since is None:
            venue_limit = None if limit is None else min(limit, c.MAX_CANDLES)
            payload = await self.endpoints.candlesticks(market.id, name, venue_limit)
        else:
            # Gate takes a window instead of a limit: `count` candles from `since`, never past now.
            count = min(limit or c.MAX_CANDLES, c.MAX_CANDLES)
            start = since // 1000
            end = min(start + (count - 1) * seconds, now_ms() // 1000)
            payload = await self.endpoints.candlesticks(market.id, name, start=start, end=end)
        return parsing.parse_ohlcv(payload, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "gate is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    return GateAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
