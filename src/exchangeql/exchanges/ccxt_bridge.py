"""The ccxt engine: ccxt's exchange classes for the long tail of venues, behind OUR transport and errors.

ccxt (the optional extra `exchangeql[ccxt]`) is used as a library, never copied: it builds each venue's
requests and parses its answers into unified structures. Everything around that is ours:
- HTTP: the ccxt instance's `fetch` is replaced, so every request goes through our VenueClient (rate
  limit, retries for GET only, request deadline, EXCHANGEQL_UPSTREAM_<ID> origin override). ccxt's own
  throttle is off, and ccxt never opens an aiohttp session (only its own `fetch` would).
- Errors: ccxt's per-venue error handler still reads every answer; its exceptions map into our hierarchy
  in one table (CCXT_ERRORS), with credentials and query strings scrubbed from the messages.
- Numbers: the instance produces numbers as strings and venue JSON is decoded with floats kept as their
  text, so ccxt_convert builds exact Decimals without a float round trip.

ccxt is imported only when an adapter is built: importing this module, or building a spec, must not
import it (about 100 MiB and 0.5 s), so a gateway serving only native venues never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Collection, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import msgspec

from ..errors import (
    AuthenticationFailed,
    BadRequest,
    BadSymbol,
    ExchangeUnavailable,
    GatewayError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    PermissionDenied,
    RateLimited,
    Timeout,
    UpstreamDecodeError,
)
from ..models import Balance, Candle, Market, MarketIndex, Order, OrderBook, OrderRequest, Ticker, Trade
from ..settings import RateLimit, Settings
from ..transport.client import VenueClient
from ..transport.errors import ErrorClass, ErrorTable
from . import ccxt_convert as convert
from .base import Adapter, AdapterSpec, Capabilities, Engine, Method, Support

CCXT_VERSION = "4.5.90"

# Each ccxt class's `rateLimit` in ccxt 4.5.90: milliseconds between two requests of cost 1. Repeated here
# because building a spec must not import ccxt; tests/exchanges/ccxt/test_spec.py checks it against ccxt.
_RATE_LIMIT_GROUPS: Mapping[float, str] = {
    1: "bitteam",
    3.333: "bequant fmfwio hitbtc",
    5: "poloniex",
    7.5: "kucoin kucoinfutures",
    8.334: "bithumb",
    10: "bitrue cryptocom grvt",
    13.333333333333334: "btse",
    20: "apex bigone bullish bybit bybiteu bybitid gateeu lbank toobit weex whitebit",
    25: "nado",
    33.334: "foxbit",
    34: "coinbase",
    50: (
        "backpack binance binancecoinm binanceus binanceusdm bitget bydfi coinone coinsph "
        "deribit derive gate hyperliquid indodax mexc paradex upbit zebpay"
    ),
    60: "bitvavo polymarket",
    75: "bitstamp",
    100: (
        "bingx bitbank bitopro bittrade btcturk coinbaseexchange coinbaseinternational "
        "cryptomus dydx gemini hashkey hibachi htx modetrade mudrex p2b woo woofipro xt zaif"
    ),
    110: "myokx okx okxus",
    120.5: "phemex",
    200: "blofin deepcoin luno",
    250: "bitfinex hollaex",
    300: "cex delta onetrading",
    333: "alpaca aster",
    500: "blockchaincom",
    600: "coinmate extended krakenfutures pacifica",
    900: "digifinex",
    1000: (
        "bitbns bitflyer btcbox btcmarkets coinspot independentreserve kraken latoken "
        "lighter mercado ndax revolutx"
    ),
    1500: "coincheck",
    2000: "bitso paymium tokocrypto",
    3000: "bit2c",
}
RATE_LIMIT_MS: Mapping[str, float] = {
    exchange_id: ms for ms, ids in _RATE_LIMIT_GROUPS.items() for exchange_id in ids.split()
}

# ccxt exception class name -> our error. The most specific class of the raised exception's MRO that is
# listed here wins, so PermissionDenied beats its parent AuthenticationError. Names, not classes: the
# table must exist without importing ccxt.
CCXT_ERRORS: Mapping[str, ErrorClass] = {
    "BadSymbol": BadSymbol,
    "RateLimitExceeded": RateLimited,
    "DDoSProtection": RateLimited,
    "RequestTimeout": Timeout,
    "ExchangeNotAvailable": ExchangeUnavailable,  # OnMaintenance too
    "NetworkError": ExchangeUnavailable,
    "BadResponse": UpstreamDecodeError,  # NullResponse too: an answer ccxt could not make sense of
    "AuthenticationError": AuthenticationFailed,  # AccountSuspended too
    "PermissionDenied": PermissionDenied,  # AccountNotEnabled too
    "InsufficientFunds": InsufficientFunds,
    "InvalidOrder": InvalidOrder,  # DuplicateOrderId, OrderImmediatelyFillable, ...
    "OrderNotFound": OrderNotFound,
    "NotSupported": NotSupported,
    "BadRequest": BadRequest,
    "ArgumentsRequired": BadRequest,
    "InvalidAddress": BadRequest,
    "OperationRejected": BadRequest,  # the venue refused this request (market closed, ...): do not retry
    "ExchangeError": ExchangeUnavailable,  # a venue error ccxt has no better class for
    "OperationFailed": ExchangeUnavailable,
    "BaseError": ExchangeUnavailable,
}

_HAS: Mapping[Method, str] = {
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

_MAX_MESSAGE = 200
_QUERY = re.compile(r"(https?://[^\s?#\"'<>]+)\?[^\s\"'<>]*")
_SECRET_FIELD = re.compile(
    r"(?i)\b(api[-_]?key|key|secret|signature|sign|passphrase|password|token|nonce)(\"?\s*[:=]\s*\"?)[^\s\"&,;}]+"
)
_KEY_LIKE = re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}")  # API keys, signatures, tokens: long opaque runs


def scrub(message: str, exchange_id: str, secrets: Collection[str] = ()) -> str:
    """A ccxt message fit for our errors: no query string, nothing that looks like a key, clipped."""
    for secret in secrets:
        message = message.replace(secret, "[redacted]")
    message = _QUERY.sub(r"\1", message)
    message = _SECRET_FIELD.sub(r"\1\2[redacted]", message)
    message = _KEY_LIKE.sub("[redacted]", message)
    message = " ".join(message.split()).removeprefix(exchange_id + " ")  # our errors name the exchange
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def error_class(exc: BaseException) -> ErrorClass:
    """Our class for a ccxt exception (by its class names, most specific first)."""
    for cls in type(exc).__mro__:
        mapped = CCXT_ERRORS.get(cls.__name__)
        if mapped is not None:
            return mapped
    return ExchangeUnavailable


def gateway_error(
    exc: BaseException,
    exchange_id: str,
    *,
    cls: ErrorClass | None = None,
    secrets: Collection[str] = (),
    retry_after: float | None = None,
) -> GatewayError:
    """A ccxt exception as our error; `cls` overrides the table (see CcxtErrorTable)."""
    cls = cls or error_class(exc)
    message = scrub(str(exc), exchange_id, secrets) or type(exc).__name__
    if issubclass(cls, RateLimited):
        return cls(message, exchange=exchange_id, retry_after=retry_after)
    return cls(message, exchange=exchange_id)


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


def _support(value: object) -> Support:
    if value is True:
        return Support.NATIVE
    if value == "emulated":
        return Support.EMULATED
    return Support.NONE


class CcxtAdapter:
    """An Adapter around one ccxt async exchange instance whose HTTP goes through our VenueClient."""

    id: str
    capabilities: Capabilities
    timeframes: Mapping[str, str]

    def __init__(self, exchange_id: str, client: VenueClient) -> None:
        import ccxt.async_support as ccxt_async  # lazily, see the module docstring

        exchange_class = getattr(ccxt_async, exchange_id, None)
        if exchange_id not in ccxt_async.exchanges or exchange_class is None:
            raise ValueError(f"{exchange_id!r} is not an exchange of ccxt {ccxt_async.__version__}")
        self.id = exchange_id
        self.client = client
        self._base_error: type[Exception] = ccxt_async.BaseError
        # No credentials yet (the trading layer will bring them). `timeout_on_exit` is a pause ccxt's close()
        # takes for websocket clients, which we do not use.
        self.exchange: Any = exchange_class({"enableRateLimit": False, "timeout_on_exit": 0})
        self.exchange.number = str
        # Instance attributes shadow the class's methods: ccxt calls self.fetch2 -> self.fetch.
        self._ccxt_fetch2 = self.exchange.fetch2
        self.exchange.fetch2 = self._fetch2
        self.exchange.fetch = self._fetch
        has = self.exchange.has
        self.capabilities = {method: _support(has.get(key)) for method, key in _HAS.items()}
        self.timeframes = {str(k): str(v) for k, v in (self.exchange.timeframes or {}).items()}

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
        return data if data is not None else text

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
        await self.exchange.close()


def ccxt_spec(exchange_id: str, name: str, aliases: Sequence[str] = ()) -> AdapterSpec:
    """The spec of a venue served by ccxt. Cheap: ccxt is imported only when the factory runs."""
    rate_limit_ms = RATE_LIMIT_MS.get(exchange_id)
    if rate_limit_ms is None:
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
        # ccxt spaces requests of cost 1 by rateLimit ms, with a bucket of capacity 1: the same budget.
        rate_limit=RateLimit(weight=1, per_seconds=rate_limit_ms / 1000),
        errors=CcxtErrorTable(exchange_id),
    )
