"""The native Bitfinex adapter (API v2): domain arguments in, domain models out.

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
from .endpoints import BitfinexEndpoints
from .errors import ERRORS


def book_length(requested: int) -> int:
    """The smallest book length Bitfinex serves that holds `requested` levels a side (100 at most)."""
    position = bisect_left(c.BOOK_LENGTHS, requested)
    return c.BOOK_LENGTHS[min(position, len(c.BOOK_LENGTHS) - 1)]


class BitfinexAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = BitfinexEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.pairs_config())

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.ticker(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        if markets is None:
            return parsing.parse_tickers(await self.endpoints.tickers(), index)
        if not markets:
            return []
        wanted = MarketIndex.of(markets)
        ids = list(wanted.by_id)
        # A long list makes a long URL for no saving: ask for ALL and keep the wanted ones.
        payload = await self.endpoints.tickers(ids if len(ids) <= c.TICKERS_BY_LIST_MAX else None)
        return parsing.parse_tickers(payload, wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        raw = await self.endpoints.book(market.id, None if limit is None else book_length(limit))
        return parsing.parse_order_book(raw, market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        return parsing.parse_trades(await self.endpoints.trades(market.id, venue_limit), market)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        interval = self.timeframes.get(timeframe)
        if interval is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_CANDLES)
        raw = await self.endpoints.candles(interval, market.id, since, venue_limit)
        return parsing.parse_ohlcv(raw, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "bitfinex is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    return BitfinexAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
