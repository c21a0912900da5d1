"""The native OKX adapter: domain arguments in, domain models out (spot and perpetual swaps).

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models. Built without credentials it serves public market data and
answers NOT_SUPPORTED for the private methods; built for an account (`create(..., credentials=...)`, which
needs the key's passphrase as `password`) it signs and trades, in OKX's demo trading for a sandbox account.
Orders are placed on spot markets, in cash mode.

Signed reads go out once (VenueClient.send): VenueClient.get would retry the request as it was signed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ...errors import BadRequest, InvalidOrder, NotSupported, UpstreamDecodeError
from ...models import (
    Balance,
    Candle,
    Market,
    MarketIndex,
    MarketType,
    Order,
    OrderBook,
    OrderRequest,
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
from .endpoints import OkxEndpoints
from .errors import ERRORS
from .schemas import Order as WireOrder
from .signing import OkxSigner

_INST_TYPE = {MarketType.SPOT: c.SPOT, MarketType.SWAP: c.SWAP}


def inst_types(markets: Sequence[Market]) -> list[str]:
    """The OKX instrument types of `markets`, in the order c.INST_TYPES lists them."""
    present = {_INST_TYPE[m.type] for m in markets if m.type in _INST_TYPE}
    return [kind for kind in c.INST_TYPES if kind in present]


def wire_decimal(value: Decimal) -> str:
    """A Decimal as OKX reads it: plain notation, no exponent, no trailing zeros (2.0 -> 2)."""
    return format(value.normalize(), "f")


# Time in force -> the ordType of a limit order.
_LIMIT_TYPES = {None: "limit", "GTC": "limit", "PO": "post_only", "IOC": "ioc", "FOK": "fok"}


def order_args(order: OrderRequest) -> dict[str, Any]:
    """One order of POST /api/v5/trade/batch-orders, fields in the order ccxt 4.5.90 writes them (the
    signature covers the body). Spot only, in cash mode (no margin), the size in the base currency
    (tgtCcy base_ccy, which market buys need: OKX sizes them in the quote currency by default)."""
    if order.market.type is not MarketType.SPOT:
        raise NotSupported(
            "okx orders are placed on spot markets only: a swap order needs a position side and margin mode "
            "the gateway does not model yet",
            exchange=c.EXCHANGE_ID,
        )
    tif = order.time_in_force
    if order.type is OrderType.MARKET:
        if tif is not None:
            raise InvalidOrder("okx market orders take no time in force", exchange=c.EXCHANGE_ID)
        ord_type = "market"
    else:
        if order.price is None:
            raise InvalidOrder("a limit order needs a price", exchange=c.EXCHANGE_ID)
        if tif not in _LIMIT_TYPES:
            raise InvalidOrder(f"okx has no time in force {tif!r}", exchange=c.EXCHANGE_ID)
        ord_type = _LIMIT_TYPES[tif]
    args: dict[str, Any] = {
        "instId": order.market.id,
        "side": "buy" if order.side is Side.BUY else "sell",
        "ordType": ord_type,
        "sz": wire_decimal(order.amount),
        "tdMode": c.SPOT_TRADE_MODE,
        "tgtCcy": c.BASE_CURRENCY_SIZE,
    }
    if order.price is not None and order.type is OrderType.LIMIT:
        args["px"] = wire_decimal(order.price)
    args["clOrdId"] = order.client_order_id
    return args


class OkxAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES
    client_order_id_pattern: str = c.CLIENT_ORDER_ID_PATTERN
    # How long after it was sent an order request can still be taken: its expTime, plus how far our clock
    # may run ahead of OKX's. After that, an order OKX does not know is one it never took.
    order_arrival_window_ms: int = c.ORDER_EXPIRY_MS + c.CLOCK_SKEW_MS

    def __init__(self, client: VenueClient, *, signer: OkxSigner | None = None) -> None:
        self.endpoints = OkxEndpoints(client, signer=signer)
        self.signer = signer
        if signer is not None:
            self.capabilities = c.TRADING_CAPABILITIES
        self._index: MarketIndex | None = None  # the last markets fetched: open orders of all instruments

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        pages = await asyncio.gather(*(self.endpoints.instruments(kind) for kind in c.INST_TYPES))
        markets = parsing.parse_markets(info for page in pages for info in page)
        self._index = MarketIndex.of(markets)
        return markets

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.ticker(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        # OKX answers every instrument of one type in one call: one call per type asked, then filtered.
        wanted = index if markets is None else MarketIndex.of(markets)
        kinds = inst_types(wanted.markets)
        pages = await asyncio.gather(*(self.endpoints.tickers(kind) for kind in kinds))
        return [ticker for page in pages for ticker in parsing.parse_tickers(page, wanted)]

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        size = c.DEFAULT_BOOK if limit is None else min(limit, c.MAX_BOOK)
        return parsing.parse_order_book(await self.endpoints.books(market.id, size), market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        payload = await self.endpoints.trades(market.id, venue_limit)
        return parsing.parse_trades(payload, market, limit)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        bar = self.timeframes.get(timeframe)
        if bar is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        if since is None:
            venue_limit = None if limit is None else min(limit, c.MAX_CANDLES)
            payload = await self.endpoints.candles(market.id, bar, venue_limit)
        else:
            # The window (since - 1, since + n bars) holds exactly the n candles from `since` on; the
            # history endpoint serves any period (the recent one only keeps the last 1440 candles).
            page = min(limit or c.DEFAULT_CANDLES, c.MAX_HISTORY_CANDLES)
            end = since + c.TIMEFRAME_SECONDS[timeframe] * 1000 * page
            payload = await self.endpoints.history_candles(market.id, bar, max(since - 1, 0), end, page)
        return parsing.parse_ohlcv(payload, market, since, limit)

    # --- signed: account and orders (NotSupported without credentials) -----------------------------------

    def _signed(self, what: str) -> OkxSigner:
        if self.signer is None:
            raise self._unsupported(what)
        return self.signer

    async def _markets(self) -> MarketIndex:
        index = self._index
        if index is None:
            index = MarketIndex.of(await self.fetch_markets())
        return index

    async def _order(self, raw: WireOrder, market: Market) -> Order:
        if market.id != raw.instId:
            found = (await self._markets()).by_id.get(raw.instId)
            if found is None:
                raise UpstreamDecodeError(
                    f"order {raw.ordId} is on an unknown instrument {raw.instId!r}", exchange=self.id
                )
            market = found
        order = parsing.parse_order(raw, market)
        if order is None:
            raise NotSupported(
                f"order {raw.ordId} is a {raw.ordType} order, which is not modelled", exchange=self.id
            )
        return order

    async def fetch_balance(self) -> list[Balance]:
        with self._signed("fetch_balance").scrubbing():
            return parsing.parse_balances(await self.endpoints.account_balance())

    async def create_order(self, order: OrderRequest) -> Order:
        signer = self._signed("create_order")
        with signer.scrubbing():
            args = order_args(order)
            ack = await self.endpoints.place_order(args, signer.clock() + c.ORDER_EXPIRY_MS)
            return parsing.parse_new_order(ack, order)

    async def cancel_order(self, market: Market, order_id: str | None, client_order_id: str | None) -> Order:
        """The cancel, then the order as OKX now reports it (the cancel answers only its ids)."""
        with self._signed("cancel_order").scrubbing():
            self._check_ref(order_id, client_order_id)
            ack = await self.endpoints.cancel_order(market.id, order_id, client_order_id)
            if ack.ordId:
                order_id, client_order_id = ack.ordId, None
            return await self._order(await self.endpoints.order(market.id, order_id, client_order_id), market)

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        with self._signed("fetch_order").scrubbing():
            self._check_ref(order_id, client_order_id)
            if market is None:
                raise BadRequest(
                    "okx looks orders up by instrument: the symbol is required", exchange=self.id
                )
            return await self._order(await self.endpoints.order(market.id, order_id, client_order_id), market)

    async def fetch_open_orders(self, market: Market | None) -> list[Order]:
        with self._signed("fetch_open_orders").scrubbing():
            if market is not None:
                payload = await self.endpoints.orders_pending(market.id)
                return parsing.parse_orders(payload, MarketIndex.of([market]), market)
            return parsing.parse_orders(await self.endpoints.orders_pending(), await self._markets())

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
    """The public adapter, or with `credentials` an account's trading adapter (`sandbox`: OKX's demo
    trading: the same origin, keys of the demo account, every signed request marked x-simulated-trading)."""
    if client is None:
        raise ValueError(
            "okx is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    signer = OkxSigner(credentials, simulated=sandbox) if credentials is not None else None
    return OkxAdapter(client, signer=signer)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
