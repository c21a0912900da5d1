"""One method per Gemini public endpoint: builds the request, charges its weight, decodes the answer once.

Every answer is decoded straight into its wire Struct; a body that is not that shape (HTML from a proxy,
a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec error. Gemini reports
errors with non-2xx statuses, which the VenueClient maps through errors.ERRORS before they get here; an
error body with a 200 (a proxy, a fault drill) is still read as an error.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import Book, Candle, Price, PubTicker, Trade

T = TypeVar("T")

# strict=False: recorded answers carry some integers as numeric strings (see schemas.py).
_SYMBOLS = msgspec.json.Decoder(list[str])
_PUBTICKER = msgspec.json.Decoder(PubTicker, strict=False)
_PRICEFEED = msgspec.json.Decoder(list[Price], strict=False)
_BOOK = msgspec.json.Decoder(Book, strict=False)
_TRADES = msgspec.json.Decoder(list[Trade], strict=False)
_CANDLES = msgspec.json.Decoder(list[Candle], strict=False)


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


class GeminiEndpoints:
    """Gemini public REST endpoints, https://docs.gemini.com/rest/market-data."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None = None) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=c.CALL_WEIGHT)

    async def symbols(self) -> list[str]:
        """GET /v1/symbols: every symbol id, lower case.

        Docs: https://docs.gemini.com/rest/market-data#list-symbols
        """
        return _decode(_SYMBOLS, await self._get(c.SYMBOLS), c.SYMBOLS)

    async def pubticker(self, symbol: str) -> PubTicker:
        """GET /v1/pubticker/{symbol}: bid, ask, last and 24 h volumes.

        Docs: https://docs.gemini.com/rest/market-data#get-ticker
        """
        path = c.pubticker_path(symbol)
        return _decode(_PUBTICKER, await self._get(path), path)

    async def pricefeed(self) -> list[Price]:
        """GET /v1/pricefeed: every pair's last price and 24 h change, in one call.

        Docs: https://docs.gemini.com/rest/market-data#list-prices
        """
        return _decode(_PRICEFEED, await self._get(c.PRICEFEED), c.PRICEFEED)

    async def book(self, symbol: str, limit: int | None = None) -> Book:
        """GET /v1/book/{symbol}: the order book, `limit` levels a side (venue default 50; 0 = all).

        Docs: https://docs.gemini.com/rest/market-data#get-current-order-book
        """
        path = c.book_path(symbol)
        params = None if limit is None else {"limit_bids": limit, "limit_asks": limit}
        return _decode(_BOOK, await self._get(path, params), path)

    async def trades(self, symbol: str, limit: int | None = None) -> list[Trade]:
        """GET /v1/trades/{symbol}: the most recent trades, newest first (venue default 50, at most 500).

        Docs: https://docs.gemini.com/rest/market-data#list-trades
        """
        path = c.trades_path(symbol)
        params = None if limit is None else {"limit_trades": limit}
        return _decode(_TRADES, await self._get(path, params), path)

    async def candles(self, symbol: str, time_frame: str) -> list[Candle]:
        """GET /v2/candles/{symbol}/{time_frame}: recent candles, newest first.

        Docs: https://docs.gemini.com/rest/market-data#list-candles
        """
        path = c.candles_path(symbol, time_frame)
        return _decode(_CANDLES, await self._get(path), path)
