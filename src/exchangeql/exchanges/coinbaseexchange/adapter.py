"""The native Coinbase Exchange adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models. Built without credentials it serves public market data and
answers NOT_SUPPORTED for the private methods; built for an account (`create(..., credentials=...)`, which
needs the key's passphrase as `password`) it signs and trades, in the venue's sandbox for a sandbox account.

Signed reads go out once (VenueClient.send): VenueClient.get would retry the request as it was signed.

Orders by client order id are looked up at /orders/client:{client_oid}. The venue may purge an order
canceled before any fill: lookups then answer "not found" as for an order never placed, so an order of
unknown fate canceled elsewhere within moments of being placed reads as never placed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ...errors import BadRequest, InvalidOrder, NotSupported, OrderNotFound, UpstreamDecodeError
from ...models import (
    Balance,
    Candle,
    Market,
    MarketIndex,
    Order,
    OrderBook,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Ticker,
    Trade,
)
from ...settings import Settings
from ...trading.credentials import Credentials
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import CoinbaseExchangeEndpoints
from .errors import ERRORS
from .schemas import Order as WireOrder
from .signing import CoinbaseExchangeSigner


def candle_window(since: int, limit: int | None, granularity_s: int) -> tuple[int, int]:
    """The [start, end] the candles endpoint is asked for, in epoch ms: `limit` candles (300 at most) from
    `since`. An aligned `since` opens the first candle itself, so the window ends one step earlier (as
    ccxt asks, so that the venue's 300-candle cap is never exceeded)."""
    step = granularity_s * 1000
    count = c.MAX_CANDLES if limit is None else min(limit, c.MAX_CANDLES)
    span = (count - 1) * step if since % step == 0 else count * step
    return since, since + span


def wire_decimal(value: Decimal) -> str:
    """A Decimal as the venue reads it: plain notation, no exponent, no trailing zeros (5.0 -> 5)."""
    return format(value.normalize(), "f")


def order_payload(order: OrderRequest) -> dict[str, Any]:
    """POST /orders body, fields in the order ccxt 4.5.90 writes them (the signature covers the body).

    Sizes are in the base currency; limit orders take GTC (the default), IOC, FOK, or PO (post only, with
    the default GTC); market orders take no time in force."""
    payload: dict[str, Any] = {
        "type": order.type.value,
        "side": "buy" if order.side is Side.BUY else "sell",
        "product_id": order.market.id,
        "client_oid": order.client_order_id,
    }
    tif = order.time_in_force
    if order.type is OrderType.MARKET:
        if tif is not None:
            raise InvalidOrder("coinbaseexchange market orders take no time in force", exchange=c.EXCHANGE_ID)
        payload["size"] = wire_decimal(order.amount)
        return payload
    if order.price is None:
        raise InvalidOrder("a limit order needs a price", exchange=c.EXCHANGE_ID)
    if tif == "PO":
        payload["post_only"] = True
    elif tif in ("GTC", "IOC", "FOK"):
        payload["time_in_force"] = tif
    elif tif is not None:
        raise InvalidOrder(f"coinbaseexchange has no time in force {tif!r}", exchange=c.EXCHANGE_ID)
    payload["price"] = wire_decimal(order.price)
    payload["size"] = wire_decimal(order.amount)
    return payload


class CoinbaseExchangeAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES
    client_order_id_pattern: str = c.CLIENT_ORDER_ID_PATTERN
    # No arrival window is declared: the venue checks a request's timestamp (30 s) where it enters the API,
    # but documents no bound on an order queued behind it, so the gateway's default applies.

    def __init__(
        self,
        client: VenueClient,
        *,
        signer: CoinbaseExchangeSigner | None = None,
        base_url: str = c.BASE_URL,
    ) -> None:
        self.endpoints = CoinbaseExchangeEndpoints(client, base_url, signer)
        self.signer = signer
        if signer is not None:
            self.capabilities = c.TRADING_CAPABILITIES
        self._index: MarketIndex | None = None  # the last markets fetched: orders name their product

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        markets = parsing.parse_markets(await self.endpoints.products())
        self._index = MarketIndex.of(markets)
        return markets

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.product_ticker(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # Capability NONE: see constants.CAPABILITIES for why this is not emulated.
        raise NotSupported(
            "Coinbase Exchange has no all-tickers endpoint; ask for tickers by symbol "
            "(one /products/{id}/ticker call each)",
            exchange=self.id,
        )

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        level = c.BOOK_LEVEL_BEST if limit == 1 else c.BOOK_LEVEL_AGGREGATED
        raw = await self.endpoints.product_book(market.id, level)
        return parsing.parse_order_book(raw, market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        return parsing.parse_trades(await self.endpoints.product_trades(market.id, venue_limit), market)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        granularity = self.timeframes.get(timeframe)
        if granularity is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        start = end = None
        if since is not None:
            first, last = candle_window(since, limit, int(granularity))
            start, end = parsing.iso_time(first), parsing.iso_time(last)
        raw = await self.endpoints.product_candles(market.id, granularity, start, end)
        return parsing.parse_ohlcv(raw, since, limit)

    # --- signed: account and orders (NotSupported without credentials) -----------------------------------

    def _signed(self, what: str) -> CoinbaseExchangeSigner:
        if self.signer is None:
            raise self._unsupported(what)
        return self.signer

    async def _products(self) -> Mapping[str, Market]:
        index = self._index
        if index is None:
            index = MarketIndex.of(await self.fetch_markets())
        return index.by_id

    async def _order(self, raw: WireOrder, market: Market | None) -> Order:
        if market is None or market.id != raw.product_id:
            market = (await self._products()).get(raw.product_id)
        if market is None:
            raise UpstreamDecodeError(
                f"order {raw.id} is on an unknown product {raw.product_id!r}", exchange=self.id
            )
        order = parsing.parse_order(raw, market)
        if order is None:
            raise NotSupported(
                f"order {raw.id} is a {raw.type} order, which is not modelled", exchange=self.id
            )
        return order

    async def fetch_balance(self) -> list[Balance]:
        with self._signed("fetch_balance").scrubbing():
            return parsing.parse_balances(await self.endpoints.accounts())

    async def create_order(self, order: OrderRequest) -> Order:
        with self._signed("create_order").scrubbing():
            return await self._order(await self.endpoints.place_order(order_payload(order)), order.market)

    async def cancel_order(self, market: Market, order_id: str | None, client_order_id: str | None) -> Order:
        """The order, the cancel, then the order as the venue now reports it. The venue answers a cancel with
        the id only, and may purge an order canceled before any fill: then it is the order as it was before
        the cancel, canceled (with no fill, as the purge shows)."""
        with self._signed("cancel_order").scrubbing():
            self._check_ref(order_id, client_order_id)
            before = await self._order(await self.endpoints.order(order_id, client_order_id), market)
            await self.endpoints.cancel_order(order_id, client_order_id, market.id)
            try:
                return await self._order(await self.endpoints.order(before.id, None), market)
            except OrderNotFound:
                return dataclasses.replace(before, status=OrderStatus.CANCELED)

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        with self._signed("fetch_order").scrubbing():
            self._check_ref(order_id, client_order_id)
            return await self._order(await self.endpoints.order(order_id, client_order_id), market)

    async def fetch_open_orders(self, market: Market | None) -> list[Order]:
        with self._signed("fetch_open_orders").scrubbing():
            payload = await self.endpoints.orders(None if market is None else market.id)
            by_id: Mapping[str, Market] = {market.id: market} if market else await self._products()
            return parsing.parse_orders(payload, by_id, market)

    def _check_ref(self, order_id: str | None, client_order_id: str | None) -> None:
        if order_id is None and client_order_id is None:
            raise BadRequest("an order id or a client order id is required", exchange=self.id)


def create(
    client: VenueClient | None,
    settings: Settings,
    *,
    credentials: Credentials | None = None,
    sandbox: bool = False,
) -> Adapter:
    """The public adapter, or with `credentials` an account's trading adapter (`sandbox`: the venue's
    sandbox, https://api-public.sandbox.exchange.coinbase.com, for market data and orders alike)."""
    if client is None:
        raise ValueError(
            "coinbaseexchange is a native HTTP adapter: its factory needs a VenueClient (built from "
            "SPEC.errors and SPEC.rate_limit), got None"
        )
    signer = CoinbaseExchangeSigner(credentials) if credentials is not None else None
    return CoinbaseExchangeAdapter(client, signer=signer, base_url=c.SANDBOX_URL if sandbox else c.BASE_URL)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
