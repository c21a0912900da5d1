"""OKX over httpx.MockTransport: spot and swap instruments asked for by type, recent and historical
candles, and codes other than "0" inside HTTP 200 answers.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.okx.adapter import SPEC
from exchangeql.exchanges.okx.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

# (path, the query value that picks the body) -> recorded body
BODIES = {
    ("/api/v5/public/instruments", "SPOT"): "instruments_SPOT.json",
    ("/api/v5/public/instruments", "SWAP"): "instruments_SWAP.json",
    ("/api/v5/market/ticker", "BTC-USDT"): "ticker_BTC-USDT.json",
    ("/api/v5/market/tickers", "SPOT"): "ticker_BTC-USDT.json",
    ("/api/v5/market/tickers", "SWAP"): "tickers_SWAP_docs.json",
    ("/api/v5/market/books", "BTC-USDT"): "books_BTC-USDT.json",
    ("/api/v5/market/books", "BTC-USDT-SWAP"): "books_BTC-USDT-SWAP.json",
    ("/api/v5/market/trades", "BTC-USDT"): "trades_BTC-USDT.json",
    ("/api/v5/market/candles", "BTC-USDT"): "candles_BTC-USDT_1H.json",
    ("/api/v5/market/history-candles", "BTC-USDT"): "candles_BTC-USDT_1H.json",
}


class OkxVenue(Venue):
    """Serves the recorded body of each path and instrument (or instrument type)."""

    def answer(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        key = params.get("instId") or params.get("instType")
        return self.json(recorded(BODIES[request.url.path, key]))


venue, index, btc = venue_fixtures(SPEC, OkxVenue)


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "OKX", RateLimit(40, 2), ERRORS)
    assert " ".join(adapter.timeframes) == "1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M 3M"
    assert (adapter.timeframes["1h"], adapter.timeframes["1d"]) == ("1H", "1Dutc")  # UTC-aligned days


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets_asks_for_spot_and_swaps(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert sorted(str(r.url) for r in venue.requests) == [
        "https://www.okx.com/api/v5/public/instruments?instType=SPOT",
        "https://www.okx.com/api/v5/public/instruments?instType=SWAP",
    ]
    assert len(markets) == 16
    assert [m.symbol for m in markets][:2] == ["BTC/USDT", "ETH/USDT"]  # spot first
    assert markets[-1].symbol == "SUSHI/USDT:USDT"


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/ticker?instId=BTC-USDT"
    assert (ticker.symbol, ticker.last, ticker.average) == (
        "BTC/USDT",
        Decimal("73384.8"),
        Decimal("72775.8"),
    )


async def test_fetch_all_tickers_is_one_call_per_instrument_type(venue: Venue, index: MarketIndex) -> None:
    calls = len(venue.requests)
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert sorted(str(r.url) for r in venue.requests[calls:]) == [
        "https://www.okx.com/api/v5/market/tickers?instType=SPOT",
        "https://www.okx.com/api/v5/market/tickers?instType=SWAP",
    ]
    assert [t.symbol for t in tickers] == ["BTC/USDT", "BTC/USD:BTC"]


async def test_fetch_some_tickers_asks_only_their_types(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["ETH/USDT"]]
    calls = len(venue.requests)
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, wanted)
    assert [str(r.url) for r in venue.requests[calls:]] == [
        "https://www.okx.com/api/v5/market/tickers?instType=SPOT"
    ]
    assert [t.symbol for t in tickers] == ["BTC/USDT"]  # the venue answered for BTC-USDT only
    swaps = await mock_adapter(SPEC, venue).fetch_tickers(index, [index.by_symbol["ETH/USDT:USDT"]])
    assert venue.last.url.params["instType"] == "SWAP" and swaps == []  # asked for, not answered
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


@pytest.mark.parametrize(("limit", "sent"), [(None, "100"), (1, "1"), (2, "2"), (400, "400"), (1000, "400")])
async def test_fetch_order_book_size(venue: Venue, btc: Market, limit: int | None, sent: str) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, limit)
    assert dict(venue.last.url.params) == {"instId": "BTC-USDT", "sz": sent}
    assert len(book.bids) == (1 if limit == 1 else 2)
    assert book.timestamp == 1712265035051


async def test_fetch_swap_order_book(venue: Venue, index: MarketIndex) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(index.by_symbol["BTC/USDT:USDT"], 2)
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/books?instId=BTC-USDT-SWAP&sz=2"
    assert (book.symbol, book.bids[0].amount) == ("BTC/USDT:USDT", Decimal("13807"))


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/trades?instId=BTC-USDT&limit=1"
    assert (trade.id, trade.side, trade.cost) == ("497859870", Side.SELL, Decimal("69.41620854"))
    await mock_adapter(SPEC, venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["limit"] == "500"  # the venue's maximum
    await mock_adapter(SPEC, venue).fetch_trades(btc, None)
    assert dict(venue.last.url.params) == {"instId": "BTC-USDT"}


async def test_fetch_ohlcv_recent(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 2)
    assert str(venue.last.url) == "https://www.okx.com/api/v5/market/candles?instId=BTC-USDT&bar=1H&limit=2"
    assert [c.timestamp for c in candles] == [1706634000000, 1706637600000]  # the last two, oldest first
    await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1d", None, 1000)
    assert (venue.last.url.params["bar"], venue.last.url.params["limit"]) == ("1Dutc", "300")


async def test_fetch_ohlcv_since_asks_for_a_window_of_history(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert venue.last.url.path == "/api/v5/market/history-candles"
    assert dict(venue.last.url.params) == {
        "instId": "BTC-USDT",
        "bar": "1H",
        # Newer than since - 1 and older than since + 3 hours: the three candles from `since` on.
        "before": "1706628190999",
        "after": str(1706628191000 + 3 * 3600 * 1000),
        "limit": "3",
    }
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]
    assert candles[0].close == Decimal("43495.9")
    await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1706628191000, None)
    assert venue.last.url.params["limit"] == "100"


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, OkxVenue(), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, [btc])
    await adapter.fetch_order_book(btc, None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    await adapter.fetch_ohlcv(btc, "1m", 1706628191000, None)
    assert limiter.weights == [2, 2, 2, 2, 1, 1, 1, 2]


# --- failures ---------------------------------------------------------------------------------------------


UNKNOWN_INSTRUMENT = b'{"code":"51001","msg":"Instrument ID does not exist","data":[]}'
TOO_MANY = b'{"msg":"Too Many Requests","code":"50011"}'


async def test_an_unknown_instrument_with_status_200_is_bad_symbol(btc: Market) -> None:
    venue = Fixed(200, UNKNOWN_INSTRUMENT)
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert (caught.value.exchange, caught.value.code) == ("okx", ErrorCode.BAD_SYMBOL)
    assert "Instrument ID does not exist" in caught.value.message and "51001" in caught.value.message
    assert len(venue.requests) == 1  # a client error is not retried


async def test_a_rate_limit_code_with_status_200_is_rate_limited(btc: Market) -> None:
    with pytest.raises(errors.RateLimited):
        await mock_adapter(SPEC, Fixed(200, TOO_MANY)).fetch_trades(btc, None)


async def test_a_busy_venue_is_retried_then_unavailable(btc: Market) -> None:
    venue = Fixed(200, b'{"code":"50013","msg":"Systems are busy. Please try again later.","data":[]}')
    with pytest.raises(errors.ExchangeUnavailable) as caught:
        await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert type(caught.value) is errors.ExchangeUnavailable
    assert len(venue.requests) == 3  # transient: retried


@pytest.mark.parametrize(
    "body",
    [
        b'{"code":"0","msg":"","data":[{"instId":"BTC-USDT"}]}',  # a ticker without its required ts
        b'{"code":"0","msg":"","data":[]}',  # no ticker at all
        b'{"code":"0","msg":"","data":[{"instId":"BTC-USDT","ts":"1","last":["1"]}]}',  # wrong type
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_ticker(btc)


async def test_an_empty_book_answer_is_an_upstream_decode_error(btc: Market) -> None:
    with pytest.raises(errors.UpstreamDecodeError, match="no book"):
        await mock_adapter(SPEC, Fixed(200, b'{"code":"0","msg":"","data":[]}')).fetch_order_book(btc, 5)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, UNKNOWN_INSTRUMENT, errors.BadSymbol),
        (200, b'{"code":"51000","msg":"Parameter sz error","data":[]}', errors.BadRequest),
        (200, b'{"code":"50004","msg":"Endpoint request timeout","data":[]}', errors.Timeout),
        (
            200,
            b'{"code":"51008","msg":"Order failed. Insufficient balance","data":[]}',
            errors.InsufficientFunds,
        ),
        (200, b'{"code":"51603","msg":"Order does not exist","data":[]}', errors.OrderNotFound),
        (401, b'{"code":"50113","msg":"Invalid Sign","data":[]}', errors.AuthenticationFailed),
        (200, b'{"code":"50110","msg":"Your IP is not in the whitelist","data":[]}', errors.PermissionDenied),
        (
            200,
            b'{"code":"59999","msg":"something new","data":[]}',
            errors.ExchangeUnavailable,
        ),  # unknown code
        (429, TOO_MANY, errors.RateLimited),
        (403, b"<html>WAF</html>", errors.PermissionDenied),
        (503, b"Service Unavailable", errors.ExchangeUnavailable),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_body(body) if status == 200 else ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped is not None and mapped.exchange == "okx"


def test_success_envelopes_are_not_errors() -> None:
    assert ERRORS.from_body(recorded("ticker_BTC-USDT.json")) is None
    assert ERRORS.from_body(b"[1, 2]") is None
    assert ERRORS.from_body(b"<html>") is None
