"""Binance over httpx.MockTransport: exact URLs, depth sizes, request weights and its numeric error codes."""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

import dataclasses
from decimal import Decimal

import httpx
import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.binance.adapter import SPEC, depth_limit
from exchangeql.exchanges.binance.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

TICKER = recorded("ticker_24hr_BTCUSDT.json")
BODIES = {
    "/api/v3/exchangeInfo": recorded("exchange_info.json"),
    "/api/v3/ticker/24hr": TICKER,
    "/api/v3/depth": recorded("depth_BTCUSDT.json"),
    "/api/v3/aggTrades": recorded("agg_trades_BTCUSDT.json"),
    "/api/v3/klines": recorded("klines_BTCUSDT_1h.json"),
}


class BinanceVenue(Venue):
    """Answers the all-tickers form (no `symbol`) with a list: every recorded ticker."""

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/ticker/24hr" and "symbol" not in request.url.params:
            return self.json(b"[" + TICKER + b"]")
        return super().answer(request)


venue, index, btc = venue_fixtures(SPEC, lambda: BinanceVenue(BODIES))


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "Binance", RateLimit(6000, 60), ERRORS)
    assert " ".join(adapter.timeframes) == "1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M"


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert str(venue.last.url) == "https://api.binance.com/api/v3/exchangeInfo?showPermissionSets=false"
    assert venue.last.method == "GET"
    assert len(markets) == 7
    assert markets[0].symbol == "BTC/USDT" and markets[0].precision.price == Decimal("0.01")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/ticker/24hr?symbol=BTCUSDT"
    assert ticker.symbol == "BTC/USDT"
    assert (ticker.last, ticker.average) == (Decimal("73369.84"), Decimal("72775.46"))


async def test_fetch_all_tickers_is_one_call_without_symbol(venue: Venue, index: MarketIndex) -> None:
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/ticker/24hr"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]


async def test_fetch_some_tickers_sends_a_json_array(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["ETH/USDT"]]
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, wanted)
    assert venue.last.url.params["symbols"] == '["BTCUSDT","ETHUSDT"]'
    assert venue.last.url.path == "/api/v3/ticker/24hr"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]  # the venue answered for BTCUSDT only
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_more_than_100_tickers_are_fetched_whole_and_filtered(venue: Venue, btc: Market) -> None:
    # 100+ symbols in a list weigh as much as all of them (80): one unfiltered call, no huge URL.
    others = [dataclasses.replace(btc, id=f"X{i}USDT", symbol=f"X{i}/USDT") for i in range(100)]
    wanted = [btc, *others]
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(MarketIndex.of(wanted), wanted)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/ticker/24hr"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    limited = await mock_adapter(SPEC, venue).fetch_tickers(MarketIndex.of(wanted), others)
    assert limited == []  # BTCUSDT was answered but not asked for


@pytest.mark.parametrize(
    ("requested", "sent"),
    [(1, 5), (5, 5), (6, 10), (20, 20), (51, 100), (101, 500), (1000, 1000), (4999, 5000)],
)
def test_depth_limit_is_the_smallest_allowed_size_that_holds_the_request(requested: int, sent: int) -> None:
    assert depth_limit(requested) == sent


async def test_fetch_order_book_rounds_the_limit_up_and_trims(venue: Venue, btc: Market) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, 1)
    assert dict(venue.last.url.params) == {"symbol": "BTCUSDT", "limit": "5"}
    assert [level.price for level in book.bids] == [Decimal("42574.3")]
    assert [level.price for level in book.asks] == [Decimal("42574.31")]
    assert book.nonce == 25445101


async def test_fetch_order_book_without_limit_uses_the_venue_default(venue: Venue, btc: Market) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, None)
    assert dict(venue.last.url.params) == {"symbol": "BTCUSDT"}
    assert len(book.bids) == len(book.asks) == 2


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.binance.com/api/v3/aggTrades?symbol=BTCUSDT&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("2913537567", Side.BUY, Decimal("79.830183"))
    await mock_adapter(SPEC, venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"  # the venue's maximum


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert dict(venue.last.url.params) == {
        "symbol": "BTCUSDT",
        "interval": "1h",
        "startTime": "1706628191000",
        "limit": "3",
    }
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]
    assert candles[0].close == Decimal("43488.71")


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, BinanceVenue(BODIES), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_tickers(index, list(index.markets))
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_order_book(btc, 1000)
    await adapter.fetch_order_book(btc, 5000)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [20, 2, 80, 2, 5, 50, 250, 4, 2]


# --- failures ---------------------------------------------------------------------------------------------


async def test_invalid_symbol_is_bad_symbol(btc: Market) -> None:
    venue = Fixed(400, b'{"code":-1121,"msg":"Invalid symbol."}')
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert caught.value.exchange == "binance"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert "Invalid symbol." in caught.value.message and "-1121" in caught.value.message
    assert len(venue.requests) == 1  # a client error is not retried


async def test_418_ip_ban_is_rate_limited(btc: Market) -> None:
    body = b'{"code":-1003,"msg":"Way too much request weight used; IP banned until 1710328245391."}'
    with pytest.raises(errors.RateLimited):
        await mock_adapter(SPEC, Fixed(418, body, {"Retry-After": "120"})).fetch_trades(btc, None)


async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market) -> None:
    body = b'{"symbol":"BTCUSDT"}'  # the right JSON type, missing every required key
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"code":-1003,"msg":"Too much request weight used."}', errors.RateLimited),
        (b'{"code":-1121,"msg":"Invalid symbol."}', errors.BadSymbol),
    ],
)
async def test_a_venue_error_body_with_status_200_is_mapped(
    btc: Market, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)
    assert type(caught.value) is error


async def test_a_list_where_an_object_is_expected_is_an_upstream_decode_error(btc: Market) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, recorded("agg_trades_BTCUSDT.json"))).fetch_order_book(btc, 5)


INSUFFICIENT_BALANCE = b'{"code":-2010,"msg":"Account has insufficient balance for requested action."}'


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, INSUFFICIENT_BALANCE, errors.InsufficientFunds),
        (400, b'{"code":-2010,"msg":"Order would immediately match and take."}', errors.InvalidOrder),
        (400, b'{"code":-1013,"msg":"Filter failure: LOT_SIZE"}', errors.InvalidOrder),
        (400, b'{"code":-1100,"msg":"Illegal characters found in parameter \'symbol\'."}', errors.BadRequest),
        (
            401,
            b'{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}',
            errors.AuthenticationFailed,
        ),
        (400, b'{"code":-2013,"msg":"Order does not exist."}', errors.OrderNotFound),
        (403, b"<html>WAF</html>", errors.PermissionDenied),
        (451, b'{"code":0,"msg":"Service unavailable from a restricted location."}', errors.PermissionDenied),
        (503, b"Service Unavailable", errors.ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "binance"


def test_generic_rejection_keeps_its_code_in_the_message() -> None:
    mapped = ERRORS.from_response(400, INSUFFICIENT_BALANCE)
    assert mapped.message.endswith("(code -2010)")
