"""VenueClient against httpx.MockTransport: origin override, retries, rate limits, error mapping."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from exchangeql.clock import set_deadline
from exchangeql.errors import BadSymbol, ExchangeUnavailable, RateLimited, Timeout
from exchangeql.settings import RateLimit
from exchangeql.transport.client import VenueClient, build_http_client, rewrite_origin
from exchangeql.transport.errors import ErrorTable
from exchangeql.transport.ratelimit import TokenBucket


def _extract(body: bytes) -> tuple[str | None, str] | None:
    data = json.loads(body)
    return (str(data["code"]), data["msg"]) if isinstance(data, dict) and "code" in data else None


DEFAULT_RATE = RateLimit(1000, 1)
TABLE = ErrorTable("venue", by_code={"-1121": BadSymbol}, extract=_extract)


def _client(handler: httpx.MockTransport, *, rate: RateLimit = DEFAULT_RATE, **kwargs: object) -> VenueClient:
    return VenueClient(
        "venue",
        build_http_client(handler),
        errors=TABLE,
        limiter=TokenBucket("venue", rate),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (None, "https://api.venue.com/api/v3/ticker?symbol=BTCUSDT"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000/api/v3/ticker?symbol=BTCUSDT"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000/api/v3/ticker?symbol=BTCUSDT"),
        ("http://127.0.0.1:9000/binance", "http://127.0.0.1:9000/binance/api/v3/ticker?symbol=BTCUSDT"),
    ],
)
def test_origin_override_keeps_path_and_query(origin: str | None, expected: str) -> None:
    assert rewrite_origin("https://api.venue.com/api/v3/ticker?symbol=BTCUSDT", origin) == expected


async def test_requests_go_to_the_override_origin() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=b"[]")

    client = _client(httpx.MockTransport(handler), upstream="http://127.0.0.1:9000")
    assert await client.get("https://api.venue.com/api/v3/trades", {"symbol": "BTCUSDT"}) == b"[]"
    assert seen == ["http://127.0.0.1:9000/api/v3/trades?symbol=BTCUSDT"]


async def test_idempotent_get_is_retried_after_5xx() -> None:
    statuses = iter([503, 502, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), content=b'{"ok": true}')

    client = _client(httpx.MockTransport(handler))
    assert await client.get("https://api.venue.com/x") == b'{"ok": true}'
    assert client.calls == 3


async def test_order_placement_is_never_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, content=b"busy")

    client = _client(httpx.MockTransport(handler))
    with pytest.raises(ExchangeUnavailable, match="HTTP 503"):
        await client.send("POST", "https://api.venue.com/order", content=b"x")
    assert calls == 1


async def test_venue_error_codes_map_to_typed_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": -1121, "msg": "Invalid symbol."})

    client = _client(httpx.MockTransport(handler))
    with pytest.raises(BadSymbol, match="Invalid symbol") as caught:
        await client.get("https://api.venue.com/x")
    assert caught.value.exchange == "venue"
    assert client.calls == 1  # a client error is not retried


async def test_html_error_page_maps_to_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, content=b"<html><body>Bad gateway</body></html>")

    client = _client(httpx.MockTransport(handler))
    with pytest.raises(ExchangeUnavailable, match="HTTP 502"):
        await client.get("https://api.venue.com/x")


async def test_429_with_retry_after_past_the_deadline_is_rate_limited_and_pauses_the_bucket() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429, headers={"Retry-After": "30"}, json={"code": -1003, "msg": "Too many requests"}
        )

    client = _client(httpx.MockTransport(handler))
    set_deadline(1.0)
    with pytest.raises(RateLimited) as caught:
        await client.get("https://api.venue.com/x")
    assert caught.value.retry_after == 30
    assert client.calls == 1
    # The bucket is paused: the next call fails fast without reaching the venue.
    with pytest.raises(RateLimited):
        await client.get("https://api.venue.com/x")
    assert client.calls == 1


async def test_connection_errors_and_timeouts_are_typed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    set_deadline(0.5)
    with pytest.raises(ExchangeUnavailable, match="ConnectError"):
        await _client(httpx.MockTransport(refuse)).get("https://api.venue.com/x")
    set_deadline(0.5)
    with pytest.raises(Timeout):
        await _client(httpx.MockTransport(hang)).get("https://api.venue.com/x")


async def test_token_bucket_spaces_requests_by_weight() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}")

    client = _client(httpx.MockTransport(handler), rate=RateLimit(10, 1))  # 10 weight per second
    set_deadline(5.0)
    started = time.monotonic()
    for _ in range(3):
        await client.get("https://api.venue.com/x", weight=5)
    # 10 tokens at start cover two calls; the third waits until the first call's tokens return (1 s).
    assert 0.9 <= time.monotonic() - started < 1.6


async def test_no_window_of_the_period_ever_sees_more_than_the_budget() -> None:
    bucket = TokenBucket("venue", RateLimit(10, 0.5))
    admitted: list[float] = []

    async def one() -> None:
        await bucket.acquire(1, max_wait=5)
        admitted.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(35)))
    admitted.sort()
    assert len(admitted) == 35
    for i, start in enumerate(admitted):
        in_window = [t for t in admitted[i:] if t < start + 0.5]
        assert len(in_window) <= 10


async def test_bucket_fails_fast_when_the_wait_would_pass_the_deadline() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}")

    client = _client(httpx.MockTransport(handler), rate=RateLimit(1, 10))  # 1 weight per 10 s
    set_deadline(0.5)
    await client.get("https://api.venue.com/x")
    with pytest.raises(RateLimited, match="gateway rate limit"):
        await client.get("https://api.venue.com/x")
    assert client.calls == 1
