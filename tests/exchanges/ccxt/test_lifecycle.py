"""The bridge's plumbing: ccxt never opens HTTP of its own, close() leaves nothing open, ccxt's endpoint
costs reach our rate limiter, and the gateway's service drives the adapter end to end.
"""

from __future__ import annotations

import gc
import time
from decimal import Decimal

from exchangeql.cache import ResponseCache, build_backend
from exchangeql.exchanges.base import Engine
from exchangeql.exchanges.ccxt_bridge import ccxt_spec
from exchangeql.gateway import ExchangeService
from exchangeql.settings import Settings
from exchangeql.transport.ratelimit import TokenBucket

from . import Upstream, adapter_markets, ccxt_adapter, load_fixture, market_routes, venue_client


async def test_close_leaves_nothing_open() -> None:
    import aiohttp

    f = load_fixture("whitebit")
    (case,) = f.of("fetchTicker")
    sessions_before = sum(isinstance(o, aiohttp.ClientSession) for o in gc.get_objects())
    started = time.monotonic()
    async with ccxt_adapter("whitebit", Upstream(market_routes(f) + case.routes())) as adapter:
        markets = await adapter_markets(adapter, f)
        await adapter.fetch_ticker(markets["BTC/USDT"])
        exchange = adapter.exchange
    # ccxt's open() (the only place it builds an SSL context, connector and session) never ran
    assert exchange.session is None and exchange.tcp_connector is None and exchange.ssl_context is None
    assert exchange.closed_by_user is True  # close() reached ccxt
    assert time.monotonic() - started < 2  # and did not sit out ccxt's 250 ms websocket grace
    del adapter, exchange
    gc.collect()  # an unclosed session would warn here, and warnings are errors
    assert sum(isinstance(o, aiohttp.ClientSession) for o in gc.get_objects()) == sessions_before


async def test_ccxt_endpoint_cost_is_the_request_weight() -> None:
    """poloniex's ticker costs 20 in ccxt's table: our limiter must have 20 units in use, not 1."""
    f = load_fixture("poloniex")
    case = next(c for c in f.of("fetchTicker") if c.args() == ["BTC/USDT"])
    async with ccxt_adapter("poloniex", Upstream(case.routes())) as adapter:
        markets = await adapter_markets(adapter, f)
        limiter = adapter.client.limiter
        assert isinstance(limiter, TokenBucket) and limiter.capacity == 200
        await adapter.fetch_ticker(markets["BTC/USDT"])
        now = time.monotonic()
        # within the window, 180 units are left: 180 fit now, 180.5 must wait for the 20 to come back
        assert limiter.wait_time(180, now) == 0
        assert limiter.wait_time(180.5, now) > 0


async def test_gateway_service_drives_the_adapter() -> None:
    """ExchangeService (symbol checks, market lookup, cache) over the ccxt engine and a recorded upstream."""
    f = load_fixture("luno")
    (case,) = f.of("fetchTicker")
    upstream = Upstream(market_routes(f) + case.routes())
    spec = ccxt_spec("luno", "Luno")
    client = venue_client("luno", upstream)
    settings = Settings()
    cache = ResponseCache(build_backend("memory://"))
    service = ExchangeService(spec, spec.factory(client, settings), Engine.CCXT, cache, settings, client)
    try:
        first = await service.ticker("BTC/USDT")
        again = await service.ticker("BTC/USDT")
    finally:
        await service.close()
    assert first.value.last == Decimal("73998.98000000") and first.value.exchange_id == "luno"
    assert again is first or again.value == first.value  # answered from the cache
    assert [r.url.path for r in upstream.requests] == ["/api/exchange/1/markets", "/api/1/ticker"]
    assert client.http.is_closed
