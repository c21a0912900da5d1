"""One method per Bitfinex API v2 public endpoint: builds the request, charges its weight, decodes once.

Every answer is decoded straight into its wire Structs; a body that is not that shape (HTML from a proxy,
a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec error. Non-2xx answers
never get here: the VenueClient maps them through errors.ERRORS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import msgspec

from ...errors import BadSymbol, UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import BookEntry, CandleRow, PairsConfig, PublicTrade, TickerRow, TradingTicker

T = TypeVar("T")

_PAIRS = msgspec.json.Decoder(PairsConfig)
_TICKER = msgspec.json.Decoder(TradingTicker)
_TICKERS = msgspec.json.Decoder(list[TickerRow])
_BOOK = msgspec.json.Decoder(list[BookEntry])
_TRADES = msgspec.json.Decoder(list[PublicTrade])
_CANDLES = msgspec.json.Decoder(list[CandleRow])


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        # An error array with a 200 (a proxy, a fault drill) still says more than "undecodable".
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


class BitfinexEndpoints:
    """Bitfinex API v2 public REST endpoints, https://docs.bitfinex.com/docs/rest-public."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None, weight: float) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=weight)

    async def pairs_config(self) -> PairsConfig:
        """GET /v2/conf/pub:info:pair,pub:info:pair:futures: spot pairs and perpetuals, with order sizes.

        Docs: https://docs.bitfinex.com/reference/rest-public-conf
        """
        body = await self._get(c.CONF_PAIRS, None, c.CONF_WEIGHT)
        return _decode(_PAIRS, body, c.CONF_PAIRS)

    async def ticker(self, symbol: str) -> TradingTicker:
        """GET /v2/ticker/{symbol}: one pair's ticker, without the symbol.

        Docs: https://docs.bitfinex.com/reference/rest-public-ticker
        An unknown symbol answers an empty array.
        """
        path = c.ticker_path(symbol)
        body = await self._get(path, None, c.TICKER_WEIGHT)
        if body.strip() == b"[]":
            raise BadSymbol(f"no ticker for {symbol[:32]}", exchange=c.EXCHANGE_ID)
        return _decode(_TICKER, body, path)

    async def tickers(self, symbols: Sequence[str] | None = None) -> list[TickerRow]:
        """GET /v2/tickers?symbols=: tickers of `symbols` (comma-separated ids), or ALL (funding included).

        Docs: https://docs.bitfinex.com/reference/rest-public-tickers
        """
        wanted = "ALL" if symbols is None else ",".join(symbols)
        body = await self._get(c.TICKERS, {"symbols": wanted}, c.TICKERS_WEIGHT)
        return _decode(_TICKERS, body, c.TICKERS)

    async def book(self, symbol: str, length: int | None = None) -> list[BookEntry]:
        """GET /v2/book/{symbol}/P0?len=: the book aggregated by price, `len` levels a side (1, 25, 100).

        Docs: https://docs.bitfinex.com/reference/rest-public-book
        """
        path = c.book_path(symbol)
        params = None if length is None else {"len": length}
        return _decode(_BOOK, await self._get(path, params, c.BOOK_WEIGHT), path)

    async def trades(self, symbol: str, limit: int | None = None) -> list[PublicTrade]:
        """GET /v2/trades/{symbol}/hist?sort=-1: the latest trades, newest first (120 by default).

        Docs: https://docs.bitfinex.com/reference/rest-public-trades
        """
        path = c.trades_path(symbol)
        params: dict[str, str | int] = {"sort": -1}
        if limit is not None:
            params["limit"] = limit
        return _decode(_TRADES, await self._get(path, params, c.TRADES_WEIGHT), path)

    async def candles(
        self, timeframe: str, symbol: str, start: int | None = None, limit: int | None = None
    ) -> list[CandleRow]:
        """GET /v2/candles/trade:{timeframe}:{symbol}/hist: candles, newest first, or oldest first from
        `start` (sort=1); 100 by default.

        Docs: https://docs.bitfinex.com/reference/rest-public-candles
        """
        path = c.candles_path(timeframe, symbol)
        params: dict[str, str | int] = {}
        if limit is not None:
            params["limit"] = limit
        if start is not None:
            params["start"] = start
            params["sort"] = 1
        return _decode(_CANDLES, await self._get(path, params or None, c.CANDLES_WEIGHT), path)
