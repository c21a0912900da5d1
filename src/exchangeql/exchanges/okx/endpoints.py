"""One method per OKX v5 endpoint: builds the request, charges its weight, decodes the answer once.

Every call asks the VenueClient to check 2xx bodies (OKX reports errors with HTTP 200 and a code other
than "0"), so errors are mapped, and retried when transient, inside the transport. A body that is not the
expected envelope (HTML from a proxy, a truncated read, a changed schema) raises UpstreamDecodeError,
never a raw msgspec error.

Signed requests go through VenueClient.send, once: an order must never be sent twice, and a signed request
carries a timestamp the venue honours for 30 seconds only, so a retry must be signed anew (which
VenueClient.get, retrying the request as it was signed, cannot do).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from ...errors import NotSupported, UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import (
    AccountBalance,
    Balances,
    Book,
    Books,
    Candle,
    Candles,
    Instrument,
    Instruments,
    Order,
    OrderAck,
    OrderAcks,
    Orders,
    Ticker,
    Tickers,
    Trade,
    Trades,
)
from .signing import OkxSigner, Pairs, Payload

T = TypeVar("T")

# strict=False: OKX sends times and counts as numeric strings (see schemas.py).
_INSTRUMENTS = msgspec.json.Decoder(Instruments, strict=False)
_TICKERS = msgspec.json.Decoder(Tickers, strict=False)
_BOOKS = msgspec.json.Decoder(Books, strict=False)
_TRADES = msgspec.json.Decoder(Trades, strict=False)
_CANDLES = msgspec.json.Decoder(Candles, strict=False)
_BALANCES = msgspec.json.Decoder(Balances, strict=False)
_ACKS = msgspec.json.Decoder(OrderAcks, strict=False)
_ORDERS = msgspec.json.Decoder(Orders, strict=False)


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


def order_ref(order_id: str | None, client_order_id: str | None) -> tuple[str, str]:
    """The parameter naming one order: the venue's id when known, else our client order id."""
    if order_id is not None:
        return ("ordId", order_id)
    if client_order_id is not None:
        return ("clOrdId", client_order_id)
    raise ValueError("an order id or a client order id is required")


def _one(acks: OrderAcks, path: str) -> OrderAck:
    if len(acks.data) != 1:
        raise UpstreamDecodeError(
            f"{len(acks.data)} results from {path} for one order", exchange=c.EXCHANGE_ID
        )
    return acks.data[0]


class OkxEndpoints:
    """OKX v5 REST endpoints, https://www.okx.com/docs-v5/en/.

    The signed ones need a `signer` (an account's key); without one they raise NotSupported.
    """

    def __init__(
        self, client: VenueClient, base_url: str = c.BASE_URL, signer: OkxSigner | None = None
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.signer = signer

    def _signer(self) -> OkxSigner:
        if self.signer is None:
            raise NotSupported("signed endpoints need an account's API key", exchange=c.EXCHANGE_ID)
        return self.signer

    async def _signed(
        self,
        method: str,
        path: str,
        weight: int,
        query: Pairs = (),
        payload: Payload | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """A signed request, sent once (see the module docstring); the URL carries the query as signed.
        2xx bodies are checked too: OKX answers most errors with HTTP 200 and a code other than "0"."""
        signed = self._signer().sign(method, path, query, payload)
        headers = signed.headers if extra_headers is None else {**signed.headers, **extra_headers}
        return await self.client.send(
            method,
            self.base_url + signed.path,
            content=signed.body,
            headers=headers,
            weight=weight,
            check_body=True,
        )

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

    # --- signed: account and orders -----------------------------------------------------------------------

    async def account_balance(self) -> list[AccountBalance]:
        """GET /api/v5/account/balance: the trading account's balance of every currency it holds.

        Docs: https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance
        """
        body = await self._signed("GET", c.ACCOUNT_BALANCE, c.ACCOUNT_BALANCE_WEIGHT)
        return _decode(_BALANCES, body, c.ACCOUNT_BALANCE).data

    async def place_order(self, args: Mapping[str, Any], expires_at_ms: int) -> OrderAck:
        """POST /api/v5/trade/batch-orders with one order (`args` from the adapter, fields in wire order), as
        ccxt 4.5.90 places single orders; `expires_at_ms` goes in the expTime header.

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-multiple-orders
        Sent once: a timeout or 5xx leaves the order's fate unknown until a lookup by clOrdId settles it;
        expTime bounds how long that can take.
        """
        body = await self._signed(
            "POST",
            c.BATCH_ORDERS,
            c.BATCH_ORDERS_WEIGHT,
            payload=[args],
            extra_headers={c.EXP_TIME_HEADER: str(expires_at_ms)},
        )
        return _one(_decode(_ACKS, body, c.BATCH_ORDERS), c.BATCH_ORDERS)

    async def cancel_order(self, inst_id: str, order_id: str | None, client_order_id: str | None) -> OrderAck:
        """POST /api/v5/trade/cancel-order: cancel one open order by ordId or clOrdId.

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-order
        """
        key, value = order_ref(order_id, client_order_id)
        body = await self._signed(
            "POST", c.CANCEL_ORDER, c.CANCEL_ORDER_WEIGHT, payload={"instId": inst_id, key: value}
        )
        return _one(_decode(_ACKS, body, c.CANCEL_ORDER), c.CANCEL_ORDER)

    async def order(self, inst_id: str, order_id: str | None, client_order_id: str | None) -> Order:
        """GET /api/v5/trade/order?instId=&ordId= (or clOrdId=): one order, open or not (canceled orders
        without a fill are kept two hours).

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
        """
        query = (("instId", inst_id), order_ref(order_id, client_order_id))
        body = await self._signed("GET", c.ORDER, c.ORDER_WEIGHT, query)
        data = _decode(_ORDERS, body, c.ORDER).data
        if len(data) != 1:
            raise UpstreamDecodeError(
                f"{len(data)} orders in the answer from {c.ORDER}", exchange=c.EXCHANGE_ID
            )
        return data[0]

    async def orders_pending(self, inst_id: str | None = None) -> list[Order]:
        """GET /api/v5/trade/orders-pending[?instId=]: open orders, newest first (the first page, 100).

        Docs: https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list
        """
        query = () if inst_id is None else (("instId", inst_id),)
        body = await self._signed("GET", c.ORDERS_PENDING, c.ORDERS_PENDING_WEIGHT, query)
        return _decode(_ORDERS, body, c.ORDERS_PENDING).data
