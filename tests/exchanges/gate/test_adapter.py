"""Gate API v4 over httpx.MockTransport: currency-pair queries, candle windows without a limit, labelled
errors.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangeql import errors
from exchangeql.clock import now_ms
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.gate.adapter import SPEC
from exchangeql.exchanges.gate.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

BODIES = {
    "/api/v4/spot/currency_pairs": recorded("currency_pairs.json"),
    "/api/v4/spot/tickers": recorded("tickers_BTC_USDT.json"),
    "/api/v4/spot/order_book": recorded("order_book_docs.json"),
    "/api/v4/spot/trades": recorded("trades_BTC_USDT.json"),
    "/api/v4/spot/candlesticks": recorded("candlesticks_BTC_USDT_1h.json"),
}


venue, index, btc = venue_fixtures(SPEC, lambda: Venue(BODIES))


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "Gate", RateLimit(200, 10), ERRORS)
    assert " ".join(adapter.timeframes) == "10s 1m 5m 15m 30m 1h 4h 8h 1d 7d 1w"
    assert adapter.timeframes["1w"] == "7d"


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/currency_pairs"
    assert len(markets) == 7
    assert markets[0].symbol == "BTC/USDT" and markets[0].precision.price == Decimal("0.1")


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/tickers?currency_pair=BTC_USDT"
    assert (ticker.symbol, ticker.last, ticker.average) == (
        "BTC/USDT",
        Decimal("73373.9"),
        Decimal("72757.1"),
    )


async def test_fetch_all_tickers_is_one_call(venue: Venue, index: MarketIndex) -> None:
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/tickers"
    assert [t.symbol for t in tickers] == ["BTC/USDT"]


async def test_fetch_some_tickers(venue: Venue, index: MarketIndex) -> None:
    two = [index.by_symbol["BTC/USDT"], index.by_symbol["ETH/USDT"]]
    assert [t.symbol for t in await mock_adapter(SPEC, venue).fetch_tickers(index, two)] == ["BTC/USDT"]
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/tickers"  # every pair, then filtered
    one = await mock_adapter(SPEC, venue).fetch_tickers(index, [index.by_symbol["BTC/USDT"]])
    assert venue.last.url.params["currency_pair"] == "BTC_USDT" and len(one) == 1  # one pair: ask for it
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_fetch_order_book(venue: Venue, btc: Market) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, 1)
    assert dict(venue.last.url.params) == {"currency_pair": "BTC_USDT", "with_id": "true", "limit": "1"}
    assert ([level.price for level in book.bids], book.nonce) == ([Decimal("1.17")], 123456)
    await mock_adapter(SPEC, venue).fetch_order_book(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"  # the venue's maximum
    await mock_adapter(SPEC, venue).fetch_order_book(btc, None)
    assert "limit" not in venue.last.url.params


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.gateio.ws/api/v4/spot/trades?currency_pair=BTC_USDT&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("7835390042", Side.BUY, Decimal("14.64728"))
    await mock_adapter(SPEC, venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "1000"


async def test_fetch_ohlcv_recent(venue: Venue, btc: Market) -> None:
    (candle,) = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"currency_pair": "BTC_USDT", "interval": "1h", "limit": "1"}
    assert (candle.timestamp, candle.close) == (1710327600000, Decimal("73408.9"))


async def test_fetch_ohlcv_since_asks_for_a_window(venue: Venue, btc: Market) -> None:
    # Gate rejects a limit together with from/to: the window says how many.
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1710327600000, 3)
    assert dict(venue.last.url.params) == {
        "currency_pair": "BTC_USDT",
        "interval": "1h",
        "from": "1710327600",
        "to": str(1710327600 + 2 * 3600),
    }
    assert [c.timestamp for c in candles] == [1710327600000]
    # A window reaching past now ends now.
    before = now_ms() // 1000
    await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1w", now_ms() - 1000, None)
    assert before <= int(venue.last.url.params["to"]) <= now_ms() // 1000


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


INVALID_PAIR = b'{"label":"INVALID_CURRENCY_PAIR","message":"Invalid currency pair"}'
TOO_MANY = b'{"label":"TOO_MANY_REQUESTS","message":"Request rate exceeds limits"}'


async def test_an_invalid_pair_is_bad_symbol(btc: Market) -> None:
    venue = Fixed(400, INVALID_PAIR)
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert (caught.value.exchange, caught.value.code) == ("gate", ErrorCode.BAD_SYMBOL)
    assert "Invalid currency pair" in caught.value.message and "INVALID_CURRENCY_PAIR" in caught.value.message
    assert len(venue.requests) == 1


async def test_an_error_body_with_status_200_is_still_mapped(btc: Market) -> None:
    with pytest.raises(errors.RateLimited):
        await mock_adapter(SPEC, Fixed(200, TOO_MANY)).fetch_trades(btc, None)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",  # no ticker
        b'{"currency_pair":"BTC_USDT"}',  # an object where the venue sends a list
        b'[{"last":"1"}]',  # a ticker without its pair
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, INVALID_PAIR, errors.BadSymbol),
        (400, b'{"label":"INVALID_PARAM_VALUE","message":"Invalid parameter `limit`"}', errors.BadRequest),
        (401, b'{"label":"INVALID_SIGNATURE","message":"Signature mismatch"}', errors.AuthenticationFailed),
        (403, b'{"label":"IP_FORBIDDEN","message":"Request IP not in whitelist"}', errors.PermissionDenied),
        (400, b'{"label":"BALANCE_NOT_ENOUGH","message":"Balance is not enough"}', errors.InsufficientFunds),
        (
            400,
            b'{"label":"AMOUNT_TOO_LITTLE","message":"Amount does not reach minimum required"}',
            errors.InvalidOrder,
        ),
        (404, b'{"label":"ORDER_NOT_FOUND","message":"Order not found"}', errors.OrderNotFound),
        (429, TOO_MANY, errors.RateLimited),
        (500, b'{"label":"SERVER_ERROR","message":"Internal server error"}', errors.ExchangeUnavailable),
        (504, b'{"label":"SERVER_TIMEOUT","message":"Service timeout"}', errors.Timeout),
        (400, b'{"label":"SOMETHING_NEW","detail":"new"}', errors.BadRequest),  # unknown label: by status
        (503, b"Service Unavailable", errors.ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "gate"


def test_success_answers_are_not_errors() -> None:
    assert ERRORS.from_body(recorded("order_book_docs.json")) is None
    assert ERRORS.from_body(recorded("tickers_BTC_USDT.json")) is None
