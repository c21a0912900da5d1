"""The native KuCoin spot adapter: domain arguments in, domain models out.

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
from .endpoints import KucoinEndpoints
from .errors import ERRORS


def book_depth(requested: int | None) -> int:
    """The public book that holds `requested` levels: 20 or 100 (100 when None or more: the most the public
    endpoints serve; the whole book needs an API key)."""
    return 20 if requested is not None and requested <= 20 else 100


def candle_window(since: int, limit: int | None, timeframe_s: int) -> tuple[int, int]:
    """[startAt, endAt] in seconds for `limit` candles (1500 at most) from `since` (ms)."""
    count = c.MAX_CANDLES if limit is None else min(limit, c.MAX_CANDLES)
    return since // 1000, (since + count * timeframe_s * 1000) // 1000


class KucoinAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES

    def __init__(self, client: VenueClient) -> None:
        self.endpoints = KucoinEndpoints(client)

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        return parsing.parse_markets(await self.endpoints.symbols())

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.stats(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        if markets is not None and not markets:
            return []
        # One snapshot of every pair is the only multi-pair endpoint: filter it to the wanted ones.
        snapshot = await self.endpoints.all_tickers()
        return parsing.parse_tickers(snapshot, index if markets is None else MarketIndex.of(markets))

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        raw = await self.endpoints.part_order_book(market.id, book_depth(limit))
        return parsing.parse_order_book(raw, market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        trades = parsing.parse_trades(await self.endpoints.histories(market.id), market)
        # The endpoint takes no limit: keep the latest `limit`.
        return trades if limit is None else trades[max(len(trades) - limit, 0) :]

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        candle_type = self.timeframes.get(timeframe)
        if candle_type is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        start_at = end_at = None
        if since is not None:
            start_at, end_at = candle_window(since, limit, c.TIMEFRAME_SECONDS[timeframe])
        raw = await self.endpoints.candles(market.id, candle_type, start_at, end_at)
        return parsing.parse_ohlcv(raw, since, limit)


def create(client: VenueClient | None, settings: Settings) -> Adapter:
    if client is None:
        raise ValueError(
            "kucoin is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    return KucoinAdapter(client)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
