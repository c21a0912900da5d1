"""One method per OKX v5 endpoint: builds the request, charges its weight, decodes the answer once.

Every call asks the VenueClient to check 2xx bodies (OKX reports errors with HTTP 200 and a code other
than "0"), so errors are mapped, and retried when transient, inside the transport. A body that is not the
expected envelope (HTML from a proxy, a truncated read, a changed schema) raises UpstreamDecodeError,
never a raw msgspec error.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import Book, Books, Candle, Candles, Instrument, Instruments, Ticker, Tickers, Trade, Trades

T = TypeVar("T")

# strict=False: OKX sends times and counts as numeric strings (see schemas.py).
_INSTRUMENTS = msgspec.json.Decoder(Instruments, strict=False)
_TICKERS = msgspec.json.Decoder(Tickers, strict=False)
_BOOKS = msgspec.json.Decoder(Books, strict=False)
_TRADES = msgspec.json.Decoder(Trades, strict=False)
_CANDLES = msgspec.json.Decoder(Candles, strict=False)


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        # An error envelope the transport let through would still say more than "undecodable".
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


class OkxEndpoints:
    """OKX v5 public REST endpoints, https://www.okx.com/docs-v5/en/."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params, weight: int) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=weight, check_body=True)

    async def instruments(self, inst_type: str) -> list[Instrument]:
        """GET /api/v5/public/instruments?instType=: every instrument of one type (SPOT, SWAP).

        Docs: https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
        """
        body = await self._get(c.INSTRUMENTS, {"instType": inst_type}, c.INSTRUMENTS_WEIGHT)
        return _decode(_INSTRUMENTS, body, c.INSTRUMENTS).data

    async def ticker(self, inst_id: str) -> Ticker:
        """GET /api/v5/market/ticker?instId=: one instrument's last price, best bid/ask and 24 h volume.

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-ticker
        """
        body = await self._get(c.TICKER, {"instId": inst_id}, c.TICKER_WEIGHT)
        data = _decode(_TICKERS, body, c.TICKER).data
        if not data:
            raise UpstreamDecodeError(f"no ticker in the answer from {c.TICKER}", exchange=c.EXCHANGE_ID)
        return data[0]

    async def tickers(self, inst_type: str) -> list[Ticker]:
        """GET /api/v5/market/tickers?instType=: the tickers of every instrument of one type.

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers
        """
        body = await self._get(c.TICKERS, {"instType": inst_type}, c.TICKERS_WEIGHT)
        return _decode(_TICKERS, body, c.TICKERS).data

    async def books(self, inst_id: str, size: int | None = None) -> Book:
        """GET /api/v5/market/books: the order book, `size` levels a side (at most 400; by default 1).

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-order-book
        """
        params: dict[str, str | int] = {"instId": inst_id}
        if size is not None:
            params["sz"] = size
        body = await self._get(c.BOOKS, params, c.BOOKS_WEIGHT)
        data = _decode(_BOOKS, body, c.BOOKS).data
        if not data:
            raise UpstreamDecodeError(f"no book in the answer from {c.BOOKS}", exchange=c.EXCHANGE_ID)
        return data[0]

    async def trades(self, inst_id: str, limit: int | None = None) -> list[Trade]:
        """GET /api/v5/market/trades: the most recent trades, newest first (at most 500; default 100).

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-trades
        """
        params: dict[str, str | int] = {"instId": inst_id}
        if limit is not None:
            params["limit"] = limit
        body = await self._get(c.TRADES, params, c.TRADES_WEIGHT)
        return _decode(_TRADES, body, c.TRADES).data

    async def candles(self, inst_id: str, bar: str, limit: int | None = None) -> list[Candle]:
        """GET /api/v5/market/candles: the most recent candles (the last 1440), newest first.

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks
        """
        params: dict[str, str | int] = {"instId": inst_id, "bar": bar}
        if limit is not None:
            params["limit"] = limit
        body = await self._get(c.CANDLES, params, c.CANDLES_WEIGHT)
        return _decode(_CANDLES, body, c.CANDLES).data

    async def history_candles(
        self, inst_id: str, bar: str, before: int, after: int, limit: int | None = None
    ) -> list[Candle]:
        """GET /api/v5/market/history-candles: candles of any period, between `before` and `after`.

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks-history
        """
        params: dict[str, str | int] = {"instId": inst_id, "bar": bar, "before": before, "after": after}
        if limit is not None:
            params["limit"] = limit
        body = await self._get(c.HISTORY_CANDLES, params, c.HISTORY_CANDLES_WEIGHT)
        return _decode(_CANDLES, body, c.HISTORY_CANDLES).data
