"""One method per KuCoin spot public endpoint: builds the request, charges its weight, decodes once.

Every answer is the venue's envelope, decoded in one pass with its data into wire Structs. A code other
than "200000" is a venue error even with HTTP 200: it is mapped through errors.ERRORS. A body that is not
the expected shape (HTML from a proxy, a truncated read, a changed schema) raises UpstreamDecodeError,
never a raw msgspec error.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ...errors import BadSymbol, GatewayError, UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import AllTickers, CandleRow, Envelope, HistoryTrade, PartOrderBook, Stats, SymbolInfo

T = TypeVar("T")

# strict=False: sequences and candle times are integers sent as strings.
_SYMBOLS = msgspec.json.Decoder(Envelope[list[SymbolInfo]], strict=False)
_STATS = msgspec.json.Decoder(Envelope[Stats], strict=False)
_ALL_TICKERS = msgspec.json.Decoder(Envelope[AllTickers], strict=False)
_BOOK = msgspec.json.Decoder(Envelope[PartOrderBook], strict=False)
_HISTORIES = msgspec.json.Decoder(Envelope[list[HistoryTrade]], strict=False)
_CANDLES = msgspec.json.Decoder(Envelope[list[CandleRow]], strict=False)


def _venue_error(body: bytes, path: str, detail: str) -> GatewayError:
    return ERRORS.from_body(body) or UpstreamDecodeError(
        f"unexpected answer from {path} ({len(body)} bytes): {detail}", exchange=c.EXCHANGE_ID
    )


def _data(decoder: msgspec.json.Decoder[Envelope[T]], body: bytes, path: str, symbol: str | None = None) -> T:
    """The envelope's data; a venue error (any HTTP status) or an unexpected body raises."""
    try:
        envelope = decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        # An error envelope whose "data" has another type still says more than "undecodable".
        raise _venue_error(body, path, str(exc)) from exc
    if envelope.code != c.SUCCESS:
        raise _venue_error(body, path, f"code {envelope.code[:16]}")
    if envelope.data is None:
        if symbol is not None:  # a symbol the venue has no data for
            raise BadSymbol(f"{path}: no data for {symbol[:32]}", exchange=c.EXCHANGE_ID)
        raise UpstreamDecodeError(f"unexpected answer from {path}: no data", exchange=c.EXCHANGE_ID)
    return envelope.data


class KucoinEndpoints:
    """KuCoin spot public REST endpoints, https://www.kucoin.com/docs-new/rest/spot-trading/market-data."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None, weight: int) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=weight)

    async def symbols(self) -> list[SymbolInfo]:
        """GET /api/v2/symbols: every spot pair with its increments and size limits.

        Docs: https://www.kucoin.com/docs-new/rest/spot-trading/market-data/get-all-symbols
        """
        body = await self._get(c.SYMBOLS, None, c.SYMBOLS_WEIGHT)
        return _data(_SYMBOLS, body, c.SYMBOLS)

    async def stats(self, symbol: str) -> Stats:
        """GET /api/v1/market/stats?symbol=: one pair's 24 h statistics (best bid/ask, last, volumes).

        Docs: https://www.kucoin.com/docs-new/rest/spot-trading/market-data/get-24hr-stats
        """
        body = await self._get(c.STATS, {"symbol": symbol}, c.STATS_WEIGHT)
        return _data(_STATS, body, c.STATS, symbol)

    async def all_tickers(self) -> AllTickers:
        """GET /api/v1/market/allTickers: every pair's 24 h statistics in one snapshot.

        Docs: https://www.kucoin.com/docs-new/rest/spot-trading/market-data/get-all-tickers
        """
        body = await self._get(c.ALL_TICKERS, None, c.ALL_TICKERS_WEIGHT)
        return _data(_ALL_TICKERS, body, c.ALL_TICKERS)

    async def part_order_book(self, symbol: str, depth: int) -> PartOrderBook:
        """GET /api/v1/market/orderbook/level2_{20|100}?symbol=: the best 20 or 100 levels a side.

        Docs: https://www.kucoin.com/docs-new/rest/spot-trading/market-data/get-part-orderbook
        """
        path, weight = (
            (c.ORDERBOOK_20, c.ORDERBOOK_20_WEIGHT)
            if depth <= 20
            else (c.ORDERBOOK_100, c.ORDERBOOK_100_WEIGHT)
        )
        body = await self._get(path, {"symbol": symbol}, weight)
        return _data(_BOOK, body, path, symbol)

    async def histories(self, symbol: str) -> list[HistoryTrade]:
        """GET /api/v1/market/histories?symbol=: the latest 100 trades (the endpoint takes no limit).

        Docs: https://www.kucoin.com/docs-new/rest/spot-trading/market-data/get-trade-history
        """
        body = await self._get(c.HISTORIES, {"symbol": symbol}, c.HISTORIES_WEIGHT)
        return _data(_HISTORIES, body, c.HISTORIES, symbol)

    async def candles(
        self, symbol: str, candle_type: str, start_at: int | None = None, end_at: int | None = None
    ) -> list[CandleRow]:
        """GET /api/v1/market/candles?symbol=&type=[&startAt=&endAt=]: up to 1500 candles, newest first;
        startAt and endAt are in seconds.

        Docs: https://www.kucoin.com/docs-new/rest/spot-trading/market-data/get-klines
        """
        params: dict[str, str | int] = {"symbol": symbol, "type": candle_type}
        if start_at is not None:
            params["startAt"] = start_at
        if end_at is not None:
            params["endAt"] = end_at
        body = await self._get(c.CANDLES, params, c.CANDLES_WEIGHT)
        return _data(_CANDLES, body, c.CANDLES, symbol)
