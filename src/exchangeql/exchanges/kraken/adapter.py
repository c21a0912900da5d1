"""The native Kraken spot adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from ...errors import BadRequest, UpstreamDecodeError
from ...models import Candle, Market, MarketIndex, OrderBook, Ticker, Trade
from ...settings import Settings
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import KrakenEndpoints
from .errors import ERRORS

T = TypeVar("T")


class KrakenAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = KrakenEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    def _entry(self, result: Mapping[str, T], market: Market, what: str) -> T:
        entry = parsing.pick(result, market)
        if entry is None:
            raise UpstreamDecodeError(f"{what} answer without pair {market.id}", exchange=self.id)
        return entry

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.asset_pairs())

    async def fetch_ticker(self, market: Market) -> Ticker:
        result = await self.endpoints.ticker([market.id])
        return parsing.parse_ticker(self._entry(result, market, "ticker"), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        if markets is None:
            return parsing.parse_tickers(await self.endpoints.ticker(), index)
        if not markets:
            return []
        wanted = MarketIndex.of(markets)
        ids = list(wanted.by_id)
        # Every call weighs the same: past a few dozen pairs, ask for all rather than spell a huge URL.
        result = await self.endpoints.ticker(ids if len(ids) <= c.TICKERS_BY_LIST_MAX else None)
        return parsing.parse_tickers(result, wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        count = None if limit is None else min(limit, c.MAX_DEPTH)
        result = await self.endpoints.depth(market.id, count)
        return parsing.parse_order_book(self._entry(result, market, "order book"), market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        count = None if limit is None else min(limit, c.MAX_TRADES)
        result = await self.endpoints.trades(market.id, count)
        rows = self._entry(parsing.trade_rows(result), market, "trades")
        return parsing.parse_trades(rows, market, limit)

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
        # Kraken answers candles opening after `since`: start one interval earlier so the candle that
        # contains `since` comes too (parse_ohlcv drops what opens before it), as ccxt does.
        venue_since = None if since is None else since // 1000 - int(interval) * 60
        result = await self.endpoints.ohlc(market.id, interval, venue_since)
        rows = self._entry(parsing.ohlc_rows(result), market, "OHLC")
        return parsing.parse_ohlcv(rows, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "kraken is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    return KrakenAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
