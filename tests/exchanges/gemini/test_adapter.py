"""Gemini over httpx.MockTransport. Lower-case symbols in the path, a price feed for all tickers, both book
limits, and `reason` errors.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.gemini.adapter import SPEC
from exchangeql.exchanges.gemini.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

BODIES = {
    "/v1/symbols": recorded("symbols.json"),
    "/v1/pubticker/btcusdt": recorded("pubticker_btcusdt.json"),
    "/v1/pubticker/usdcusd": recorded("pubticker_usdcusd.json"),
    "/v1/pubticker/btcgusdperp": recorded("pubticker_btcgusdperp.json"),
    "/v1/trades/btcusdt": recorded("trades_btcusdt.json"),
    "/v2/candles/btcusdt/1hr": recorded("candles_btcusdt_1hr.json"),
}
# Gemini's documented unknown-symbol answer (https://docs.gemini.com/error-codes): what unrecorded
# paths (price feed, order book) get here, so the tests check their requests.
INVALID_SYMBOL = b'{"result":"error","reason":"InvalidSymbol","message":"An invalid symbol was specified"}'


def _venue() -> Venue:
    return Venue(BODIES, missing=httpx.Response(400, content=INVALID_SYMBOL))


venue, index, btc = venue_fixtures(SPEC, _venue)


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "Gemini", RateLimit(120, 60), ERRORS)
    assert dict(adapter.timeframes) == {
        "1m": "1m",
        "5m": "5m",
        "15m": "15m",
        "30m": "30m",
        "1h": "1hr",
        "6h": "6hr",
        "1d": "1day",
    }


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets_is_one_request(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert [str(r.url) for r in venue.requests] == ["https://api.gemini.com/v1/symbols"]
    assert len(markets) == 10


async def test_fetch_ticker(venue: Venue, btc: Market, index: MarketIndex) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.gemini.com/v1/pubticker/btcusdt"
    assert (ticker.symbol, ticker.last, ticker.vwap) == ("BTC/USDT", Decimal("73268.24"), Decimal("73268.24"))
    perp = await mock_adapter(SPEC, venue).fetch_ticker(index.by_symbol["BTC/GUSD:GUSD"])
    assert str(venue.last.url) == "https://api.gemini.com/v1/pubticker/btcgusdperp"
    assert (perp.symbol, perp.base_volume) == ("BTC/GUSD:GUSD", Decimal("41.7433"))


async def test_fetch_tickers_asks_the_price_feed(venue: Venue, index: MarketIndex) -> None:
    with pytest.raises(errors.BadSymbol):  # no price feed recorded: the request is what is checked here
        await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.gemini.com/v1/pricefeed"
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_fetch_tickers_filters_the_price_feed(btc: Market, index: MarketIndex) -> None:
    # A price feed of two entries, built from the recorded BTCUSDT ticker (no feed is recorded).
    body = b'[{"pair":"BTCUSDT","price":"73268.24","percentChange24h":"0.0000"},' + (
        b'{"pair":"ETHUSDT","price":"73268.24","percentChange24h":"0.0000"}]'
    )
    feed = Fixed(200, body)
    tickers = await mock_adapter(SPEC, feed).fetch_tickers(index, [btc])
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USDT", Decimal("73268.24"))]
    assert [t.symbol for t in await mock_adapter(SPEC, feed).fetch_tickers(index, None)] == [
        "BTC/USDT",
        "ETH/USDT",
    ]


async def test_fetch_order_book_sends_both_limits(venue: Venue, btc: Market) -> None:
    with pytest.raises(errors.BadSymbol):
        await mock_adapter(SPEC, venue).fetch_order_book(btc, 5)
    assert str(venue.last.url) == "https://api.gemini.com/v1/book/btcusdt?limit_bids=5&limit_asks=5"
    with pytest.raises(errors.BadSymbol):
        await mock_adapter(SPEC, venue).fetch_order_book(btc, None)
    assert str(venue.last.url) == "https://api.gemini.com/v1/book/btcusdt"  # the venue's default, 50


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.gemini.com/v1/trades/btcusdt?limit_trades=1"
    assert (trade.id, trade.side, trade.cost) == ("2840140831246421", Side.BUY, Decimal("21.1899076904"))
    await mock_adapter(SPEC, venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit_trades"] == "500"  # the venue's maximum


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    (candle,) = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 1)
    assert str(venue.last.url) == "https://api.gemini.com/v2/candles/btcusdt/1hr"
    assert (candle.timestamp, candle.close) == (1710324000000, Decimal("73268.24"))
    assert (
        await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1710324000001, None) == []
    )  # since: cut here


async def test_each_endpoint_charges_one_request(btc: Market) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, _venue(), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1h", None, None)
    assert limiter.weights == [1] * 4


# --- failures ---------------------------------------------------------------------------------------------


async def test_invalid_symbol_is_bad_symbol(btc: Market) -> None:
    venue = Fixed(400, INVALID_SYMBOL)
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert caught.value.exchange == "gemini"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert (
        "An invalid symbol was specified" in caught.value.message and "InvalidSymbol" in caught.value.message
    )
    assert len(venue.requests) == 1


@pytest.mark.parametrize("body", [b'{"bid":"1"}', b"[]"])
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)


async def test_an_error_body_with_status_200_is_still_mapped(btc: Market) -> None:
    with pytest.raises(errors.BadSymbol):
        await mock_adapter(SPEC, Fixed(200, INVALID_SYMBOL)).fetch_trades(btc, None)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            b'{"result":"error","reason":"InvalidPrice","message":"Invalid price for symbol"}',
            errors.InvalidOrder,
        ),
        (
            406,
            b'{"result":"error","reason":"InsufficientFunds","message":"Insufficient funds"}',
            errors.InsufficientFunds,
        ),
        (
            404,
            b'{"result":"error","reason":"OrderNotFound","message":"Order 1 not found"}',
            errors.OrderNotFound,
        ),
        (
            400,
            b'{"result":"error","reason":"InvalidSignature","message":"bad signature"}',
            errors.AuthenticationFailed,
        ),
        (
            503,
            b'{"result":"error","reason":"Unknown","message":"The Gemini Exchange is currently undergoing '
            b'maintenance."}',
            errors.ExchangeUnavailable,
        ),
        (406, b"<html></html>", errors.InsufficientFunds),
        (404, b"<html></html>", errors.BadRequest),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "gemini"


def test_data_is_no_error() -> None:
    assert ERRORS.from_body(recorded("pubticker_btcusdt.json")) is None
    assert ERRORS.from_body(recorded("symbols.json")) is None
