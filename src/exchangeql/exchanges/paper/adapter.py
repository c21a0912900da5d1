"""The paper exchange: the simulated markets and one in-memory account, behind the Adapter protocol.

It needs no network and no configuration, which makes it the gateway's offline default. Everything it
answers is a pure function of (seed, clock): two adapters with the same seed and clock agree to the digit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...clock import now_ms
from ...errors import BadRequest
from ...models import Balance, Candle, Market, MarketIndex, Order, OrderBook, OrderRequest, Ticker, Trade
from ...settings import Settings
from ..base import Adapter, AdapterSpec, Capabilities, Engine, Support, capabilities
from .matching import Fees, MatchingEngine
from .simulation import BOOK_DEPTH, TIMEFRAMES, MarketSimulator

if TYPE_CHECKING:
    from ...transport.client import VenueClient

EXCHANGE_ID = "paper"

CAPABILITIES: Capabilities = capabilities(
    fetch_markets=Support.NATIVE,
    fetch_ticker=Support.NATIVE,
    fetch_tickers=Support.NATIVE,
    fetch_order_book=Support.NATIVE,
    fetch_trades=Support.NATIVE,
    fetch_ohlcv=Support.NATIVE,
    fetch_balance=Support.NATIVE,
    create_order=Support.NATIVE,
    cancel_order=Support.NATIVE,
    fetch_order=Support.NATIVE,
    fetch_open_orders=Support.NATIVE,
)

# The simulator's own timeframe names are the unified ones.
PAPER_TIMEFRAMES: Mapping[str, str] = {name: name for name in TIMEFRAMES}

# Default and largest sizes of the public lists (a larger limit is served at the largest size).
BOOK_LIMIT = (20, BOOK_DEPTH)
TRADES_LIMIT = (50, 1000)
OHLCV_LIMIT = (100, 1000)


def _size(limit: int | None, bounds: tuple[int, int]) -> int:
    default, largest = bounds
    if limit is None:
        return default
    if limit < 1:
        raise BadRequest(f"limit must be at least 1, got {limit}", exchange=EXCHANGE_ID)
    return min(limit, largest)


class PaperAdapter:
    """The built-in simulated venue. `clock` returns epoch ms (inject one for deterministic tests)."""

    id: str
    capabilities: Capabilities
    timeframes: Mapping[str, str]

    def __init__(
        self,
        seed: int = 42,
        *,
        clock: Callable[[], int] | None = None,
        balances: Mapping[str, Decimal] | None = None,
        fees: Fees | None = None,
        account_state: Mapping[str, Any] | None = None,
    ) -> None:
        self.id = EXCHANGE_ID
        self.capabilities = CAPABILITIES
        self.timeframes = PAPER_TIMEFRAMES
        self.clock = clock or now_ms
        self.simulator = MarketSimulator(seed, exchange_id=self.id)
        if account_state is not None:
            self.account = MatchingEngine.restore(self.simulator, account_state, fees=fees)
        else:
            self.account = MatchingEngine(self.simulator, balances, fees=fees)

    async def fetch_markets(self) -> list[Market]:
        return self.simulator.markets()

    async def fetch_ticker(self, market: Market) -> Ticker:
        return self.simulator.ticker(market.symbol, self.clock())

    async def fetch_tickers(self, index: MarketIndex, markets: Sequence[Market] | None) -> list[Ticker]:
        now = self.clock()
        symbols = [m.symbol for m in (self.simulator.markets() if markets is None else markets)]
        return [self.simulator.ticker(symbol, now) for symbol in symbols]

    async def fetch_order_book(self, market: Market, limit: int | None) -> OrderBook:
        return self.simulator.order_book(market.symbol, self.clock(), _size(limit, BOOK_LIMIT))

    async def fetch_trades(self, market: Market, limit: int | None) -> list[Trade]:
        return self.simulator.trades(market.symbol, self.clock(), _size(limit, TRADES_LIMIT))

    async def fetch_ohlcv(
        self, market: Market, timeframe: str, since: int | None, limit: int | None
    ) -> list[Candle]:
        return self.simulator.candles(
            market.symbol, timeframe, since, _size(limit, OHLCV_LIMIT), self.clock()
        )

    async def fetch_balance(self) -> list[Balance]:
        return self.account.balances(self.clock())

    async def create_order(self, order: OrderRequest) -> Order:
        return self.account.create_order(order, self.clock())

    async def cancel_order(self, market: Market, order_id: str | None, client_order_id: str | None) -> Order:
        return self.account.cancel_order(market.symbol, order_id, client_order_id, self.clock())

    async def fetch_order(
        self, market: Market | None, order_id: str | None, client_order_id: str | None
    ) -> Order:
        symbol = None if market is None else market.symbol
        return self.account.fetch_order(symbol, order_id, client_order_id, self.clock())

    async def fetch_open_orders(self, market: Market | None) -> list[Order]:
        return self.account.open_orders(None if market is None else market.symbol, self.clock())

    async def close(self) -> None:
        return None


def _factory(client: VenueClient | None, settings: Settings) -> Adapter:
    return PaperAdapter(seed=settings.paper_seed)


SPEC = AdapterSpec(
    id=EXCHANGE_ID,
    name="Paper (simulated)",
    engine=Engine.PAPER,
    factory=_factory,
)
