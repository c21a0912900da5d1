"""HTX (Huobi) over httpx.MockTransport, which answers errors with HTTP 200 and status "error"; depth
steps, aggregated trades and candle sizes.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.htx.adapter import SPEC, depth_size
from exchangeql.exchanges.htx.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

BODIES = {
    "/v1/common/symbols": recorded("symbols.json"),
    "/market/detail/merged": recorded("detail_merged_btcusdt.json"),
    "/market/tickers": recorded("tickers_docs.json"),
    "/market/depth": recorded("depth_btcusdt_docs.json"),
    "/market/history/trade": recorded("history_trade_btcusdt.json"),
    "/market/history/kline": recorded("history_kline_btcusdt_60min.json"),
}


venue, index, btc = venue_fixtures(SPEC, lambda: Venue(BODIES))


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "HTX", RateLimit(3000, 300), ERRORS)
    assert " ".join(adapter.timeframes) == "1m 5m 15m 30m 1h 4h 1d 1w 1M 1y"
    assert adapter.timeframes["1h"] == "60min"


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert str(venue.last.url) == "https://api.huobi.pro/v1/common/symbols"
    assert len(markets) == 7
    assert markets[0].symbol == "BTC/USDT" and markets[0].precision.price == Decimal("0.01")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.huobi.pro/market/detail/merged?symbol=btcusdt"
    assert (ticker.symbol, ticker.timestamp) == ("BTC/USDT", 1710328245889)
    assert (ticker.last, ticker.average) == (Decimal("73360.54"), Decimal("72755.34"))


async def test_fetch_tickers_is_one_call_for_every_pair(venue: Venue, index: MarketIndex) -> None:
    calls = len(venue.requests)
    # The documented example lists smtusdt and ltcht, which the recorded markets do not hold.
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, None) == []
    assert [str(r.url) for r in venue.requests[calls:]] == ["https://api.huobi.pro/market/tickers"]
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, [index.by_symbol["ETH/USDT"]]) == []
    assert venue.last.url.params == httpx.QueryParams()  # no filter at the venue: all pairs, then filtered
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


@pytest.mark.parametrize(("requested", "sent"), [(1, 5), (5, 5), (6, 10), (20, 20), (21, None), (150, None)])
def test_depth_size_is_the_smallest_that_holds_the_request(requested: int, sent: int | None) -> None:
    assert depth_size(requested) == sent


async def test_fetch_order_book(venue: Venue, btc: Market) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, 2)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "type": "step0", "depth": "5"}
    assert [level.price for level in book.bids] == [Decimal("49790.87"), Decimal("49785.9")]
    assert book.nonce == 136107114472
    full = await mock_adapter(SPEC, venue).fetch_order_book(btc, None)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "type": "step0"}
    assert len(full.asks) == 5


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.huobi.pro/market/history/trade?symbol=btcusdt&size=1"
    assert (trade.id, trade.side, trade.cost) == ("102882518915", Side.SELL, Decimal("575.34963632"))
    trades = await mock_adapter(SPEC, venue).fetch_trades(btc, None)
    assert venue.last.url.params["size"] == "1000" and len(trades) == 12  # every fill of the aggregates
    await mock_adapter(SPEC, venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["size"] == "2000"  # the venue's maximum


async def test_fetch_ohlcv(venue: Venue, btc: Market) -> None:
    (candle,) = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "period": "60min", "size": "1"}
    assert (candle.timestamp, candle.close) == (1710327600000, Decimal("73394.27"))
    await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1d", None, None)
    assert dict(venue.last.url.params) == {"symbol": "btcusdt", "period": "1day"}


async def test_fetch_ohlcv_since_asks_for_all_the_venue_serves(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1710327600000, 5)
    assert venue.last.url.params["size"] == "2000"
    assert [c.timestamp for c in candles] == [1710327600000]
    assert await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1710327600001, None) == []


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, Venue(BODIES), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1] * 6


# --- failures ---------------------------------------------------------------------------------------------


INVALID_SYMBOL = (
    b'{"ts":1568813334794,"status":"error","err-code":"invalid-parameter","err-msg":"invalid symbol"}'
)
TOO_FREQUENT = (
    b'{"status":"error","err-code":"base-request-exceed-frequency-limit",'
    b'"err-msg":"Frequency of requests has exceeded the limit, please try again later","data":null}'
)


async def test_an_invalid_symbol_with_status_200_is_bad_symbol(btc: Market) -> None:
    venue = Fixed(200, INVALID_SYMBOL)
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert (caught.value.exchange, caught.value.code) == ("htx", ErrorCode.BAD_SYMBOL)
    assert caught.value.message == "invalid symbol (code invalid-parameter)"
    assert len(venue.requests) == 1  # a client error is not retried


async def test_the_rate_limit_error_with_status_200_is_rate_limited(btc: Market) -> None:
    venue = Fixed(200, TOO_FREQUENT)
    with pytest.raises(errors.RateLimited):
        await mock_adapter(SPEC, venue).fetch_trades(btc, None)
    assert len(venue.requests) == 3  # transient: retried


@pytest.mark.parametrize(
    "body",
    [
        b'{"status":"ok","ts":1}',  # no tick
        b'{"status":"ok","ts":1,"tick":{"id":1,"bid":[1]}}',  # a bid without its size
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, INVALID_SYMBOL, errors.BadSymbol),
        (
            200,
            b'{"status":"error","err-code":"invalid-parameter","err-msg":"invalid period"}',
            errors.BadRequest,
        ),
        (
            200,
            b'{"status":"error","err-code":"invalid-parameter","err-msg":"request timeout"}',
            errors.Timeout,
        ),
        (
            200,
            b'{"status":"error","err-code":"invalid-parameter","err-msg":"request limit"}',
            errors.RateLimited,
        ),
        (
            200,
            b'{"status":"error","err-code":"base-symbol-error","err-msg":"The symbol is invalid"}',
            errors.BadSymbol,
        ),
        (200, TOO_FREQUENT, errors.RateLimited),
        (
            200,
            b'{"status":"error","err-code":"system-maintenance","err-msg":"System is in maintenance!"}',
            errors.ExchangeUnavailable,
        ),
        (
            200,
            b'{"status":"error","err-code":"api-signature-not-valid","err-msg":"Signature not valid"}',
            errors.AuthenticationFailed,
        ),
        (
            200,
            b'{"status":"error","err-code":"account-frozen-balance-insufficient-error","err-msg":"low"}',
            errors.InsufficientFunds,
        ),
        (
            200,
            b'{"status":"error","err-code":"order-limitorder-amount-min-error","err-msg":"min: 0.001"}',
            errors.InvalidOrder,
        ),
        (
            200,
            b'{"status":"error","err-code":"base-record-invalid","err-msg":"record invalid"}',
            errors.OrderNotFound,
        ),
        (200, b'{"status":"error","err-code":"something-new","err-msg":"new"}', errors.ExchangeUnavailable),
        (404, INVALID_SYMBOL, errors.BadSymbol),
        (403, b"<html>WAF</html>", errors.PermissionDenied),
        (503, b"Service Unavailable", errors.ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_body(body) if status == 200 else ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped is not None and mapped.exchange == "htx"


def test_success_answers_are_not_errors() -> None:
    assert ERRORS.from_body(recorded("detail_merged_btcusdt.json")) is None
    assert ERRORS.from_body(recorded("symbols.json")) is None
    assert ERRORS.from_body(b"<html>") is None
