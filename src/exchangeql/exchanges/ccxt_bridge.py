"""The ccxt engine: ccxt's exchange classes for the long tail of venues, behind OUR transport and errors.

ccxt (the optional extra `exchangeql[ccxt]`) is used as a library, never copied: it builds each venue's
requests and parses its answers into unified structures. Everything around that is ours:
- HTTP: the ccxt instance's `fetch` is replaced, so every request goes through our VenueClient (rate
  limit, retries for GET only, request deadline, EXCHANGEQL_UPSTREAM_<ID> origin override). ccxt's own
  throttle is off, and ccxt never opens an aiohttp session (only its own `fetch` would).
- Errors: ccxt's per-venue error handler still reads every answer; its exceptions map into our hierarchy
  in one table (ccxt_convert.CCXT_ERRORS), with credentials and query strings scrubbed from the messages.
- Numbers: the instance produces numbers as strings and venue JSON is decoded with floats kept as their
  text, so ccxt_convert builds exact Decimals without a float round trip.

ccxt is imported only when an adapter is built: importing this module, or building a spec, must not
import it (about 100 MiB and 0.5 s), so a gateway serving only native venues never loads it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from http import HTTPStatus
from importlib.resources import files
from typing import Any

import msgspec

from ..errors import BadRequest, ExchangeUnavailable, GatewayError, UpstreamDecodeError
from ..models import Balance, Candle, Market, MarketIndex, Order, OrderBook, OrderRequest, Ticker, Trade
from ..settings import RateLimit, Settings
from ..trading.credentials import Credentials
from ..transport.client import VenueClient
from ..transport.errors import ErrorTable
from . import ccxt_convert as convert
from .base import Adapter, AdapterSpec, Capabilities, Engine, Method, Support
from .ccxt_convert import error_class, gateway_error

CCXT_VERSION = "4.5.90"


@dataclass(frozen=True, slots=True)
class EngineFacts:
    """What the gateway needs to know of a ccxt class before (and without) importing ccxt."""

    rate_limit_ms: float  # ccxt's `rateLimit`: milliseconds between two requests of cost 1
    has: Mapping[str, str]  # Method value -> Support value
    timeframes: Mapping[str, str]


class _EngineTable(msgspec.Struct, frozen=True):
    ccxt_version: str
    exchanges: dict[str, dict[str, Any]]


@cache
def engine_facts() -> Mapping[str, EngineFacts]:
    """ccxt 4.5.90's exchanges as recorded in data/ccxt_engine.json (tools/build_ccxt_table.py)."""
    raw = files("exchangeql").joinpath("data", "ccxt_engine.json").read_bytes()
    table = msgspec.json.decode(raw, type=_EngineTable)
    return {
        exchange_id: EngineFacts(facts["rate_limit_ms"], facts["has"], facts["timeframes"])
        for exchange_id, facts in table.exchanges.items()
    }


HAS_KEYS: Mapping[Method, str] = {
    Method.FETCH_MARKETS: "fetchMarkets",
    Method.FETCH_TICKER: "fetchTicker",
    Method.FETCH_TICKERS: "fetchTickers",
    Method.FETCH_ORDER_BOOK: "fetchOrderBook",
    Method.FETCH_TRADES: "fetchTrades",
    Method.FETCH_OHLCV: "fetchOHLCV",
    Method.FETCH_BALANCE: "fetchBalance",
    Method.CREATE_ORDER: "createOrder",
    Method.CANCEL_ORDER: "cancelOrder",
    Method.FETCH_ORDER: "fetchOrder",
    Method.FETCH_OPEN_ORDERS: "fetchOpenOrders",
}

# Venue JSON with every float kept as its text: ccxt's parsers read numbers through safe_string, which
# takes a string as is (in ccxt's JavaScript, JSON numbers are quoted before parsing for the same reason).
_JSON = msgspec.json.Decoder(float_hook=str)


@dataclass(frozen=True, slots=True)
class _Request:
    """One HTTP request of a ccxt instance, in flight in the current task."""

    exchange: Any  # the ccxt instance
    base_error: type[Exception]  # ccxt.BaseError
    url: str
    method: str
    headers: Mapping[str, str]
    body: str | None
    secrets: tuple[str, ...]  # credential values, kept out of error messages

    def decode(self, status: int, raw: bytes) -> tuple[str, Any]:
        """(text, JSON or None), prepared the way ccxt's own fetch prepares an answer."""
        reason = _reason(status)
        text = raw.decode("utf-8", errors="replace")
        text = self.exchange.on_rest_response(
            status, reason, self.url, self.method, {}, text, self.headers, self.body
        )
        if not text.startswith(("{", "[")):  # ccxt's rule: only objects and arrays are JSON answers
            return text, None
        try:
            return text, _JSON.decode(text)
        except msgspec.DecodeError:
            return text, None

    def check(self, status: int, text: str, data: Any) -> None:
        """ccxt's error handler of the venue: raises ccxt's exception for an error answer."""
        self.exchange.handle_errors(
            status, _reason(status), self.url, self.method, {}, text, data, self.headers, self.body
        )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


_IN_FLIGHT: ContextVar[_Request | None] = ContextVar("exchangeql_ccxt_request", default=None)
# ccxt's cost of the endpoint being called, handed from its fetch2 to fetch (the same task).
_COST: ContextVar[float] = ContextVar("exchangeql_ccxt_cost", default=1.0)


class CcxtErrorTable(ErrorTable):
    """The generic table (HTTP status decides) with ccxt's venue error handler consulted first.

    Why here, inside the transport: VenueClient turns a non-2xx answer into an error before returning,
    and decides from its class whether to retry. Classifying at that point with ccxt's knowledge of the
    venue's codes makes the retry decision right (a venue "rate limit" code is retried after a pause, a
    "bad symbol" code is not), and no body has to be carried past the transport. The ccxt instance and the
    request are found through a context variable that the adapter's fetch sets around the call: it is
    task-local, so concurrent requests of different instances cannot see each other's.

    When ccxt has nothing more specific than its generic ExchangeError for a non-2xx answer, the HTTP status
    decides (a 400 is not worth retrying), keeping ccxt's message.
    """

    __slots__ = ()

    def from_response(self, status: int, body: bytes, retry_after: float | None = None) -> GatewayError:
        request = _IN_FLIGHT.get()
        if request is None:
            return ErrorTable.from_response(self, status, body, retry_after)
        try:
            text, data = request.decode(status, body)
            request.check(status, text, data)
        except request.base_error as exc:
            cls = error_class(exc)
            if type(exc).__name__ == "ExchangeError":
                cls = self.by_status.get(status) or (ExchangeUnavailable if status >= 500 else BadRequest)
            return gateway_error(
                exc, self.exchange, cls=cls, secrets=request.secrets, retry_after=retry_after
            )
        except Exception:  # ccxt's handler tripped over a body it did not expect (HTML, ...): status decides
            pass
        return ErrorTable.from_response(self, status, body, retry_after)


def support_of(value: object) -> Support:
    """ccxt's `has` value as our Support."""
    if value is True:
        return Support.NATIVE
    if value == "emulated":
        return Support.EMULATED
    return Support.NONE


class CcxtAdapter:
    """An Adapter around one ccxt async exchange instance whose HTTP goes through our VenueClient.

    Capabilities and timeframes come from the recorded engine table; the ccxt instance (and ccxt itself)
    is created on first use, so listing ccxt-engine exchanges costs no ccxt import.
    """

    id: str
    capabilities: Capabilities
    timeframes: Mapping[str, str]

    def __init__(
        self,
        exchange_id: str,
        client: VenueClient,
        *,
        credentials: Credentials | None = None,
        sandbox: bool = False,
    ) -> None:
        facts = engine_facts().get(exchange_id)
        if facts is None:
            raise ValueError(f"{exchange_id!r} is not an exchange of ccxt {CCXT_VERSION}")
        self.id = exchange_id
        self.client = client
        self.capabilities = {method: Support(facts.has.get(method.value, "none")) for method in Method}
        self.timeframes = dict(facts.timeframes)
        self._credentials = credentials
        self._sandbox = sandbox
        if sandbox:
            _ = self.exchange  # an account's sandbox flag must fail at start-up where the venue has none

    @cached_property
    def _base_error(self) -> type[Exception]:
        import ccxt.async_support as ccxt_async

        return ccxt_async.BaseError  # type: ignore[no-any-return]

    @cached_property
    def exchange(self) -> Any:
        """The ccxt instance, built (and ccxt imported) on first use."""
        import ccxt.async_support as ccxt_async  # lazily, see the module docstring
        from ccxt.base.exchange import Exchange as CcxtExchange

        exchange_class = getattr(ccxt_async, self.id)
        # Public unless built for an account (credentials below). `timeout_on_exit` is a pause ccxt's close()
        # takes for websocket clients, which we do not use.
        exchange = exchange_class({"enableRateLimit": False, "timeout_on_exit": 0})
        exchange.number = str
        if self._credentials is not None:  # an account's adapter (trading/accounts.py): ccxt signs with these
            names = ("apiKey", "secret", "password", "uid")
            for attribute, secret in zip(names, self._credentials.secrets(), strict=True):
                if secret is not None:
                    setattr(exchange, attribute, secret.reveal())
        if self._sandbox:
            exchange.set_sandbox_mode(True)  # raises NotSupported when the venue has no test network
        # Instance attributes shadow the class's methods: ccxt calls self.fetch2 -> self.fetch.
        self._ccxt_fetch2 = exchange.fetch2
        exchange.fetch2 = self._fetch2
        exchange.fetch = self._fetch
        # ccxt 4.5.90 reads order book levels with safe_float whatever `number` says (its sort needs numbers);
        # venues that override the level parser keep theirs.
        if type(exchange).parse_order_book_bid_ask is CcxtExchange.parse_order_book_bid_ask:
            exchange.parse_order_book_bid_ask = self._bid_ask
        return exchange

    # --- transport ------------------------------------------------------------------------------------

    async def _fetch2(
        self, path: Any, api: Any, method: str = "GET", params: Any = None, config: Any = None
    ) -> Any:
        """ccxt's fetch2, with the endpoint's cost handed to our rate limiter as the request weight."""
        params = {} if params is None else params
        config = {} if config is None else config
        cost = self.exchange.calculate_rate_limiter_cost(api, method, path, params, config)
        token = _COST.set(float(cost) if cost is not None else 1.0)
        try:
            return await self._ccxt_fetch2(path, api, method, params, config)
        finally:
            _COST.reset(token)

    async def _fetch(
        self, url: str, method: str = "GET", headers: Mapping[str, Any] | None = None, body: Any = None
    ) -> Any:
        """ccxt's fetch over our VenueClient: GET is retried by the client, other methods are sent once."""
        method = method.upper()
        sent = {str(name): str(value) for name, value in (headers or {}).items()}
        request = _Request(self.exchange, self._base_error, url, method, sent, body, self._secrets())
        weight = _COST.get()
        token = _IN_FLIGHT.set(request)
        try:
            if method == "GET" and body is None:
                raw = await self.client.get(url, weight=weight, headers=sent or None)
            else:
                raw = await self.client.send(method, url, content=body, headers=sent or None, weight=weight)
        finally:
            _IN_FLIGHT.reset(token)
        text, data = request.decode(200, raw)
        request.check(200, text, data)  # some venues answer errors with HTTP 200
        if data is None and text.startswith("<"):
            # A page (captive portal, CDN, maintenance) where the venue's data belongs: ccxt would parse the
            # text into empty structures. A few endpoints answer plain text; none answer markup.
            raise UpstreamDecodeError("the venue answered a markup page, not data", exchange=self.id)
        return data if data is not None else text

    def _bid_ask(
        self, bidask: Any, price_key: Any = 0, amount_key: Any = 1, count_or_id_key: Any = 2
    ) -> list[Any]:
        """One order book level, [price, amount(, count)], with Decimals made from the venue's digits.

        Decimal is one of ccxt's own number types (its `Num`) and sorts by value, as ccxt's sort of the
        levels needs.
        """
        price = self.exchange.safe_string(bidask, price_key)
        amount = self.exchange.safe_string(bidask, amount_key)
        level: list[Any] = [
            None if price is None else Decimal(price),
            None if amount is None else Decimal(amount),
        ]
        count = self.exchange.safe_integer(bidask, count_or_id_key)
        if count is not None:
            level.append(count)
        return level

    def _secrets(self) -> tuple[str, ...]:
        values = (getattr(self.exchange, name, None) for name in ("apiKey", "secret", "password", "uid"))
        return tuple(v for v in values if isinstance(v, str) and len(v) >= 4)

    async def _call(self, pending: Awaitable[Any]) -> Any:
        """Await a ccxt call; ccxt's exceptions leave as ours (ours, from the transport, pass through)."""
        try:
            return await pending
        except self._base_error as exc:
            raise gateway_error(exc, self.id, secrets=self._secrets()) from None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            # ccxt's parser met a shape it does not expect (the venue changed its answer): the cause stays
            # chained for the logs, the message names only the exception type.
            raise UpstreamDecodeError(
                f"the venue's answer has an unexpected shape ({type(exc).__name__} in ccxt's parser)",
                exchange=self.id,
            ) from exc

    # --- market data ----------------------------------------------------------------------------------

    async def fetch_markets(self) -> list[Market]:
        # load_markets, not fetch_markets: ccxt also loads currencies where the venue has them, which
        # some venues' markets need (amount precision, currency codes), and keeps the markets for later calls.
        loaded = await self._call(self.exchange.load_markets(True))
        return convert.markets(loaded.values(), self.id, self.exchange.precisionMode)

    def set_markets(self, markets: Mapping[str, Any] | Sequence[Any]) -> list[Market]:
        """Seed the instance with ccxt unified markets known already (a cache, a file): no request."""
        loaded = self.exchange.set_markets(markets)
        return convert.markets(loaded.values(), self.id, self.exchange.precisionMode)

    async def fetch_ticker(self, market: Market) -> Ticker:
        return convert.ticker(await self._call(self.exchange.fetch_ticker(market.symbol)), self.id)

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        symbols = None if markets is None else [m.symbol for m in markets]
        if symbols == []:
            return []
        raw = await self._call(self.exchange.fetch_tickers(symbols))
        return [t for t in convert.tickers(raw, self.id) if t.symbol in index.by_symbol]

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        raw = await self._call(self.exchange.fetch_order_book(market.symbol, limit))
        return convert.order_book(raw, self.id, market.symbol)

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        raw = await self._call(self.exchange.fetch_trades(market.symbol, None, limit))
        return convert.trades(raw, self.id)

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        raw = await self._call(self.exchange.fetch_ohlcv(market.symbol, timeframe, since, limit))
        return convert.candles(raw, self.id)

    # --- trading: passed through to ccxt (credentials arrive with the trading layer) ------------------

    async def fetch_balance(self) -> list[Balance]:
        return convert.balances(await self._call(self.exchange.fetch_balance()), self.id)

    async def create_order(self, order: OrderRequest) -> Order:
        params: dict[str, str] = {"clientOrderId": order.client_order_id}
        if order.time_in_force is not None:
            params["timeInForce"] = order.time_in_force
        # Amounts as strings: ccxt takes str numbers (its Num type) and formats them with Decimal.
        price = None if order.price is None else str(order.price)
        raw = await self._call(
            self.exchange.create_order(
                order.market.symbol, order.type.value, order.side.value, str(order.amount), price, params
            )
        )
        return convert.order(raw, self.id, order)

    async def cancel_order(self, market: Market, order_id: str | None, client_order_id: str | None) -> Order:
        params = {} if client_order_id is None else {"clientOrderId": client_order_id}
        raw = await self._call(self.exchange.cancel_order(order_id, market.symbol, params))
        return convert.order(raw, self.id)

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        params = {} if client_order_id is None else {"clientOrderId": client_order_id}
        symbol = None if market is None else market.symbol
        return convert.order(await self._call(self.exchange.fetch_order(order_id, symbol, params)), self.id)

    async def fetch_open_orders(self, market: Market | None) -> list[Order]:
        symbol = None if market is None else market.symbol
        return convert.orders(await self._call(self.exchange.fetch_open_orders(symbol)), self.id)

    async def close(self) -> None:
        # ccxt owns no HTTP session here (its fetch, the only opener, is replaced): close() releases the rest.
        if "exchange" in self.__dict__:  # never built: nothing to release
            await self.exchange.close()


def rate_limit_of(rate_limit_ms: float) -> RateLimit:
    """ccxt's spacing (ms between requests of cost 1; an endpoint of cost c takes c spacings) as our budget.

    The same average rate, counted over one second (or one spacing, when that is longer): our limiter is
    a sliding window that caps a request's weight at the budget, so the window must hold ccxt's endpoint
    costs (poloniex's ticker costs 20 at 5 ms each: 200 per second). Within a window, requests may go
    together where ccxt would space them.
    """
    window = max(1.0, rate_limit_ms / 1000)
    return RateLimit(weight=window * 1000 / rate_limit_ms, per_seconds=window)


def ccxt_spec(exchange_id: str, name: str, aliases: Sequence[str] = ()) -> AdapterSpec:
    """The spec of a venue served by ccxt. Cheap: ccxt is imported only when the factory runs."""
    facts = engine_facts().get(exchange_id)
    if facts is None:
        raise ValueError(f"{exchange_id!r} is not an exchange of ccxt {CCXT_VERSION}")

    def create(client: VenueClient | None, settings: Settings) -> Adapter:
        if client is None:
            raise ValueError(f"{exchange_id} runs on the ccxt engine: its factory needs a VenueClient")
        return CcxtAdapter(exchange_id, client)

    return AdapterSpec(
        id=exchange_id,
        name=name,
        engine=Engine.CCXT,
        factory=create,
        aliases=tuple(aliases),
        rate_limit=rate_limit_of(facts.rate_limit_ms),
        errors=CcxtErrorTable(exchange_id),
    )
