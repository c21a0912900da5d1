"""One method per Binance spot endpoint: builds the request, charges its weight, decodes the answer once.

Every answer is decoded straight into its wire Struct; a body that is not that shape (HTML from a proxy,
a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec error. Non-2xx answers
never get here: the VenueClient maps them through errors.ERRORS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import AggTrade, Depth, ExchangeInfo, Kline, Ticker24hr

T = TypeVar("T")

# strict=False: recorded answers carry some integers as numeric strings (see schemas.py).
_EXCHANGE_INFO = msgspec.json.Decoder(ExchangeInfo, strict=False)
_TICKER = msgspec.json.Decoder(Ticker24hr, strict=False)
_TICKERS = msgspec.json.Decoder(list[Ticker24hr], strict=False)
_DEPTH = msgspec.json.Decoder(Depth, strict=False)
_AGG_TRADES = msgspec.json.Decoder(list[AggTrade], strict=False)
_KLINES = msgspec.json.Decoder(list[Kline], strict=False)


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        # Binance reports errors with non-2xx statuses; should an error body come with a 200 anyway
        # (a proxy, a fault drill), it still says more than "undecodable". Checked only on this path.
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


def symbols_param(ids: Sequence[str]) -> str:
    """The JSON array Binance expects in `symbols`, without spaces: ["BTCUSDT","ETHUSDT"]."""
    return msgspec.json.encode(list(ids)).decode()


class BinanceEndpoints:
    """Binance spot public REST endpoints, https://developers.binance.com/docs/binance-spot-api-docs/rest-api."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None, weight: int) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=weight)

    async def exchange_info(self) -> ExchangeInfo:
        """GET /api/v3/exchangeInfo: every spot symbol with its status and filters.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints#exchange-information
        `showPermissionSets=false` leaves out the per-symbol permission sets, most of the body's size.
        """
        body = await self._get(c.EXCHANGE_INFO, {"showPermissionSets": "false"}, c.EXCHANGE_INFO_WEIGHT)
        return _decode(_EXCHANGE_INFO, body, c.EXCHANGE_INFO)

    async def ticker_24hr(self, symbol: str) -> Ticker24hr:
        """GET /api/v3/ticker/24hr?symbol=: one symbol's rolling 24 h statistics.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#24hr-ticker-price-change-statistics
        """
        body = await self._get(c.TICKER_24HR, {"symbol": symbol}, c.ticker_24hr_weight(1))
        return _decode(_TICKER, body, c.TICKER_24HR)

    async def tickers_24hr(self, symbols: Sequence[str] | None = None) -> list[Ticker24hr]:
        """GET /api/v3/ticker/24hr[?symbols=[...]]: 24 h statistics of `symbols`, or of every symbol.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#24hr-ticker-price-change-statistics
        The weight grows with the number of symbols (80 for all of them).
        """
        params = None if symbols is None else {"symbols": symbols_param(symbols)}
        weight = c.ticker_24hr_weight(None if symbols is None else len(symbols))
        body = await self._get(c.TICKER_24HR, params, weight)
        return _decode(_TICKERS, body, c.TICKER_24HR)

    async def depth(self, symbol: str, limit: int | None = None) -> Depth:
        """GET /api/v3/depth: the order book, `limit` levels a side (one of constants.DEPTH_LIMITS).

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#order-book
        """
        params: dict[str, str | int] = {"symbol": symbol}
        if limit is not None:
            params["limit"] = limit
        body = await self._get(c.DEPTH, params, c.depth_weight(limit))
        return _decode(_DEPTH, body, c.DEPTH)

    async def agg_trades(self, symbol: str, limit: int | None = None) -> list[AggTrade]:
        """GET /api/v3/aggTrades: the most recent aggregate trades (fills of one taker order at one price).

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#compressedaggregate-trades-list
        """
        params: dict[str, str | int] = {"symbol": symbol}
        if limit is not None:
            params["limit"] = limit
        body = await self._get(c.AGG_TRADES, params, c.AGG_TRADES_WEIGHT)
        return _decode(_AGG_TRADES, body, c.AGG_TRADES)

    async def klines(
        self, symbol: str, interval: str, start_time: int | None = None, limit: int | None = None
    ) -> list[Kline]:
        """GET /api/v3/klines: candles of `interval`, oldest first, from `start_time` when given.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data
        """
        params: dict[str, str | int] = {"symbol": symbol, "interval": interval}
        if start_time is not None:
            params["startTime"] = start_time
        if limit is not None:
            params["limit"] = limit
        body = await self._get(c.KLINES, params, c.KLINES_WEIGHT)
        return _decode(_KLINES, body, c.KLINES)
