"""One method per HTX spot endpoint: builds the request, charges its weight, decodes the answer once.

Every call asks the VenueClient to check 2xx bodies (HTX reports errors with HTTP 200 and status
"error"), so errors are mapped, and retried when transient, inside the transport. A body that is not the
expected shape (HTML from a proxy, a truncated read, a changed schema) raises UpstreamDecodeError, never a
raw msgspec error.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import Depth, HistoryTrades, Klines, Merged, SymbolInfo, Symbols, Tickers

T = TypeVar("T")

# strict=False: ids, times and counts come as numeric strings in some answers (see schemas.py).
_SYMBOLS = msgspec.json.Decoder(Symbols, strict=False)
_MERGED = msgspec.json.Decoder(Merged, strict=False)
_TICKERS = msgspec.json.Decoder(Tickers, strict=False)
_DEPTH = msgspec.json.Decoder(Depth, strict=False)
_TRADES = msgspec.json.Decoder(HistoryTrades, strict=False)
_KLINES = msgspec.json.Decoder(Klines, strict=False)


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


class HtxEndpoints:
    """HTX spot public REST endpoints, https://www.htx.com/en-us/opend/newApiPages/."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=c.WEIGHT, check_body=True)

    async def symbols(self) -> list[SymbolInfo]:
        """GET /v1/common/symbols: every spot pair with its precisions and order limits.

        Docs: https://huobiapi.github.io/docs/spot/v1/en/#get-all-supported-trading-symbol-v1-deprecated
        (the endpoint ccxt 4.5.90 reads; the v2 settings endpoint carries no order limits).
        """
        return _decode(_SYMBOLS, await self._get(c.SYMBOLS, None), c.SYMBOLS).data

    async def detail_merged(self, symbol: str) -> Merged:
        """GET /market/detail/merged?symbol=: one pair's rolling 24 h statistics and best bid/ask.

        Docs: https://huobiapi.github.io/docs/spot/v1/en/#get-latest-aggregated-ticker
        """
        return _decode(_MERGED, await self._get(c.DETAIL_MERGED, {"symbol": symbol}), c.DETAIL_MERGED)

    async def tickers(self) -> Tickers:
        """GET /market/tickers: the tickers of every pair.

        Docs: https://huobiapi.github.io/docs/spot/v1/en/#get-latest-tickers-for-all-pairs
        """
        return _decode(_TICKERS, await self._get(c.TICKERS, None), c.TICKERS)

    async def depth(self, symbol: str, depth: int | None = None) -> Depth:
        """GET /market/depth?type=step0: the unaggregated book, `depth` levels a side (5, 10, 20; else 150).

        Docs: https://huobiapi.github.io/docs/spot/v1/en/#get-market-depth
        """
        params: dict[str, str | int] = {"symbol": symbol, "type": "step0"}
        if depth is not None:
            params["depth"] = depth
        return _decode(_DEPTH, await self._get(c.DEPTH, params), c.DEPTH)

    async def history_trade(self, symbol: str, size: int) -> HistoryTrades:
        """GET /market/history/trade: the `size` most recent aggregates (each: the fills of one taker order).

        Docs: https://huobiapi.github.io/docs/spot/v1/en/#get-the-most-recent-trades
        """
        params: dict[str, str | int] = {"symbol": symbol, "size": size}
        return _decode(_TRADES, await self._get(c.HISTORY_TRADE, params), c.HISTORY_TRADE)

    async def history_kline(self, symbol: str, period: str, size: int | None = None) -> Klines:
        """GET /market/history/kline: the latest `size` candles of `period`, newest first (default 150).

        Docs: https://huobiapi.github.io/docs/spot/v1/en/#get-klines-candles
        """
        params: dict[str, str | int] = {"symbol": symbol, "period": period}
        if size is not None:
            params["size"] = size
        return _decode(_KLINES, await self._get(c.HISTORY_KLINE, params), c.HISTORY_KLINE)
