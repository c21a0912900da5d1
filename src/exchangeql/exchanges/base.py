"""The Adapter protocol every engine implements, and the capability map it declares.

Adapters take domain arguments (a `Market`, not a user string: the gateway resolves and validates the
symbol first) and return domain models. They own no cache and no HTTP client: the transport is handed
to them, and the gateway's cache sits above them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from ..errors import NotSupported
from ..settings import RateLimit, Settings
from ..transport.errors import ErrorTable

if TYPE_CHECKING:
    from ..transport.client import VenueClient

from ..models import Balance, Candle, Market, MarketIndex, Order, OrderBook, OrderRequest, Ticker, Trade


class Method(StrEnum):
    FETCH_MARKETS = "fetch_markets"
    FETCH_TICKER = "fetch_ticker"
    FETCH_TICKERS = "fetch_tickers"
    FETCH_ORDER_BOOK = "fetch_order_book"
    FETCH_TRADES = "fetch_trades"
    FETCH_OHLCV = "fetch_ohlcv"
    FETCH_BALANCE = "fetch_balance"
    CREATE_ORDER = "create_order"
    CANCEL_ORDER = "cancel_order"
    FETCH_ORDER = "fetch_order"
    FETCH_OPEN_ORDERS = "fetch_open_orders"


class Support(StrEnum):
    NATIVE = "native"  # one venue endpoint answers it
    EMULATED = "emulated"  # answered by combining or filtering other endpoints
    NONE = "none"  # the venue cannot answer it


Capabilities = Mapping[Method, Support]


def capabilities(**support: Support) -> dict[Method, Support]:
    """A full capability map: every method not named is Support.NONE."""
    declared = {Method(name): value for name, value in support.items()}
    return {method: declared.get(method, Support.NONE) for method in Method}


class Adapter(Protocol):
    """What the gateway asks of an exchange engine (native, ccxt, paper or replay)."""

    id: str
    capabilities: Capabilities
    timeframes: Mapping[str, str]  # unified timeframe ("1m", "1h", "1d") -> venue value

    async def fetch_markets(self) -> list[Market]: ...

    async def fetch_ticker(self, market: Market) -> Ticker: ...

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        """Tickers for `markets` (all of the venue's when None), in one call where the venue allows."""
        ...

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook: ...

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]: ...

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]: ...

    async def fetch_balance(self) -> list[Balance]: ...

    async def create_order(self, order: OrderRequest) -> Order: ...

    async def cancel_order(
        self, market: Market, order_id: str | None, client_order_id: str | None
    ) -> Order: ...

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order: ...

    async def fetch_open_orders(self, market: Market | None) -> list[Order]: ...

    async def close(self) -> None: ...


class PublicOnly:
    """Mixin for adapters without trading: the private methods answer NOT_SUPPORTED, typed, no crash."""

    id: str

    def _unsupported(self, what: str) -> NotSupported:
        return NotSupported(f"{what} is not supported on this exchange yet", exchange=self.id)

    async def fetch_balance(self) -> list[Balance]:
        raise self._unsupported("fetch_balance")

    async def create_order(self, order: OrderRequest) -> Order:
        raise self._unsupported("create_order")

    async def cancel_order(self, market: Market, order_id: str | None, client_order_id: str | None) -> Order:
        raise self._unsupported("cancel_order")

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        raise self._unsupported("fetch_order")

    async def fetch_open_orders(self, market: Market | None) -> list[Order]:
        raise self._unsupported("fetch_open_orders")

    async def close(self) -> None:
        return None


class Engine(StrEnum):
    NATIVE = "native"  # our own httpx adapter
    CCXT = "ccxt"  # ccxt's exchange class behind our transport
    PAPER = "paper"  # the built-in simulated venue
    REPLAY = "replay"  # a native adapter served from recorded responses (offline demo)


# Builds an adapter from its transport (None for venues without HTTP, such as paper) and the settings.
AdapterFactory = Callable[["VenueClient | None", Settings], Adapter]


@dataclass(frozen=True, slots=True)
class AdapterSpec:
    """Everything the registry needs to know about one engine-backed exchange."""

    id: str
    name: str
    engine: Engine
    factory: AdapterFactory
    aliases: tuple[str, ...] = ()
    rate_limit: RateLimit | None = None  # the venue's default budget (None: no HTTP)
    errors: ErrorTable | None = None  # the venue's error table (None: no HTTP)
