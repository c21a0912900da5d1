"""Bitstamp over httpx.MockTransport: trailing-slash paths, one all-pairs ticker call filtered here,
"response_code" errors.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from exchangeql import errors
from exchangeql.exchanges.bitstamp.adapter import SPEC
from exchangeql.exchanges.bitstamp.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

# The all-pairs answer: the recorded ticker with the `pair` key that form adds (a variant).
ALL_TICKERS = b"[" + recorded("ticker_btcusdt.json").strip()[:-1] + b',"pair":"BTC/USDT"}]'

BODIES = {
    "/api/v2/markets/": recorded("markets.json"),
    "/api/v2/ticker/btcusdt/": recorded("ticker_btcusdt.json"),
    "/api/v2/ticker/": ALL_TICKERS,
    "/api/v2/transactions/btcusdt/": recorded("transactions_btcusdt.json"),
    "/api/v2/ohlc/btcusdt/": recorded("ohlc_btcusdt_3600.json"),
}
# No order book is recorded (nor exemplified in Bitstamp's documentation): that path answers the
# documented error shape, and the tests check the request.
NO_BOOK = b'{"status":"error","reason":"Unknown validation error.","response_code":"400.001"}'


def _venue() -> Venue:
    return Venue(BODIES, missing=httpx.Response(400, content=NO_BOOK))


venue, index, btc = venue_fixtures(SPEC, _venue)


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "Bitstamp", RateLimit(8000, 600), ERRORS)
    # ccxt's "1w" is three days here: not offered under that name.
    assert " ".join(adapter.timeframes) == "1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 3d"
    assert adapter.timeframes["3d"] == "259200"


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/markets/"
    assert len(markets) == 10
    assert [m.symbol for m in markets if m.settle] == ["BTC/USD:USD", "ETH/USD:USD"]


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ticker/btcusdt/"
    assert (ticker.symbol, ticker.last, ticker.average) == ("BTC/USDT", Decimal("73285"), Decimal("72366"))


async def test_fetch_tickers_is_one_call_for_all_pairs(venue: Venue, index: MarketIndex) -> None:
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ticker/"
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USDT", Decimal("73285"))]
    some = await mock_adapter(SPEC, venue).fetch_tickers(index, [index.by_symbol["BTC/USD"]])
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ticker/"  # no list form: filtered here
    assert some == []
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_fetch_order_book_asks_for_the_pair(venue: Venue, btc: Market) -> None:
    with pytest.raises(errors.BadRequest):
        await mock_adapter(SPEC, venue).fetch_order_book(btc, 5)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/order_book/btcusdt/"  # no limit: cut here


async def test_fetch_trades_asks_for_the_last_hour(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/transactions/btcusdt/?time=hour"
    assert (trade.id, trade.side, trade.cost) == ("326595342", Side.BUY, Decimal("40.49774136"))


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    (candle,) = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 1)
    assert str(venue.last.url) == "https://www.bitstamp.net/api/v2/ohlc/btcusdt/?step=3600&limit=1"
    assert (candle.timestamp, candle.close) == (1710327600000, Decimal("73285"))
    await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "3d", 1710327600000, None)
    assert dict(venue.last.url.params) == {"step": "259200", "limit": "1000", "start": "1710327600"}


async def test_each_endpoint_charges_one_request(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, _venue(), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1] * 5


# --- failures ---------------------------------------------------------------------------------------------


RATE_LIMITED = (
    b'{"status":"error","reason":"Request rejected due to exceeded rate limit.","response_code":"400.002"}'
)


async def test_the_documented_rate_limit_code_is_rate_limited(btc: Market) -> None:
    venue = Fixed(400, RATE_LIMITED)
    with pytest.raises(errors.RateLimited) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert caught.value.exchange == "bitstamp"
    assert "400.002" in caught.value.message


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (RATE_LIMITED, errors.RateLimited),
        (b'{"status":"error","reason":"Invalid nonce","code":"API0004"}', errors.AuthenticationFailed),
        (b'{"error":"No permission found"}', errors.PermissionDenied),
        (
            b'{"error":"Bitstamp.net is under scheduled maintenance. We\'ll be back soon."}',
            errors.ExchangeUnavailable,
        ),
    ],
)
async def test_a_venue_error_body_with_status_200_is_mapped(
    btc: Market, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)
    assert type(caught.value) is error


@pytest.mark.parametrize("body", [b'{"last":"1"}', b"[]"])
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            b'{"status":"error","reason":{"__all__":["Minimum order size is 5.0 EUR."]}}',
            errors.InvalidOrder,
        ),
        (
            400,
            b'{"status":"error","reason":{"__all__":["You have only 0.001 BTC available. '
            b'Check your account balance for details."]}}',
            errors.InsufficientFunds,
        ),
        (400, b'{"status":"error","reason":"Order not found."}', errors.OrderNotFound),
        (
            403,
            b'{"status":"error","reason":"Invalid signature","code":"API0005"}',
            errors.AuthenticationFailed,
        ),
        (
            400,
            b'{"response_code":"400.009","response_explanation":"Insufficient balance"}',
            errors.InsufficientFunds,
        ),
        (404, b"<html>Not Found</html>", errors.BadRequest),
        (503, b"Service Unavailable", errors.ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "bitstamp"


def test_data_is_no_error() -> None:
    assert ERRORS.from_body(recorded("ticker_btcusdt.json")) is None
    assert ERRORS.from_body(recorded("markets.json")) is None
