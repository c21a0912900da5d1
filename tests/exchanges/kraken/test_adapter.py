"""Kraken over httpx.MockTransport: XBT and Z-prefixed pair ids, errors (and warnings) inside HTTP 200
envelopes, candles from one interval before `since`.
"""

# What every adapter does is checked for all of them in tests/exchanges/test_contract.py.

from __future__ import annotations

import dataclasses
from decimal import Decimal

import httpx
import pytest

from exchangeql import errors
from exchangeql.errors import ErrorCode
from exchangeql.exchanges.base import Adapter
from exchangeql.exchanges.kraken.adapter import SPEC
from exchangeql.exchanges.kraken.errors import ERRORS
from exchangeql.models import Market, MarketIndex, Side
from exchangeql.settings import RateLimit

from ..harness import Fixed, Handler, RecordingLimiter, Venue, assert_declared, mock_adapter, venue_fixtures
from . import recorded

BODIES = {
    "/0/public/AssetPairs": recorded("asset_pairs.json"),
    "/0/public/Ticker": recorded("ticker_XBTUSDT.json"),
    "/0/public/Depth": recorded("depth_XXBTZUSD_docs.json"),
    "/0/public/Trades": recorded("trades_XBTUSDT.json"),
    "/0/public/OHLC": recorded("ohlc_XBTUSDT_60.json"),
}


class KrakenVenue(Venue):
    """Answers the recorded XBTUSDT ticker to a question about XBTUSDT, another recorded one to any other."""

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/0/public/Ticker" and request.url.params.get("pair") != "XBTUSDT":
            return self.json(recorded("ticker_XXBTZUSD_docs.json"))
        return super().answer(request)


# The venue's budget is one call a second: tests run without waiting for it.
TEST_BUDGET = RateLimit(1000, 1)


def _adapter(handler: Handler) -> Adapter:
    return mock_adapter(SPEC, handler, rate_limit=TEST_BUDGET)


venue, index, btc = venue_fixtures(SPEC, lambda: KrakenVenue(BODIES), rate_limit=TEST_BUDGET)


# --- the spec ---------------------------------------------------------------------------------------------


def test_declarations() -> None:
    adapter = assert_declared(SPEC, "Kraken", RateLimit(15, 15), ERRORS)
    assert dict(adapter.timeframes) == {
        "1m": "1",
        "5m": "5",
        "15m": "15",
        "30m": "30",
        "1h": "60",
        "4h": "240",
        "1d": "1440",
        "1w": "10080",
    }


# --- requests and results ---------------------------------------------------------------------------------


async def test_fetch_markets(venue: Venue) -> None:
    markets = await _adapter(venue).fetch_markets()
    assert str(venue.last.url) == "https://api.kraken.com/0/public/AssetPairs"
    assert venue.last.method == "GET"
    assert len(markets) == 8
    assert (markets[0].symbol, markets[0].precision.price) == ("BTC/USDT", Decimal("0.1"))


async def test_fetch_ticker(venue: Venue, btc: Market) -> None:
    ticker = await _adapter(venue).fetch_ticker(btc)
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Ticker?pair=XBTUSDT"
    assert ticker.symbol == "BTC/USDT"
    assert (ticker.last, ticker.average) == (Decimal("73380.6"), Decimal("72415.6"))


async def test_fetch_all_tickers_is_one_call_without_pair(venue: Venue, index: MarketIndex) -> None:
    tickers = await _adapter(venue).fetch_tickers(index, None)
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Ticker"
    assert [(t.symbol, t.last) for t in tickers] == [("BTC/USD", Decimal("30303.2"))]


async def test_fetch_some_tickers_sends_a_comma_list(venue: Venue, index: MarketIndex) -> None:
    wanted = [index.by_symbol["BTC/USDT"], index.by_symbol["BTC/USD"]]
    tickers = await _adapter(venue).fetch_tickers(index, wanted)
    assert venue.last.url.params["pair"] == "XBTUSDT,XXBTZUSD"
    assert [t.symbol for t in tickers] == ["BTC/USD"]  # the venue answered for XXBTZUSD only
    calls = len(venue.requests)
    assert await _adapter(venue).fetch_tickers(index, []) == []
    assert len(venue.requests) == calls


async def test_many_tickers_are_fetched_whole_and_filtered(venue: Venue, btc: Market) -> None:
    others = [dataclasses.replace(btc, id=f"X{i}USD", symbol=f"X{i}/USD") for i in range(50)]
    usd = dataclasses.replace(btc, id="XXBTZUSD", symbol="BTC/USD")
    tickers = await _adapter(venue).fetch_tickers(MarketIndex.of([usd, *others]), [usd, *others])
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Ticker"  # 51 pairs: no list
    assert [t.symbol for t in tickers] == ["BTC/USD"]


async def test_fetch_order_book_sends_count_and_trims(venue: Venue, index: MarketIndex) -> None:
    usd = index.by_symbol["BTC/USD"]
    book = await _adapter(venue).fetch_order_book(usd, 2)
    assert dict(venue.last.url.params) == {"pair": "XXBTZUSD", "count": "2"}
    assert [level.price for level in book.bids] == [Decimal("30297.0"), Decimal("30296.7")]
    await _adapter(venue).fetch_order_book(usd, 5000)
    assert venue.last.url.params["count"] == "500"  # the venue's maximum
    await _adapter(venue).fetch_order_book(usd, None)
    assert dict(venue.last.url.params) == {"pair": "XXBTZUSD"}


async def test_an_answer_without_the_pair_is_an_upstream_decode_error(venue: Venue, btc: Market) -> None:
    def two_pairs(request: httpx.Request) -> httpx.Response:
        body = b'{"error":[],"result":{"A":{"asks":[],"bids":[]},"B":{"asks":[],"bids":[]}}}'
        return httpx.Response(200, content=body)

    with pytest.raises(errors.UpstreamDecodeError, match="without pair XBTUSDT"):
        await _adapter(two_pairs).fetch_order_book(btc, None)


async def test_fetch_trades(venue: Venue, btc: Market) -> None:
    (trade,) = await _adapter(venue).fetch_trades(btc, 1)
    assert str(venue.last.url) == "https://api.kraken.com/0/public/Trades?pair=XBTUSDT&count=1"
    assert (trade.id, trade.side, trade.cost) == ("6324366", Side.BUY, Decimal("755.9012396"))
    await _adapter(venue).fetch_trades(btc, 5000)
    assert venue.last.url.params["count"] == "1000"  # the venue's maximum


async def test_fetch_ohlcv_asks_one_interval_before_since(venue: Venue, btc: Market) -> None:
    candles = await _adapter(venue).fetch_ohlcv(btc, "1h", 1706628191000, 3)
    # since 1706628191 s, less one 60-minute interval, as ccxt sends it.
    assert dict(venue.last.url.params) == {"pair": "XBTUSDT", "interval": "60", "since": "1706624591"}
    assert [c.timestamp for c in candles] == [1706630400000, 1706634000000, 1706637600000]
    await _adapter(venue).fetch_ohlcv(btc, "1d", None, None)
    assert dict(venue.last.url.params) == {"pair": "XBTUSDT", "interval": "1440"}


async def test_each_endpoint_charges_one_call(btc: Market, index: MarketIndex) -> None:
    limiter = RecordingLimiter()
    adapter = mock_adapter(SPEC, KrakenVenue(BODIES), limiter=limiter)
    await adapter.fetch_markets()
    await adapter.fetch_ticker(btc)
    await adapter.fetch_tickers(index, None)
    await adapter.fetch_order_book(index.by_symbol["BTC/USD"], None)
    await adapter.fetch_trades(btc, None)
    await adapter.fetch_ohlcv(btc, "1m", None, None)
    assert limiter.weights == [1] * 6


# --- failures ---------------------------------------------------------------------------------------------


async def test_unknown_pair_comes_with_200_and_is_bad_symbol(btc: Market) -> None:
    venue = Fixed(200, b'{"error":["EQuery:Unknown asset pair"]}')
    with pytest.raises(errors.BadSymbol) as caught:
        await _adapter(venue).fetch_ticker(btc)
    assert caught.value.exchange == "kraken"
    assert caught.value.code is ErrorCode.BAD_SYMBOL
    assert "EQuery:Unknown asset pair" in caught.value.message
    assert len(venue.requests) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"error":["EAPI:Rate limit exceeded"]}', errors.RateLimited),
        (b'{"error":["EService: Throttled: 1710328245"]}', errors.RateLimited),
        (b'{"error":["EService:Unavailable"]}', errors.ExchangeUnavailable),
        (b'{"error":["EGeneral:Invalid arguments"],"result":{}}', errors.BadRequest),
        (b'{"error":["EQuery:Invalid asset pair"]}', errors.BadSymbol),
    ],
)
async def test_errors_with_status_200_are_mapped(btc: Market, body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        await _adapter(Fixed(200, body)).fetch_trades(btc, None)
    assert type(caught.value) is error


async def test_warnings_are_not_errors(btc: Market) -> None:
    ticker = recorded("ticker_XBTUSDT.json").replace(b'"error":[]', b'"error":["WGeneral:Deprecated"]')
    assert b"WGeneral" in ticker
    assert (await _adapter(Fixed(200, ticker)).fetch_ticker(btc)).last == Decimal("73380.6")


async def test_an_envelope_without_result_or_error_is_an_upstream_decode_error(btc: Market) -> None:
    with pytest.raises(errors.UpstreamDecodeError, match="without a result"):
        await _adapter(Fixed(200, b'{"error":[]}')).fetch_ticker(btc)


async def test_a_200_body_of_the_wrong_shape_is_an_upstream_decode_error(btc: Market) -> None:
    body = b'{"error":[],"result":{"XBTUSDT":{"a":["1"]}}}'  # the right envelope, a ticker missing its keys
    with pytest.raises(errors.UpstreamDecodeError):
        await _adapter(Fixed(200, body)).fetch_ticker(btc)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b'{"error":["EOrder:Insufficient funds"]}', errors.InsufficientFunds),
        (200, b'{"error":["EOrder:Unknown order"]}', errors.OrderNotFound),
        (200, b'{"error":["EOrder:Order minimum not met"]}', errors.InvalidOrder),
        (200, b'{"error":["EGeneral:Invalid arguments:volume"]}', errors.InvalidOrder),
        (200, b'{"error":["EAPI:Invalid key"]}', errors.AuthenticationFailed),
        (200, b'{"error":["EGeneral:Permission denied"]}', errors.PermissionDenied),
        (200, b'{"error":["EGeneral:Temporary lockout"]}', errors.RateLimited),
        (520, b"<html>origin error</html>", errors.ExchangeUnavailable),
        (403, b"<html>WAF</html>", errors.PermissionDenied),
    ],
)
def test_error_table(status: int, body: bytes, error: type[Exception]) -> None:
    mapped = ERRORS.from_body(body) if status == 200 else ERRORS.from_response(status, body)
    assert type(mapped) is error
    assert mapped is not None and mapped.exchange == "kraken"


def test_a_success_envelope_is_no_error() -> None:
    assert ERRORS.from_body(recorded("ticker_XBTUSDT.json")) is None
    assert ERRORS.from_body(b'{"error":["WGeneral:Deprecated"],"result":{}}') is None
