"""The native Kraken spot adapter: domain arguments in, domain models out.

It only chooses endpoints and parameters; endpoints.py speaks HTTP (through the VenueClient the app owns)
and parsing.py turns wire Structs into models. Built without credentials it serves public market data and
answers NOT_SUPPORTED for the private methods; built for an account (`create(..., credentials=...)`) it
signs and trades. Kraken has no spot test network: a sandbox account is refused at start-up.

Private calls, reads included, go out once (VenueClient.send): VenueClient.get retries the request as it
was signed, and a signed Kraken request carries a nonce the venue accepts once only. Retried private reads
need a transport hook that signs each attempt anew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from ...errors import BadRequest, InvalidOrder, NotSupported, OrderNotFound, UpstreamDecodeError
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
from ...settings import Settings, SettingsError
from ...trading.credentials import Credentials
from ...transport.client import VenueClient
from ..base import Adapter, AdapterSpec, Capabilities, Engine, PublicOnly
from . import constants as c
from . import parsing
from .endpoints import KrakenEndpoints
from .errors import ERRORS
from .schemas import AssetPair, OrderInfo
from .signing import KrakenSigner, Pairs

T = TypeVar("T")


def wire_decimal(value: Decimal) -> str:
    """A Decimal as Kraken reads it: plain notation, no exponent, no trailing zeros (0.10 -> 0.1)."""
    return format(value.normalize(), "f")


def rfc3339(timestamp_ms: int) -> str:
    """Epoch ms as the RFC 3339 time AddOrder's deadline takes, whole seconds (truncated): ...T00:18:45Z."""
    return datetime.fromtimestamp(timestamp_ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_params(order: OrderRequest, deadline_ms: int) -> list[tuple[str, str]]:
    """AddOrder parameters, in the order ccxt 4.5.90 sends them (the signature covers the body), `deadline`
    last. Volume is in the base currency; limit orders take GTC (the default), IOC, or PO (post only, the
    "post" order flag); Kraken has no fill-or-kill. Market orders take no time in force."""
    params = [
        ("pair", order.market.id),
        ("type", "buy" if order.side is Side.BUY else "sell"),
        ("ordertype", order.type.value),
        ("volume", wire_decimal(order.amount)),
        ("cl_ord_id", order.client_order_id),
    ]
    tif = order.time_in_force
    if order.type is OrderType.MARKET:
        if tif is not None:
            raise InvalidOrder("kraken market orders take no time in force", exchange=c.EXCHANGE_ID)
    else:
        if order.price is None:
            raise InvalidOrder("a limit order needs a price", exchange=c.EXCHANGE_ID)
        params.append(("price", wire_decimal(order.price)))
        if tif == "PO":
            params.append(("oflags", "post"))
        elif tif == "IOC":
            params.append(("timeinforce", c.TIME_IN_FORCE[tif]))
        elif tif not in (None, "GTC"):
            raise InvalidOrder(f"kraken has no time in force {tif!r}", exchange=c.EXCHANGE_ID)
    params.append(("deadline", rfc3339(deadline_ms)))
    return params


class KrakenAdapter(PublicOnly):
    id: str = c.EXCHANGE_ID
    capabilities: Capabilities = c.CAPABILITIES
    timeframes: Mapping[str, str] = c.TIMEFRAMES
    client_order_id_pattern: str = c.CLIENT_ORDER_ID_PATTERN
    # How long after it was sent an order request can still be taken: AddOrder's deadline, plus how far our
    # clock may run ahead of Kraken's. After that, an order Kraken does not know is one it never took.
    order_arrival_window_ms: int = c.ORDER_DEADLINE_MS + c.CLOCK_SKEW_MS

    def __init__(
        self, client: VenueClient, *, signer: KrakenSigner | None = None, base_url: str = c.BASE_URL
    ) -> None:
        self.endpoints = KrakenEndpoints(client, base_url, signer)
        self.signer = signer
        if signer is not None:
            self.capabilities = c.TRADING_CAPABILITIES
        self._index: MarketIndex | None = None  # the last markets fetched: orders name their pair

    def _check_limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise BadRequest(f"limit must be positive, got {limit}", exchange=self.id)

    def _entry(self, result: Mapping[str, T], market: Market, what: str) -> T:
        entry = parsing.pick(result, market)
        if entry is None:
            raise UpstreamDecodeError(f"{what} answer without pair {market.id}", exchange=self.id)
        return entry

    async def fetch_markets(self) -> list[Market]:
        markets = parsing.parse_markets(await self.endpoints.asset_pairs())
        self._index = MarketIndex.of(markets)
        return markets

    async def fetch_ticker(self, market: Market) -> Ticker:
        result = await self.endpoints.ticker([market.id])
        return parsing.parse_ticker(self._entry(result, market, "ticker"), market)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        if markets is None:
            return parsing.parse_tickers(await self.endpoints.ticker(), index)
        if not markets:
            return []
        wanted = MarketIndex.of(markets)
        ids = list(wanted.by_id)
        # Every call weighs the same: past a few dozen pairs, ask for all rather than spell a huge URL.
        result = await self.endpoints.ticker(ids if len(ids) <= c.TICKERS_BY_LIST_MAX else None)
        return parsing.parse_tickers(result, wanted)

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        self._check_limit(limit)
        count = None if limit is None else min(limit, c.MAX_DEPTH)
        result = await self.endpoints.depth(market.id, count)
        return parsing.parse_order_book(self._entry(result, market, "order book"), market, limit)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        self._check_limit(limit)
        count = None if limit is None else min(limit, c.MAX_TRADES)
        result = await self.endpoints.trades(market.id, count)
        rows = self._entry(parsing.trade_rows(result), market, "trades")
        return parsing.parse_trades(rows, market, limit)

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
        # Kraken answers candles opening after `since`: start one interval earlier so the candle that
        # contains `since` comes too (parse_ohlcv drops what opens before it), as ccxt does.
        venue_since = None if since is None else since // 1000 - int(interval) * 60
        result = await self.endpoints.ohlc(market.id, interval, venue_since)
        rows = self._entry(parsing.ohlc_rows(result), market, "OHLC")
        return parsing.parse_ohlcv(rows, since, limit)

    # --- private: account and orders (NotSupported without credentials) -----------------------------------

    def _signed(self, what: str) -> KrakenSigner:
        if self.signer is None:
            raise self._unsupported(what)
        return self.signer

    async def _pairs(self, market: Market | None) -> dict[str, Market]:
        """Markets by the names order descriptions use (pair id and altname)."""
        if market is not None and isinstance(market.info, AssetPair):
            return {market.id: market, market.info.altname: market}
        index = self._index
        if index is None:
            index = MarketIndex.of(await self.fetch_markets())
        return parsing.pair_lookup(index)

    async def fetch_balance(self) -> list[Balance]:
        with self._signed("fetch_balance").scrubbing():
            return parsing.parse_balances(await self.endpoints.balance_ex())

    async def create_order(self, order: OrderRequest) -> Order:
        signer = self._signed("create_order")
        with signer.scrubbing():
            params: Pairs = order_params(order, signer.clock() + c.ORDER_DEADLINE_MS)
            return parsing.parse_new_order(await self.endpoints.add_order(params), order)

    async def cancel_order(self, market: Market, order_id: str | None, client_order_id: str | None) -> Order:
        """CancelOrder, then the order as Kraken now reports it (CancelOrder answers only a count)."""
        with self._signed("cancel_order").scrubbing():
            self._check_ref(order_id, client_order_id)
            await self.endpoints.cancel_order(order_id, client_order_id)
            return await self._fetch_order(market, order_id, client_order_id)

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        with self._signed("fetch_order").scrubbing():
            self._check_ref(order_id, client_order_id)
            return await self._fetch_order(market, order_id, client_order_id)

    async def fetch_open_orders(self, market: Market | None) -> list[Order]:
        with self._signed("fetch_open_orders").scrubbing():
            result = await self.endpoints.open_orders()
            return parsing.parse_orders(result.open, await self._pairs(market), market)

    async def _fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """By Kraken id: QueryOrders. By client order id: the open orders, then the closed ones (open first,
        so an order closing between the two calls is not missed)."""
        found: tuple[str, OrderInfo] | None = None
        if order_id is not None:
            raw = (await self.endpoints.query_orders([order_id])).get(order_id)
            found = None if raw is None else (order_id, raw)
        else:
            assert client_order_id is not None
            opened = (await self.endpoints.open_orders(client_order_id)).open
            found = self._with_client_id(opened, client_order_id)
            if found is None:
                closed = (await self.endpoints.closed_orders(client_order_id)).closed
                found = self._with_client_id(closed, client_order_id)
        if found is None:
            raise OrderNotFound(
                f"no order {order_id or client_order_id} on this kraken account", exchange=self.id
            )
        txid, raw = found
        pair_market = (await self._pairs(market)).get(raw.descr.pair or "")
        if pair_market is None and market is not None:  # the order is on another pair than the one given
            pair_market = (await self._pairs(None)).get(raw.descr.pair or "")
        if pair_market is None:
            raise UpstreamDecodeError(
                f"order {txid} is on an unknown pair {raw.descr.pair!r}", exchange=self.id
            )
        order = parsing.parse_order(txid, raw, pair_market)
        if order is None:
            raise NotSupported(
                f"order {txid} is a {raw.descr.ordertype} order, which is not modelled", exchange=self.id
            )
        return order

    @staticmethod
    def _with_client_id(
        orders: Mapping[str, OrderInfo], client_order_id: str
    ) -> tuple[str, OrderInfo] | None:
        # The venue filters by cl_ord_id; checked again so that a filter it ignored cannot pick another order.
        return next(((txid, raw) for txid, raw in orders.items() if raw.cl_ord_id == client_order_id), None)

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
    """The public adapter, or with `credentials` an account's trading adapter. Kraken runs no spot test
    network, so `sandbox` cannot be honoured: it is refused rather than trading real funds."""
    if client is None:
        raise ValueError(
            "kraken is a native HTTP adapter: its factory needs a VenueClient (built from SPEC.errors and "
            "SPEC.rate_limit), got None"
        )
    if sandbox:
        raise SettingsError(
            "kraken has no spot sandbox (test network); set sandbox = false to trade real funds on this "
            "account, or use the paper exchange"
        )
    signer = KrakenSigner(credentials) if credentials is not None else None
    return KrakenAdapter(client, signer=signer)


SPEC = AdapterSpec(
    id=c.EXCHANGE_ID,
    name=c.EXCHANGE_NAME,
    engine=Engine.NATIVE,
    factory=create,
    aliases=(),
    rate_limit=c.RATE_LIMIT,
    errors=ERRORS,
)
