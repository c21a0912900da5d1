"""One method per Coinbase Exchange public endpoint: builds the request, decodes the answer once.

Every answer is decoded straight into its wire Struct; a body that is not that shape (HTML from a proxy,
a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec error. Non-2xx answers
never get here: the VenueClient maps them through errors.ERRORS.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import Candle, Product, ProductBook, ProductTicker, ProductTrade

T = TypeVar("T")

_PRODUCTS = msgspec.json.Decoder(list[Product])
_TICKER = msgspec.json.Decoder(ProductTicker)
_BOOK = msgspec.json.Decoder(ProductBook)
_TRADES = msgspec.json.Decoder(list[ProductTrade])
_CANDLES = msgspec.json.Decoder(list[Candle])


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        # Coinbase reports errors with non-2xx statuses; an error body with a 200 anyway (a proxy, a fault
        # drill) still says more than "undecodable". Checked only on this path.
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


class CoinbaseExchangeEndpoints:
    """Coinbase Exchange public REST endpoints, https://docs.cdp.coinbase.com/exchange/rest-api/introduction."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None = None) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=c.REQUEST_WEIGHT)

    async def products(self) -> list[Product]:
        """GET /products: every trading pair with its increments and status.

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-all-known-trading-pairs
        """
        return _decode(_PRODUCTS, await self._get(c.PRODUCTS), c.PRODUCTS)

    async def product_ticker(self, product_id: str) -> ProductTicker:
        """GET /products/{product_id}/ticker: best bid and ask, last trade, 24 h volume.

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-ticker
        """
        path = c.product_path(product_id, "ticker")
        return _decode(_TICKER, await self._get(path), path)

    async def product_book(self, product_id: str, level: int) -> ProductBook:
        """GET /products/{product_id}/book?level=: level 1 the best bid and ask, level 2 the whole book
        aggregated by price.

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-book
        """
        path = c.product_path(product_id, "book")
        return _decode(_BOOK, await self._get(path, {"level": level}), path)

    async def product_trades(self, product_id: str, limit: int | None = None) -> list[ProductTrade]:
        """GET /products/{product_id}/trades: the latest trades, newest first.

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-trades
        """
        path = c.product_path(product_id, "trades")
        params = None if limit is None else {"limit": limit}
        return _decode(_TRADES, await self._get(path, params), path)

    async def product_candles(
        self, product_id: str, granularity: str, start: str | None = None, end: str | None = None
    ) -> list[Candle]:
        """GET /products/{product_id}/candles: up to 300 candles, newest first; start and end (ISO 8601)
        bound the window and count only together.

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-candles
        """
        path = c.product_path(product_id, "candles")
        params: dict[str, str | int] = {"granularity": granularity}
        if start is not None and end is not None:
            params["start"] = start
            params["end"] = end
        return _decode(_CANDLES, await self._get(path, params), path)
