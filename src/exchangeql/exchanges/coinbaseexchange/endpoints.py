"""One method per Coinbase Exchange endpoint: builds the request, decodes the answer once.

Every answer is decoded straight into its wire Struct; a body that is not that shape (HTML from a proxy,
a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec error. Non-2xx answers
never get here: the VenueClient maps them through errors.ERRORS.

Signed requests go through VenueClient.send, once: an order must never be sent twice, and a signed
request carries a timestamp the venue honours for 30 seconds only, so a retry must be signed anew (which
VenueClient.get, retrying the request as it was signed, cannot do).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from ...errors import BadSymbol, NotSupported, OrderNotFound, UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import Account, Candle, Order, Product, ProductBook, ProductTicker, ProductTrade
from .signing import CoinbaseExchangeSigner, Pairs

T = TypeVar("T")

_PRODUCTS = msgspec.json.Decoder(list[Product])
_TICKER = msgspec.json.Decoder(ProductTicker)
_BOOK = msgspec.json.Decoder(ProductBook)
_TRADES = msgspec.json.Decoder(list[ProductTrade])
_CANDLES = msgspec.json.Decoder(list[Candle])
_ACCOUNTS = msgspec.json.Decoder(list[Account])
_ORDER = msgspec.json.Decoder(Order)
_ORDERS = msgspec.json.Decoder(list[Order])
_ORDER_ID = msgspec.json.Decoder(str)


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
    """Coinbase Exchange REST endpoints, https://docs.cdp.coinbase.com/exchange/rest-api/introduction.

    The signed ones need a `signer` (an account's key); without one they raise NotSupported.
    """

    def __init__(
        self,
        client: VenueClient,
        base_url: str = c.BASE_URL,
        signer: CoinbaseExchangeSigner | None = None,
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.signer = signer

    def _signer(self) -> CoinbaseExchangeSigner:
        if self.signer is None:
            raise NotSupported("signed endpoints need an account's API key", exchange=c.EXCHANGE_ID)
        return self.signer

    async def _signed(
        self, method: str, path: str, query: Pairs = (), payload: Mapping[str, Any] | None = None
    ) -> bytes:
        """A signed request, sent once (see the module docstring); the URL carries the query as signed."""
        signed = self._signer().sign(method, path, query, payload)
        return await self.client.send(
            method,
            self.base_url + signed.path,
            content=signed.body,
            headers=signed.headers,
            weight=c.REQUEST_WEIGHT,
        )

    async def _order_request(self, method: str, path: str, query: Pairs = ()) -> bytes:
        """A request on /orders/{id}: there the venue's 404 NotFound names an unknown order, not a product."""
        try:
            return await self._signed(method, path, query)
        except BadSymbol as error:
            raise OrderNotFound(error.message, exchange=c.EXCHANGE_ID) from None

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

    # --- signed: account and orders -----------------------------------------------------------------------

    async def accounts(self) -> list[Account]:
        """GET /accounts: the trading accounts (one per currency) of the key's profile.

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/accounts/get-all-account-profile
        """
        return _decode(_ACCOUNTS, await self._signed("GET", c.ACCOUNTS), c.ACCOUNTS)

    async def place_order(self, payload: Mapping[str, Any]) -> Order:
        """POST /orders: place an order; `payload` from the adapter, fields in wire order.

        Docs: the API reference, Orders, "Create a new order" (https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/orders)
        Sent once: a timeout or 5xx leaves the order's fate unknown until a lookup by client_oid settles it.
        """
        return _decode(_ORDER, await self._signed("POST", c.ORDERS, payload=payload), c.ORDERS)

    async def order(self, order_id: str | None, client_order_id: str | None) -> Order:
        """GET /orders/{order_id} or /orders/client:{client_oid}: one order. An order canceled without any
        fill may be purged: the venue then answers 404, as for an id it never had.

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/orders/get-single-order
        """
        path = c.order_path(order_id, client_order_id)
        return _decode(_ORDER, await self._order_request("GET", path), c.ORDERS)

    async def cancel_order(self, order_id: str | None, client_order_id: str | None, product_id: str) -> str:
        """DELETE /orders/{order_id}?product_id= (or /orders/client:{client_oid}): cancel one open order;
        the answer is the canceled order's id. The venue recommends giving the product "to prevent a race
        condition when canceling an order".

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/orders/cancel-an-order
        """
        path = c.order_path(order_id, client_order_id)
        body = await self._order_request("DELETE", path, (("product_id", product_id),))
        return _decode(_ORDER_ID, body, c.ORDERS)

    async def orders(self, product_id: str | None = None) -> list[Order]:
        """GET /orders[?product_id=]: the open orders (open, pending and active, the venue's default), newest
        first; the first page (the venue's default size, 100).

        Docs: https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/orders/get-all-orders
        """
        query = () if product_id is None else (("product_id", product_id),)
        return _decode(_ORDERS, await self._signed("GET", c.ORDERS, query), c.ORDERS)
