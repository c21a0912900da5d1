"""One method per Binance spot endpoint: builds the request, charges its weight, decodes the answer once.

Every answer is decoded straight into its wire Struct; a body that is not that shape (HTML from a proxy,
a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec error. Non-2xx answers
never get here: the VenueClient maps them through errors.ERRORS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import msgspec

from ...errors import NotSupported, UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import AccountInfo, AggTrade, Depth, ExchangeInfo, Kline, OrderResponse, Ticker24hr
from .signing import BinanceSigner, Pairs

T = TypeVar("T")

# strict=False: recorded answers carry some integers as numeric strings (see schemas.py).
_EXCHANGE_INFO = msgspec.json.Decoder(ExchangeInfo, strict=False)
_TICKER = msgspec.json.Decoder(Ticker24hr, strict=False)
_TICKERS = msgspec.json.Decoder(list[Ticker24hr], strict=False)
_DEPTH = msgspec.json.Decoder(Depth, strict=False)
_AGG_TRADES = msgspec.json.Decoder(list[AggTrade], strict=False)
_KLINES = msgspec.json.Decoder(list[Kline], strict=False)
_ACCOUNT = msgspec.json.Decoder(AccountInfo, strict=False)
_ORDER = msgspec.json.Decoder(OrderResponse, strict=False)
_ORDERS = msgspec.json.Decoder(list[OrderResponse], strict=False)


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


def order_ref(order_id: str | None, client_order_id: str | None) -> tuple[str, str]:
    """The parameter naming one order: the venue's id when known, else our client order id."""
    if order_id is not None:
        return ("orderId", order_id)
    if client_order_id is not None:
        return ("origClientOrderId", client_order_id)
    raise ValueError("an order id or a client order id is required")


class BinanceEndpoints:
    """Binance spot REST endpoints, https://developers.binance.com/docs/binance-spot-api-docs/rest-api.

    The signed ones need a `signer` (an account's key); without one they raise NotSupported.
    """

    def __init__(
        self, client: VenueClient, base_url: str = c.BASE_URL, signer: BinanceSigner | None = None
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.signer = signer

    def _signer(self) -> BinanceSigner:
        if self.signer is None:
            raise NotSupported("signed endpoints need an account's API key", exchange=c.EXCHANGE_ID)
        return self.signer

    async def _signed_get(self, path: str, params: Pairs, weight: int) -> bytes:
        signed = self._signer().sign(params)
        # The query is in the URL as signed: httpx must not re-encode or reorder it.
        url = f"{self.base_url}{path}?{signed.query}"
        return await self.client.get(url, weight=weight, headers=signed.headers)

    async def _signed_send(self, method: str, path: str, params: Pairs, weight: int) -> bytes:
        """POST (form body) or DELETE (query): sent once, never retried (the order may have been taken)."""
        if method == "POST":
            signed = self._signer().sign(params, form=True)
            return await self.client.send(
                method, self.base_url + path, content=signed.query, headers=signed.headers, weight=weight
            )
        signed = self._signer().sign(params)
        return await self.client.send(
            method, f"{self.base_url}{path}?{signed.query}", headers=signed.headers, weight=weight
        )

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

    # --- signed: account and orders -------------------------------------------------------------------

    async def account(self) -> AccountInfo:
        """GET /api/v3/account (USER_DATA): balances and permissions.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints#account-information-user_data
        """
        body = await self._signed_get(c.ACCOUNT, (), c.ACCOUNT_WEIGHT)
        return _decode(_ACCOUNT, body, c.ACCOUNT)

    async def new_order(self, params: Pairs) -> OrderResponse:
        """POST /api/v3/order (TRADE): place an order; `params` from the adapter, in wire order.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#new-order-trade
        Sent once: a timeout or 5xx leaves the order's fate unknown (the venue's words: "execution status
        unknown"), which only a lookup by client order id can settle.
        """
        body = await self._signed_send("POST", c.ORDER, params, c.NEW_ORDER_WEIGHT)
        return _decode(_ORDER, body, c.ORDER)

    async def query_order(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> OrderResponse:
        """GET /api/v3/order (USER_DATA): one order by orderId or origClientOrderId.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints#query-order-user_data
        """
        params = (("symbol", symbol), order_ref(order_id, client_order_id))
        body = await self._signed_get(c.ORDER, params, c.QUERY_ORDER_WEIGHT)
        return _decode(_ORDER, body, c.ORDER)

    async def cancel_order(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> OrderResponse:
        """DELETE /api/v3/order (TRADE): cancel one open order.

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#cancel-order-trade
        """
        params = (("symbol", symbol), order_ref(order_id, client_order_id))
        body = await self._signed_send("DELETE", c.ORDER, params, c.CANCEL_ORDER_WEIGHT)
        return _decode(_ORDER, body, c.ORDER)

    async def open_orders(self, symbol: str | None = None) -> list[OrderResponse]:
        """GET /api/v3/openOrders (USER_DATA): open orders of one symbol, or of all (weight 80).

        Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints#current-open-orders-user_data
        """
        if symbol is None:
            body = await self._signed_get(c.OPEN_ORDERS, (), c.OPEN_ORDERS_ALL_WEIGHT)
        else:
            body = await self._signed_get(c.OPEN_ORDERS, (("symbol", symbol),), c.OPEN_ORDERS_WEIGHT)
        return _decode(_ORDERS, body, c.OPEN_ORDERS)
