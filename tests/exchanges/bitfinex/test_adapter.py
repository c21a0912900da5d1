"""Bitfinex API v2 over httpx.MockTransport. Its answers are arrays, its errors too (often as HTTP 500);
book lengths and candle keys are in the path.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.bitfinex.adapter import SPEC, book_length
from exchangeql.exchanges.bitfinex.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

BODIES = {
    "/v2/conf/pub:info:pair,pub:info:pair:futures": recorded("conf_pairs.json"),
    "/v2/ticker/tBTCUST": recorded("ticker_tBTCUST.json"),
    "/v2/tickers": recorded("tickers_ALL.json"),
    "/v2/book/tBTCUST/P0": recorded("book_P0_tBTCUSD.json"),
    "/v2/trades/tBTCUST/hist": recorded("trades_tBTCUST.json"),
    "/v2/candles/trade:1h:tBTCUST/hist": recorded("candles_1h_tBTCUST.json"),
    "/v2/candles/trade:1m:tBTCUST/hist": recorded("candles_1h_tBTCUST.json"),
}


venue, index, btc = venue_fixtures(SPEC, lambda: Venue(BODIES))


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "Bitfinex", RateLimit(240, 60), ERRORS)
    assert " ".join(adapter.timeframes) == "1m 5m 15m 30m 1h 3h 6h 12h 1d 1w 2w 1M"
    assert (adapter.timeframes["1d"], adapter.timeframes["1w"], adapter.timeframes["2w"]) == (
        "1D",
        "1W",
        "14D",
    )


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets_asks_for_pairs_and_perpetuals_in_one_call(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/conf/pub:info:pair,pub:info:pair:futures"
    assert len(venue.requests) == 1
    assert (len(markets), markets[4].symbol, markets[-1].symbol) == (15, "BTC/USDT", "TRX/USDT:USDT")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/ticker/tBTCUST"
    assert (ticker.symbol, ticker.last, ticker.average) == ("BTC/USDT", Decimal("73350"), Decimal("72848.5"))


async def test_fetch_all_tickers_is_one_call(venue: Venue, index: MarketIndex) -> None:
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/tickers?symbols=ALL"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]


async def test_fetch_some_tickers_sends_their_ids(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USDT:USDT"]]
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, wanted)
    assert venue.last.url.params["symbols"] == "tBTCUST,tBTCF0:USTF0"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]  # the venue answered for tBTCUST only
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_many_tickers_are_fetched_whole_and_filtered(venue: Venue, btc: Market) -> None:
    others = [dataclasses.replace(btc, id=f"tX{i}UST", symbol=f"X{i}/USDT") for i in range(100)]
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(MarketIndex.of([btc, *others]), [btc, *others])
    assert venue.last.url.params["symbols"] == "ALL"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]
    assert await mock_adapter(SPEC, venue).fetch_tickers(MarketIndex.of(others), others) == []


@pytest.mark.parametrize(
    ("requested", "sent"), [(1, 1), (2, 25), (25, 25), (26, 100), (100, 100), (500, 100)]
)
def test_book_length_is_the_smallest_served_that_holds_the_request(requested: int, sent: int) -> None:
    assert book_length(requested) == sent


async def test_fetch_order_book_rounds_the_length_up(venue: Venue, btc: Market) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, 10)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/book/tBTCUST/P0?len=25"
    assert [level.price for level in book.bids] == [Decimal("7254.7")]
    await mock_adapter(SPEC, venue).fetch_order_book(btc, None)
    assert "len" not in venue.last.url.params  # the venue's default, 25


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/trades/tBTCUST/hist?sort=-1&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("1560452102", Side.BUY, Decimal("14.63115294"))
    await mock_adapter(SPEC, venue).fetch_trades(btc, 50_000)
    assert venue.last.url.params["limit"] == "10000"  # the venue's maximum


async def test_fetch_ohlcv_latest(venue: Venue, btc: Market) -> None:
    (candle,) = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 1)
    assert str(venue.last.url) == "https://api-pub.bitfinex.com/v2/candles/trade:1h:tBTCUST/hist?limit=1"
    assert (candle.timestamp, candle.close) == (1552298400000, Decimal("3890"))


async def test_fetch_ohlcv_since_sorts_ascending(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1m", 1552298400000, 3)
    assert dict(venue.last.url.params) == {"limit": "3", "start": "1552298400000", "sort": "1"}
    assert [c.timestamp for c in candles] == [1552298400000]


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, Venue(BODIES), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1h", None, None)
    # 240 per minute: book 240/min, conf and tickers 90/min, candles 30/min, trades 15/min.
    assert limiter.weights == [2.7, 2.7, 2.7, 1.0, 16.0, 8.0]


# --- failures ---------------------------------------------------------------------------------------------


async def test_invalid_symbol_with_500_is_bad_symbol_and_not_retried(btc: Market) -> None:
    venue = Fixed(500, b'["error",10020,"symbol: invalid"]')
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert caught.value.exchange == "bitfinex"
    assert "symbol: invalid" in caught.value.message and "10020" in caught.value.message
    assert len(venue.requests) == 1


async def test_an_empty_ticker_is_an_unknown_symbol(btc: Market) -> None:
    with pytest.raises(errors.BadSymbol, match="no ticker for tBTCUST"):
        await mock_adapter(SPEC, Fixed(200, b"[]")).fetch_ticker(btc)


async def test_an_error_array_with_status_200_is_mapped(btc: Market) -> None:
    with pytest.raises(errors.ExchangeUnavailable) as caught:
        await mock_adapter(SPEC, Fixed(200, b'["error",20060,"maintenance"]')).fetch_order_book(btc, 25)
    assert "maintenance" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        b'{"bid":1}',  # an object where the venue sends arrays
        b"[1,2,3]",  # too short for a ticker
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, b'["error",10020,"symbol: invalid"]', errors.BadSymbol),
        (500, b'["error",10020,"limit: invalid"]', errors.BadRequest),
        (500, b'["error",11010,"ratelimit: error"]', errors.RateLimited),
        (500, b'["error",10100,"apikey: invalid"]', errors.AuthenticationFailed),
        (500, b'["error",10001,"api_key: permission invalid"]', errors.PermissionDenied),
        (500, b'["error",10001,"not enough exchange balance for 1 BTCUSD"]', errors.InsufficientFunds),
        (500, b'["error",20060,"maintenance"]', errors.ExchangeUnavailable),
        (
            503,
            b'{"code":503,"error":"temporarily_unavailable","error_description":"Sorry"}',
            errors.ExchangeUnavailable,
        ),
        (429, b'{"error":"ERR_RATE_LIMIT"}', errors.RateLimited),
        (403, b"<html>WAF</html>", errors.PermissionDenied),
        (404, b"Not Found", errors.BadRequest),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "bitfinex"


def test_generic_codes_keep_their_code_in_the_message() -> None:
    assert ERRORS.from_response(500, b'["error",10020,"limit: invalid"]').message.endswith("(code 10020)")


def test_an_array_that_is_not_an_error_is_not_read_as_one() -> None:
    assert ERRORS.from_body(b'["info",10020,"hello"]') is None
    assert ERRORS.from_body(recorded("ticker_tBTCUST.json")) is None
