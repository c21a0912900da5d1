"""The native Coinbase Exchange adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...errors import BadRequest, NotSupported
from ...models import Candle, Market, MarketIndex, OrderBook, Ticker, Trade
from ...settings import Settings
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import CoinbaseExchangeEndpoints
from .errors import ERRORS


def candle_window(since: int, limit: int | None, granularity_s: int) -> tuple[int, int]:
    """The [start, end] the candles endpoint is asked for, in epoch ms: `limit` candles (300 at most) from
    `since`. An aligned `since` opens the first candle itself, so the window ends one step earlier (as
    ccxt asks, so that the venue's 300-candle cap is never exceeded)."""
    step = granularity_s * 1000
    count = c.MAX_CANDLES if limit is None else min(limit, c.MAX_CANDLES)
    span = (count - 1) * step if since % step == 0 else count * step
    return since, since + span


class CoinbaseExchangeAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = CoinbaseExchangeEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.products())

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.product_ticker(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # Capability NONE: see constants.CAPABILITIES for why this is not emulated.
        raise NotSupported(
            "Coinbase Exchange has no all-tickers endpoint; ask for tickers by symbol "
            "(one /products/{id}/ticker call each)",
            exchange=self.id,
        )

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        level = c.BOOK_LEVEL_BEST if limit == 1 else c.BOOK_LEVEL_AGGREGATED
        raw = await self.endpoints.product_book(market.id, level)
        return parsing.parse_order_book(raw, market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        return parsing.parse_trades(await self.endpoints.product_trades(market.id, venue_limit), market)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        granularity = self.timeframes.get(timeframe)
        if granularity is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        start = end = None
        if since is not None:
            first, last = candle_window(since, limit, int(granularity))
            start, end = parsing.iso_time(first), parsing.iso_time(last)
        raw = await self.endpoints.product_candles(market.id, granularity, start, end)
        return parsing.parse_ohlcv(raw, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "coinbaseexchange is a native HTTP adapter: its factory needs a VenueClient (built from "
            "SPEC.errors and SPEC.rate_limit), got None"
        )
    return CoinbaseExchangeAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
