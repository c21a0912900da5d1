"""The native Bitstamp adapter (API v2): domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models.
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
from .endpoints import BitstampEndpoints
from .errors import ERRORS


class BitstampAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = BitstampEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.markets())

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.ticker(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # One call answers every pair (there is no list form): ask for all, keep the wanted.
        if markets is not None and not markets:
            return []
        wanted = index if markets is None else MarketIndex.of(markets)
        return parsing.parse_tickers(await self.endpoints.tickers(), wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)  # the venue always answers the whole book: cut here
        return parsing.parse_order_book(await self.endpoints.order_book(market.id), market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        return parsing.parse_trades(await self.endpoints.transactions(market.id), market, limit)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        step = self.timeframes.get(timeframe)
        if step is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        venue_limit = c.MAX_CANDLES if limit is None else min(limit, c.MAX_CANDLES)
        start = None if since is None else since // 1000
        answer = await self.endpoints.ohlc(market.id, step, venue_limit, start)
        return parsing.parse_ohlcv(answer, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "bitstamp is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors "
            "and SPEC.rate_limit), got None"
        )
    return BitstampAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
