"""One method per Kraken endpoint: builds the request, charges its weight, decodes the answer once.

Every answer is decoded straight into its envelope Struct. Kraken puts errors in the `error` list of a
200 answer: a non-empty list raises the mapped error (errors.ERRORS). A body that is not the envelope
(HTML from a proxy, a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec
error. Non-2xx answers never get here: the VenueClient maps them through errors.ERRORS.

Private endpoints are signed POSTs sent through VenueClient.send, once: each carries a nonce Kraken
accepts once only, so a retry of the same signed request could never succeed, and an order must never be
sent twice anyway. (Reads are not retried either; see the transport note in adapter.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import msgspec

from ...errors import InvalidOrder, NotSupported, OrderNotFound, UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS, errors_of
from .schemas import (
    AddOrderResult,
    AssetPair,
    CancelResult,
    ClosedOrdersResult,
    DepthBook,
    Envelope,
    ExtendedBalance,
    OhlcResult,
    OpenOrdersResult,
    OrderInfo,
    TickerInfo,
    TradesResult,
)
from .signing import KrakenSigner, Pairs

T = TypeVar("T")

# strict=False: recorded answers carry some integers as numeric strings (see schemas.py).
_ASSET_PAIRS = msgspec.json.Decoder(Envelope[dict[str, AssetPair]], strict=False)
_TICKER = msgspec.json.Decoder(Envelope[dict[str, TickerInfo]], strict=False)
_DEPTH = msgspec.json.Decoder(Envelope[dict[str, DepthBook]], strict=False)
_TRADES = msgspec.json.Decoder(Envelope[TradesResult], strict=False)
_OHLC = msgspec.json.Decoder(Envelope[OhlcResult], strict=False)
_BALANCE_EX = msgspec.json.Decoder(Envelope[dict[str, ExtendedBalance]], strict=False)
_ADD_ORDER = msgspec.json.Decoder(Envelope[AddOrderResult], strict=False)
_CANCEL = msgspec.json.Decoder(Envelope[CancelResult], strict=False)
_ORDERS = msgspec.json.Decoder(Envelope[dict[str, OrderInfo]], strict=False)
_OPEN_ORDERS = msgspec.json.Decoder(Envelope[OpenOrdersResult], strict=False)
_CLOSED_ORDERS = msgspec.json.Decoder(Envelope[ClosedOrdersResult], strict=False)


def _decode(decoder: msgspec.json.Decoder[Envelope[T]], body: bytes, path: str) -> T:
    try:
        envelope = decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        # An error envelope may carry an empty `result` ({}) that is not the success shape: the error wins.
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc
    if errors_of(envelope.error):
        error = ERRORS.from_body(body)
        assert error is not None  # the same body, read by the error table
        raise error
    if envelope.result is None:
        raise UpstreamDecodeError(f"answer from {path} without a result", exchange=c.EXCHANGE_ID)
    return envelope.result


def order_ref(order_id: str | None, client_order_id: str | None) -> tuple[str, str]:
    """The parameter naming one order: Kraken's id when known, else our client order id."""
    if order_id is not None:
        return ("txid", order_id)
    if client_order_id is not None:
        return ("cl_ord_id", client_order_id)
    raise ValueError("an order id or a client order id is required")


class KrakenEndpoints:
    """Kraken spot REST endpoints, https://docs.kraken.com/api/docs/rest-api/.

    The private ones need a `signer` (an account's key); without one they raise NotSupported.
    """

    def __init__(
        self, client: VenueClient, base_url: str = c.BASE_URL, signer: KrakenSigner | None = None
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.signer = signer

    def _signer(self) -> KrakenSigner:
        if self.signer is None:
            raise NotSupported("private endpoints need an account's API key", exchange=c.EXCHANGE_ID)
        return self.signer

    async def _private(self, path: str, params: Pairs, weight: int = c.CALL_WEIGHT) -> bytes:
        """A signed POST (form body), sent once: see the module docstring."""
        signed = self._signer().sign(path, params)
        return await self.client.send(
            "POST", self.base_url + path, content=signed.body, headers=signed.headers, weight=weight
        )

    async def _get(self, path: str, params: Params | None) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=c.CALL_WEIGHT)

    async def asset_pairs(self) -> dict[str, AssetPair]:
        """GET /0/public/AssetPairs: every tradable pair, keyed by pair id.

        Docs: https://docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs
        """
        return _decode(_ASSET_PAIRS, await self._get(c.ASSET_PAIRS, None), c.ASSET_PAIRS)

    async def ticker(self, pairs: Sequence[str] | None = None) -> dict[str, TickerInfo]:
        """GET /0/public/Ticker[?pair=A,B]: tickers of `pairs`, or of every pair when None.

        Docs: https://docs.kraken.com/api/docs/rest-api/get-ticker-information
        """
        params = None if pairs is None else {"pair": ",".join(pairs)}
        return _decode(_TICKER, await self._get(c.TICKER, params), c.TICKER)

    async def depth(self, pair: str, count: int | None = None) -> dict[str, DepthBook]:
        """GET /0/public/Depth?pair=: the order book, `count` levels a side (1-500, venue default 100).

        Docs: https://docs.kraken.com/api/docs/rest-api/get-order-book
        """
        params: dict[str, str | int] = {"pair": pair}
        if count is not None:
            params["count"] = count
        return _decode(_DEPTH, await self._get(c.DEPTH, params), c.DEPTH)

    async def trades(self, pair: str, count: int | None = None) -> TradesResult:
        """GET /0/public/Trades?pair=: the most recent trades, oldest first (venue default 1000).

        Docs: https://docs.kraken.com/api/docs/rest-api/get-recent-trades
        """
        params: dict[str, str | int] = {"pair": pair}
        if count is not None:
            params["count"] = count
        return _decode(_TRADES, await self._get(c.TRADES, params), c.TRADES)

    async def ohlc(self, pair: str, interval: str, since: int | None = None) -> OhlcResult:
        """GET /0/public/OHLC?pair=&interval=: up to 720 candles of `interval` minutes after `since` (s).

        Docs: https://docs.kraken.com/api/docs/rest-api/get-ohlc-data
        """
        params: dict[str, str | int] = {"pair": pair, "interval": interval}
        if since is not None:
            params["since"] = since
        return _decode(_OHLC, await self._get(c.OHLC, params), c.OHLC)

    # --- private: account and orders ----------------------------------------------------------------------

    async def balance_ex(self) -> dict[str, ExtendedBalance]:
        """POST /0/private/BalanceEx: every asset's balance and the part held by open orders.

        Docs: https://docs.kraken.com/api-reference/account-data/get-extended-balance
        """
        return _decode(_BALANCE_EX, await self._private(c.BALANCE_EX, ()), c.BALANCE_EX)

    async def add_order(self, params: Pairs) -> AddOrderResult:
        """POST /0/private/AddOrder: place an order; `params` from the adapter, in wire order.

        Docs: https://docs.kraken.com/api-reference/trading/add-order
        Sent once: a timeout or 5xx leaves the order's fate unknown until a lookup by cl_ord_id settles it;
        the `deadline` parameter bounds how long that can take.
        """
        return _decode(_ADD_ORDER, await self._private(c.ADD_ORDER, params), c.ADD_ORDER)

    async def cancel_order(self, order_id: str | None, client_order_id: str | None) -> CancelResult:
        """POST /0/private/CancelOrder: cancel one open order by txid or cl_ord_id.

        Docs: https://docs.kraken.com/api-reference/trading/cancel-order
        """
        body = await self._private(c.CANCEL_ORDER, (order_ref(order_id, client_order_id),))
        return _decode(_CANCEL, body, c.CANCEL_ORDER)

    async def query_orders(self, order_ids: Sequence[str]) -> dict[str, OrderInfo]:
        """POST /0/private/QueryOrders: orders by Kraken id (txid, comma-separated, at most 50).

        Docs: https://docs.kraken.com/api-reference/account-data/query-orders-info
        """
        try:
            body = await self._private(c.QUERY_ORDERS, (("txid", ",".join(order_ids)),))
            return _decode(_ORDERS, body, c.QUERY_ORDERS)
        except InvalidOrder as error:
            # Nothing is placed here: "EOrder:Invalid order" can only mean that no order has this id.
            raise OrderNotFound(error.message, exchange=c.EXCHANGE_ID) from None

    async def open_orders(self, client_order_id: str | None = None) -> OpenOrdersResult:
        """POST /0/private/OpenOrders: the account's open orders, or the one with `cl_ord_id`.

        Docs: https://docs.kraken.com/api-reference/account-data/get-open-orders
        """
        params = () if client_order_id is None else (("cl_ord_id", client_order_id),)
        return _decode(_OPEN_ORDERS, await self._private(c.OPEN_ORDERS, params), c.OPEN_ORDERS)

    async def closed_orders(self, client_order_id: str) -> ClosedOrdersResult:
        """POST /0/private/ClosedOrders?cl_ord_id=: closed (filled, canceled, expired) orders with that id.

        Docs: https://docs.kraken.com/api-reference/account-data/get-closed-orders
        """
        params = (("cl_ord_id", client_order_id),)
        body = await self._private(c.CLOSED_ORDERS, params, c.HISTORY_WEIGHT)
        return _decode(_CLOSED_ORDERS, body, c.CLOSED_ORDERS)
