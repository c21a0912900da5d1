"""One method per Bitstamp API v2 public endpoint: builds the request, charges its weight, decodes once.

Every answer is decoded straight into its wire Struct; a body that is not that shape (HTML from a proxy,
a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec error. Bitstamp also
reports some errors with HTTP 200: when decoding fails, the body is read as an error before giving up.
Non-2xx answers never get here: the VenueClient maps them through errors.ERRORS.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import MarketInfo, OhlcAnswer, OrderBook, Ticker, Transaction

T = TypeVar("T")

# strict=False: Bitstamp sends times as numeric strings (see schemas.py).
_MARKETS = msgspec.json.Decoder(list[MarketInfo], strict=False)
_TICKER = msgspec.json.Decoder(Ticker, strict=False)
_TICKERS = msgspec.json.Decoder(list[Ticker], strict=False)
_ORDER_BOOK = msgspec.json.Decoder(OrderBook, strict=False)
_TRANSACTIONS = msgspec.json.Decoder(list[Transaction], strict=False)
_OHLC = msgspec.json.Decoder(OhlcAnswer, strict=False)


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


class BitstampEndpoints:
    """Bitstamp HTTP API v2 public endpoints, https://www.bitstamp.net/api/."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None = None) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=c.CALL_WEIGHT)

    async def markets(self) -> list[MarketInfo]:
        """GET /api/v2/markets/: every market (spot and perpetual) with decimals, minimums and status.

        Docs: https://www.bitstamp.net/api/#tag/Market-info/operation/GetTradingPairsInfo
        """
        return _decode(_MARKETS, await self._get(c.MARKETS), c.MARKETS)

    async def ticker(self, pair: str) -> Ticker:
        """GET /api/v2/ticker/{pair}/: one market's ticker.

        Docs: https://www.bitstamp.net/api/#tag/Tickers/operation/GetMarketTicker
        """
        path = c.ticker_path(pair)
        return _decode(_TICKER, await self._get(path), path)

    async def tickers(self) -> list[Ticker]:
        """GET /api/v2/ticker/: the tickers of every market, each with its `pair`.

        Docs: https://www.bitstamp.net/api/#tag/Tickers/operation/GetCurrencyPairTickers
        """
        return _decode(_TICKERS, await self._get(c.TICKERS), c.TICKERS)

    async def order_book(self, pair: str) -> OrderBook:
        """GET /api/v2/order_book/{pair}/: the whole book, levels grouped by price (the default).

        Docs: https://www.bitstamp.net/api/#tag/Order-book/operation/GetOrderBook
        """
        path = c.order_book_path(pair)
        return _decode(_ORDER_BOOK, await self._get(path), path)

    async def transactions(self, pair: str) -> list[Transaction]:
        """GET /api/v2/transactions/{pair}/?time=hour: the last hour's public trades, newest first.

        Docs: https://www.bitstamp.net/api/#tag/Transactions-public/operation/GetTransactions
        """
        path = c.transactions_path(pair)
        return _decode(_TRANSACTIONS, await self._get(path, {"time": c.TRADES_WINDOW}), path)

    async def ohlc(self, pair: str, step: str, limit: int, start: int | None = None) -> OhlcAnswer:
        """GET /api/v2/ohlc/{pair}/?step=&limit=[&start=]: `limit` candles of `step` seconds.

        Docs: https://www.bitstamp.net/api/#tag/Market-info/operation/GetOHLCData
        """
        path = c.ohlc_path(pair)
        params: dict[str, str | int] = {"step": step, "limit": limit}
        if start is not None:
            params["start"] = start
        return _decode(_OHLC, await self._get(path, params), path)
