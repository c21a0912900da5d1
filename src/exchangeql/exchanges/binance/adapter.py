"""The native Binance spot adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models. Built without credentials it serves public market data and
answers NOT_SUPPORTED for the private methods; built for an account (`create(..., credentials=...)`) it
signs and trades, on the test network when the account is a sandbox one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence

from ...errors import BadRequest, InvalidOrder
from ...models import (
    Balance,
    Candle,
    Market,
    MarketIndex,
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
from .endpoints import BinanceEndpoints
from .errors import ERRORS
from .signing import BinanceSigner, Pairs, wire_decimal


def depth_limit(requested: int) -> int:
    """The smallest depth size Binance serves that holds `requested` levels (5000 at most)."""
    position = bisect_left(c.DEPTH_LIMITS, requested)
    return c.DEPTH_LIMITS[min(position, len(c.DEPTH_LIMITS) - 1)]


def order_params(order: OrderRequest) -> list[tuple[str, str]]:
    """POST /api/v3/order parameters, in the order ccxt 4.5.90 sends them (the signature covers the order).

    Amounts are in base currency (`quantity`); time in force GTC (default), IOC or FOK on limit orders, and
    PO (post only) as Binance's LIMIT_MAKER type. Market orders take no time in force."""
    params = [
        ("symbol", order.market.id),
        ("side", "BUY" if order.side is Side.BUY else "SELL"),
        ("newClientOrderId", order.client_order_id),
        ("newOrderRespType", "FULL"),  # fills and fees in the answer, not only the id
    ]
    tif = order.time_in_force
    quantity = ("quantity", wire_decimal(order.amount))
    if order.type is OrderType.MARKET:
        if tif is not None:
            raise InvalidOrder("binance market orders take no time in force", exchange=c.EXCHANGE_ID)
        return [*params, ("type", "MARKET"), quantity]
    if order.price is None:
        raise InvalidOrder("a limit order needs a price", exchange=c.EXCHANGE_ID)
    price = ("price", wire_decimal(order.price))
    if tif == "PO":
        return [*params, ("type", "LIMIT_MAKER"), quantity, price]
    if tif not in (None, "GTC", "IOC", "FOK"):
        raise InvalidOrder(f"binance has no time in force {tif!r}", exchange=c.EXCHANGE_ID)
    return [*params, ("type", "LIMIT"), quantity, price, ("timeInForce", tif or "GTC")]


class BinanceAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES
    client_order_id_pattern: str = c.CLIENT_ORDER_ID_PATTERN

    def __init__(
        self, client: VenueClient, *, signer: BinanceSigner | None = None, base_url: str = c.BASE_URL
    ) -> None:
        self.endpoints = BinanceEndpoints(client, base_url, signer)
        self.signer = signer
        if signer is not None:
            self.capabilities = c.TRADING_CAPABILITIES
        self._index: MarketIndex | None = None  # the last markets fetched: open orders of all symbols

    @property
    def order_arrival_window_ms(self) -> int:
        """How long after it was sent an order request can still be accepted (see constants.RECV_WINDOW_MS);
        after that, an order the venue does not know is one it never took."""
        window = self.signer.recv_window_ms if self.signer is not None else c.RECV_WINDOW_MS
        return window + c.CLOCK_SKEW_MS

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    async def fetch_markets(self) -> list[Market]:
        markets = parsing.parse_markets(await self.endpoints.exchange_info())
        self._index = MarketIndex.of(markets)
        return markets

    async def fetch_ticker(self, market: Market) -> Ticker:
        return parsing.parse_ticker(await self.endpoints.ticker_24hr(market.id), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        if markets is None:
            return parsing.parse_tickers(await self.endpoints.tickers_24hr(), index)
        if not markets:
            return []
        wanted = MarketIndex.of(markets)
        ids = list(wanted.by_id)
        # Past 100 symbols a list costs the venue weight of all of them: ask for all, keep the wanted.
        payload = await self.endpoints.tickers_24hr(ids if len(ids) <= c.TICKERS_BY_LIST_MAX else None)
        return parsing.parse_tickers(payload, wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        raw = await self.endpoints.depth(market.id, None if limit is None else depth_limit(limit))
        return parsing.parse_order_book(raw, market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_TRADES)
        return parsing.parse_trades(await self.endpoints.agg_trades(market.id, venue_limit), market)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        interval = self.timeframes.get(timeframe)
        if interval is None:
            supported = ", ".join(self.timeframes)
            raise BadRequest(
                f"unsupported timeframe {timeframe[:16]!r}; supported: {supported}", exchange=self.id
            )
        self._check_limit(limit)
        venue_limit = None if limit is None else min(limit, c.MAX_KLINES)
        return parsing.parse_ohlcv(await self.endpoints.klines(market.id, interval, since, venue_limit))

    # --- signed: account and orders (NotSupported without credentials) ----------------------------------

    async def fetch_balance(self) -> list[Balance]:
        if self.signer is None:
            raise self._unsupported("fetch_balance")
        return parsing.parse_balances(await self.endpoints.account())

    async def create_order(self, order: OrderRequest) -> Order:
        if self.signer is None:
            raise self._unsupported("create_order")
        params: Pairs = order_params(order)
        return parsing.parse_order(await self.endpoints.new_order(params), order.market)

    async def cancel_order(self, market: Market, order_id: str | None, client_order_id: str | None) -> Order:
        if self.signer is None:
            raise self._unsupported("cancel_order")
        self._check_ref(order_id, client_order_id)
        raw = await self.endpoints.cancel_order(market.id, order_id, client_order_id)
        return parsing.parse_order(raw, market)

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        if self.signer is None:
            raise self._unsupported("fetch_order")
        self._check_ref(order_id, client_order_id)
        if market is None:
            raise BadRequest("binance looks orders up by symbol: the symbol is required", exchange=self.id)
        raw = await self.endpoints.query_order(market.id, order_id, client_order_id)
        return parsing.parse_order(raw, market)

    async def fetch_open_orders(self, market: Market | None) -> list[Order]:
        if self.signer is None:
            raise self._unsupported("fetch_open_orders")
        if market is not None:
            return [parsing.parse_order(raw, market) for raw in await self.endpoints.open_orders(market.id)]
        index = self._index
        if index is None:
            index = MarketIndex.of(await self.fetch_markets())
        return parsing.parse_orders(await self.endpoints.open_orders(None), index)

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
    """The public adapter, or with `credentials` an account's trading adapter (`sandbox`: the testnet)."""
    if client is None:
        raise ValueError(
            "binance is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    base_url = c.TESTNET_URL if sandbox else c.BASE_URL
    signer = BinanceSigner(credentials) if credentials is not None else None
    return BinanceAdapter(client, signer=signer, base_url=base_url)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
