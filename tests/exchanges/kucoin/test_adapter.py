"""KuCoin over httpx.MockTransport: book depth by path, candle windows in seconds, renamed currencies, and
error codes in the envelope whatever the HTTP status.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.kucoin.adapter import SPEC, book_depth, candle_window
from exchangeql.exchanges.kucoin.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

BODIES = {
    "/api/v2/symbols": recorded("symbols.json"),
    "/api/v1/market/stats": recorded("stats_BTC-USDT.json"),
    "/api/v1/market/allTickers": recorded("all_tickers.json"),
    "/api/v1/market/orderbook/level2_20": recorded("orderbook_level2_20_BTC-USDT.json"),
    "/api/v1/market/orderbook/level2_100": recorded("orderbook_level2_20_BTC-USDT.json"),
    "/api/v1/market/histories": recorded("histories_BTC-USDT.json"),
    "/api/v1/market/candles": recorded("candles_BTC-USDT_1hour.json"),
}


venue, index, btc = venue_fixtures(SPEC, lambda: Venue(BODIES))


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "KuCoin", RateLimit(2000, 30), ERRORS)  # the public pool, per IP
    assert " ".join(adapter.timeframes) == "1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w 1M"
    assert adapter.timeframes["1h"] == "1hour"


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await mock_adapter(SPEC, venue).fetch_markets()
    assert str(venue.last.url) == "https://api.kucoin.com/api/v2/symbols"
    assert (len(markets), markets[0].symbol, markets[0].precision.price) == (7, "BTC/USDT", Decimal("0.1"))


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await mock_adapter(SPEC, venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/stats?symbol=BTC-USDT"
    assert (ticker.symbol, ticker.last, ticker.percentage) == ("BTC/USDT", Decimal("67400"), Decimal("0.89"))


async def test_fetch_all_tickers_is_one_call(venue: Venue, index: MarketIndex) -> None:
    tickers = await mock_adapter(SPEC, venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/allTickers"
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USDT", Decimal("11328.9"))]


async def test_fetch_some_tickers_filters_the_snapshot(venue: Venue, index: MarketIndex) -> None:
    eth = index.by_symbol["ETH/USDT"]
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, [eth]) == []  # the snapshot has BTC-USDT only
    assert [
        t.symbol
        for t in await mock_adapter(SPEC, venue).fetch_tickers(index, [eth, index.by_symbol["BTC/USDT"]])
    ] == ["BTC/USDT"]
    calls = len(venue.requests)
    assert await mock_adapter(SPEC, venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


@pytest.mark.parametrize(
    ("requested", "depth"), [(1, 20), (20, 20), (21, 100), (100, 100), (500, 100), (None, 100)]
)
def test_book_depth(requested: int | None, depth: int) -> None:
    assert book_depth(requested) == depth


async def test_fetch_order_book_picks_the_path_by_limit(venue: Venue, btc: Market) -> None:
    book = await mock_adapter(SPEC, venue).fetch_order_book(btc, 1)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/orderbook/level2_20?symbol=BTC-USDT"
    assert ([b.price for b in book.bids], book.nonce) == ([Decimal("67539.7")], 11149534850)
    await mock_adapter(SPEC, venue).fetch_order_book(btc, None)
    assert venue.last.url.path == "/api/v1/market/orderbook/level2_100"


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await mock_adapter(SPEC, venue).fetch_trades(btc, 5)
    assert str(venue.last.url) == "https://api.kucoin.com/api/v1/market/histories?symbol=BTC-USDT"
    assert (trade.id, trade.side, trade.cost) == (None, Side.SELL, Decimal("305.10392622"))


async def test_fetch_ohlcv_with_since_asks_for_a_window(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    assert dict(venue.last.url.params) == {
        "symbol": "BTC-USDT",
        "type": "1hour",
        "startAt": "1706628191",
        "endAt": "1706638991",  # since + 3 hours, in seconds
    }
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]


async def test_fetch_ohlcv_without_since_keeps_the_latest(venue: Venue, btc: Market) -> None:
    candles = await mock_adapter(SPEC, venue).fetch_ohlcv(btc, "1h", None, 1)
    assert dict(venue.last.url.params) == {"symbol": "BTC-USDT", "type": "1hour"}
    assert [c.timestamp for c in candles] == [1706637600000]


def test_candle_window_caps_at_1500() -> None:
    assert candle_window(1_000, None, 60) == (1, (1_000 + 1500 * 60_000) // 1000)
    assert candle_window(1_000, 5000, 60) == candle_window(1_000, 1500, 60)


async def test_each_endpoint_charges_its_weight(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, Venue(BODIES), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(btc, 20)
    await adapter.fetch_order_book(btc, 100)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [4, 15, 15, 2, 4, 3, 3]


# --- failures ---------------------------------------------------------------------------------------------


UNKNOWN_PAIR = b'{"code":"400100","msg":"This pair is not provided at present."}'


@pytest.mark.parametrize("status", [200, 400])
async def test_unknown_pair_is_bad_symbol_with_any_status(btc: Market, status: int) -> None:
    venue = Fixed(status, UNKNOWN_PAIR)
    with pytest.raises(errors.BadSymbol) as caught:
        await mock_adapter(SPEC, venue).fetch_order_book(btc, 20)
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert caught.value.exchange == "kucoin"
    assert "This pair is not provided at present." in caught.value.message
    assert "400100" in caught.value.message
    assert len(venue.requests) == 1


async def test_rate_limit_with_status_200_is_rate_limited(btc: Market) -> None:
    body = b'{"code":"429000","msg":"Too many requests. System-level rate limit exceeded."}'
    with pytest.raises(errors.RateLimited):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_markets()


async def test_an_envelope_without_data_for_a_symbol_is_bad_symbol(btc: Market) -> None:
    with pytest.raises(errors.BadSymbol, match="no data for BTC-USDT"):
        await mock_adapter(SPEC, Fixed(200, b'{"code":"200000","data":null}')).fetch_ticker(btc)


async def test_markets_without_data_are_an_upstream_decode_error() -> None:
    with pytest.raises(errors.UpstreamDecodeError, match="no data"):
        await mock_adapter(SPEC, Fixed(200, b'{"code":"200000"}')).fetch_markets()


async def test_an_error_envelope_whose_data_has_another_shape_is_still_mapped(btc: Market) -> None:
    body = b'{"code":"400100","msg":"This pair is not provided at present.","data":"n/a"}'
    with pytest.raises(errors.BadSymbol):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_trades(btc, 1)


@pytest.mark.parametrize(
    "body",
    [
        b'{"code":"200000","data":{"bids":"x"}}',  # the envelope, the wrong data
        b'{"data":{}}',  # no code at all
    ],
)
async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market, body: bytes) -> None:
    with pytest.raises(errors.UpstreamDecodeError):
        await mock_adapter(SPEC, Fixed(200, body)).fetch_order_book(btc, 20)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, UNKNOWN_PAIR, errors.BadSymbol),
        (400, b'{"code":"400100","msg":"pageSize should not greater than 500"}', errors.BadRequest),
        (401, b'{"code":"400003","msg":"KC-API-KEY not exists"}', errors.AuthenticationFailed),
        (403, b'{"code":"400006","msg":"Invalid request ip"}', errors.PermissionDenied),
        (400, b'{"code":"200004","msg":"Balance insufficient"}', errors.InsufficientFunds),
        (429, b'{"code":"429000","msg":"Too many requests"}', errors.RateLimited),
        (500, b'{"code":"500000","msg":"Internal Server Error"}', errors.ExchangeUnavailable),
        (404, b'{"code":"404000","msg":"Url Not Found"}', errors.BadRequest),
        (403, b"<html>WAF</html>", errors.PermissionDenied),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped.exchange == "kucoin"


def test_a_success_envelope_is_not_an_error() -> None:
    assert ERRORS.from_body(recorded("stats_BTC-USDT.json")) is None


async def test_renamed_ids_are_sent_as_the_venue_spells_them(venue: Venue, btc: Market) -> None:
    wax = dataclasses.replace(btc, id="WAX-USDT", symbol="WAXP/USDT", base="WAXP", base_id="WAX")
    await mock_adapter(SPEC, venue).fetch_ticker(wax)
    assert venue.last.url.params["symbol"] == "WAX-USDT"
