"""Coinbase Exchange over httpx.MockTransport: product paths, book levels, candle windows in ISO time and
no all-tickers endpoint.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.base import Method
from exchangeql.exchanges.coinbaseexchange.adapter import SPEC, candle_window
from exchangeql.exchanges.coinbaseexchange.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

BODIES = {
    "/products": recorded("products.json"),
    "/products/BTC-USDT/ticker": recorded("ticker_BTC-USDT.json"),
    "/products/BTC-USDT/book": recorded("book_level2.json"),
    "/products/BTC-USDT/trades": recorded("trades_BTC-USDT.json"),
    "/products/BTC-USDT/candles": recorded("candles_BTC-USDT_3600.json"),
}


venue, index, btc = venue_fixtures(SPEC, lambda: Venue(BODIES))


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations_say_tickers_is_not_offered() -> None:
    adapter = assert_declared(
        SPEC,
        "Coinbase Exchange",
        RateLimit(10, 1),  # 10 requests/s per IP
        ERRORS,
        lacking=[Method.FETCH_TICKERS],
    )
    assert dict(adapter.timeframes) == {
        "1m": "60",
        "5m": "300",
        "15m": "900",
        "1h": "3600",
        "6h": "21600",
        "1d": "86400",
    }


async def test_fetch_tickers_is_not_supported_and_calls_nothing(venue: Venue, index: MarketIndex) -> None:
    calls = len(venue.requests)
    with pytest.raises(errors.NotSupported, match="no all-tickers endpoint") as caught:
        await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert caught.value.exchange == "coinbaseexchange"
    assert len(venue.requests) == calls


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products"
    assert venue.last.method == "GET"
    assert [m.symbol for m in markets][:2] == ["BTC/USDT", "BTC/USD"]
    assert len(markets) == 6


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products/BTC-USDT/ticker"
    assert (ticker.symbol, ticker.last, ticker.timestamp) == ("BTC/USDT", Decimal("73367.8"), 1710328241270)


async def test_fetch_order_book_level_2_cut_to_the_limit(venue: Venue, btc: Market) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, 5)
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products/BTC-USDT/book?level=2"
    assert [level.price for level in book.bids] == [Decimal("6247.58")]
    assert book.nonce == 13051505638
    await mock_adapter(SPEC, venue).fetch_order_book(btc, None)
    assert venue.last.url.params["level"] == "2"


async def test_a_one_level_book_asks_for_level_1(venue: Venue, btc: Market) -> None:
    await mock_adapter(SPEC, venue).fetch_order_book(btc, 1)
    assert venue.last.url.params["level"] == "1"


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.exchange.coinbase.com/products/BTC-USDT/trades?limit=1"
    assert (trade.id, trade.side, trade.cost) == ("18502034", Side.BUY, Decimal("5.4572710024"))
    await mock_adapter(SPEC, venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"  # the venue's maximum
    await mock_adapter(SPEC, venue).fetch_trades(btc, None)
    assert "limit" not in venue.last.url.params


async def test_fetch_ohlcv_without_since_sends_only_the_granularity(venue: Venue, btc: Market) -> None:
    (candle,) = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"granularity": "3600"}
    assert (candle.timestamp, candle.open, candle.low) == (
        1710327600000,
        Decimal("73243.33"),
        Decimal("73241.5"),
    )


async def test_fetch_ohlcv_with_since_asks_for_a_window(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1710324000000, 2)
    assert dict(venue.last.url.params) == {
        "granularity": "3600",
        "start": "2024-03-13T10:00:00.000Z",
        "end": "2024-03-13T11:00:00.000Z",  # two aligned hours: the second one opens at the end
    }
    assert [c.timestamp for c in candles] == [1710327600000]  # the recording's candle is after since


@pytest.mark.parametrize(
    ("since", "limit", "granularity", "window"),
    [
        (3_600_000, 2, 3600, (3_600_000, 7_200_000)),  # aligned: the last candle opens at the end
        (3_600_001, 2, 3600, (3_600_001, 10_800_001)),  # not aligned: two whole steps
        (0, None, 60, (0, 299 * 60_000)),  # no limit: the venue's 300
        (0, 1000, 60, (0, 299 * 60_000)),  # capped at 300
    ],
)
def test_candle_window(since: int, limit: int | None, granularity: int, window: tuple[int, int]) -> None:
    assert candle_window(since, limit, granularity) == window


async def test_each_endpoint_charges_one_request(btc: Market) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, Venue(BODIES), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1, 1, 1, 1, 1]


# --- failures ---------------------------------------------------------------------------------------------


async def test_unknown_product_is_bad_symbol(btc: Market) -> None:
    venue = Fixed(404, b'{"message":"NotFound"}')
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert caught.value.exchange == "coinbaseexchange"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert "NotFound" in caught.value.message
    assert len(venue.requests) == 1  # a client error is not retried


@pytest.mark.parametrize(
    "body",
    [
        b'{"sequence":"x"}',  # the right JSON type, wrong field types
        b"[]",  # a list where an object is expected
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_order_book(btc, 5)


async def test_an_error_body_with_status_200_is_mapped(btc: Market) -> None:
    with pytest.raises(errors.BadSymbol):
        await mock_adapter(SPEC, Fixed(200, b'{"message":"NotFound"}')).fetch_trades(btc, 1)
    # A ticker's fields are mostly optional: the error body must still not pass for an empty ticker.
    with pytest.raises(errors.RateLimited):
        await mock_adapter(SPEC, Fixed(200, b'{"message":"Public rate limit exceeded"}')).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, b'{"message":"NotFound"}', errors.BadSymbol),
        (400, b'{"message":"Product not found"}', errors.BadSymbol),
        (400, b'{"message":"Invalid granularity"}', errors.BadRequest),
        (401, b'{"message":"Invalid API Key"}', errors.AuthenticationFailed),
        (400, b'{"message":"Insufficient funds"}', errors.InsufficientFunds),
        (403, b"<html>WAF</html>", errors.PermissionDenied),
        (503, b'{"message":"service under maintenance"}', errors.ExchangeUnavailable),
        (500, b"Internal Server Error", errors.ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "coinbaseexchange"
