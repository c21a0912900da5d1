"""The native Gemini adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models. See constants.py for what markets and tickers carry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...errors import BadRequest
from ...models import Candle, Market, MarketIndex, OrderBook, Ticker, Trade
from ...settings import Settings
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import GeminiEndpoints
from .errors import ERRORS


class GeminiAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = GeminiEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.symbols())

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.pubticker(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # One price-feed call answers every pair (last price and 24 h change only): keep the wanted.
        if markets is not None and not markets:
            return []
        wanted = index if markets is None else MarketIndex.of(markets)
        return parsing.parse_price_tickers(await self.endpoints.pricefeed(), wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        return parsing.parse_order_book(await self.endpoints.book(market.id, limit), market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        return parsing.parse_trades(await self.endpoints.trades(market.id, venue_limit), market, limit)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        time_frame = self.timeframes.get(timeframe)
        if time_frame is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        # The endpoint takes neither a start nor a count: it answers its recent window, cut here.
        return parsing.parse_ohlcv(await self.endpoints.candles(market.id, time_frame), since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "gemini is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    return GeminiAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
