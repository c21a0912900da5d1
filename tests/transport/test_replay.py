"""The replay server as a client sees it: recorded answers, matching, latency, faults, rate limit, stats.

Recordings: tests/fixtures/replay/*.json (real ccxt-static bodies; each route names its source case).
Faults that act on the connection (reset, hang) are also checked over a real uvicorn socket.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from exchangeql.errors import ExchangeUnavailable, GatewayError, RateLimited, Timeout
from exchangeql.settings import RateLimit
from exchangeql.transport.client import VenueClient, build_http_client
from exchangeql.transport.errors import ErrorTable
from exchangeql.transport.ratelimit import TokenBucket
from exchangeql.transport.replay import build_replay_app, load_recordings, main_replay, replay_transport
from exchangeql.transport.replay_faults import FaultKind, FaultSpecError, WindowLimit, parse_fault_spec
from exchangeql.transport.retry import RetryPolicy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "replay"
TICKER = "/binance/api/v3/ticker/24hr"
BTC = {"symbol": "BTCUSDT"}
BINANCE_ERROR = {"code": -1003, "msg": "Too many requests; IP banned until ..."}
BINANCE_NOT_FOUND = {"code": -1121, "msg": "Invalid symbol."}


def app_for(**options: Any) -> Starlette:
    return build_replay_app(FIXTURES, **options)


@asynccontextmanager
async def asgi_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replay") as client:
        yield client


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """The app under a real uvicorn on 127.0.0.1 (an ephemeral port), stopped on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, log_level="critical", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(5):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=5)
        sock.close()


# --- recorded answers and matching ------------------------------------------------------------------


async def test_serves_the_recorded_body_under_the_exchange_prefix() -> None:
    async with asgi_client(app_for()) as client:
        response = await client.get(TICKER, params=BTC)
        kraken = await client.get("/kraken/0/public/Ticker", params={"pair": "XBTUSDT"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["symbol"] == "BTCUSDT"
    assert body["lastPrice"] == "73369.84000000"
    assert body["closeTime"] == "1710328245391"
    assert kraken.status_code == 200
    assert kraken.json()["result"]["XBTUSDT"]["c"] == ["73380.60000", "0.00160710"]


async def test_bodies_are_sent_compact_with_every_token_as_recorded() -> None:
    async with asgi_client(app_for()) as client:
        ticker = await client.get(TICKER, params=BTC)
        trades = await client.get("/kraken/0/public/Trades", params={"pair": "XBTUSDT"})
    assert ticker.content.startswith(b'{"symbol":"BTCUSDT","priceChange":"1188.75000000",')
    assert b"\n" not in ticker.content
    assert b',1710327959.1733468,"b","m",' in trades.content  # a float timestamp, digit for digit


async def test_the_route_with_most_matching_query_keys_wins_and_other_params_are_ignored() -> None:
    async with asgi_client(app_for()) as client:
        exact = await client.get(TICKER, params={"symbol": "BTCUSDT", "extra": "ignored"})
        fallback = await client.get(TICKER, params={"symbol": "ETHUSDT"})
        bare = await client.get(TICKER)
    assert exact.json()["lastPrice"] == "73369.84000000"  # binance's recording (one query key)
    assert fallback.json()["lastPrice"] == "73346.14000000"  # the catch-all route (no query keys)
    assert bare.json()["lastPrice"] == "73346.14000000"


async def test_a_query_value_must_be_equal_to_match() -> None:
    async with asgi_client(app_for()) as client:
        klines = await client.get("/binance/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1h"})
        other_interval = await client.get(
            "/binance/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1d"}
        )
    assert klines.status_code == 200
    assert klines.json()[0][0] == 1706630400000
    assert other_interval.status_code == 404
    assert other_interval.json() == BINANCE_NOT_FOUND


async def test_unmatched_requests_get_404_with_the_venue_error_shape() -> None:
    async with asgi_client(app_for()) as client:
        unknown_path = await client.get("/binance/api/v3/nothing")
        wrong_method = await client.post(TICKER, params=BTC)
        kraken = await client.get("/kraken/0/public/Depth", params={"pair": "XBTUSDT"})
        unknown_exchange = await client.get("/nowhere/api/v3/ticker/24hr")
    assert (unknown_path.status_code, unknown_path.json()) == (404, BINANCE_NOT_FOUND)
    assert (wrong_method.status_code, wrong_method.json()) == (404, BINANCE_NOT_FOUND)
    # kraken's test recording declares no not_found_body: a generic one, never the rate-limit body.
    assert (kraken.status_code, kraken.json()) == (404, {"error": "not recorded"})
    assert unknown_exchange.status_code == 404
    assert "nowhere" in unknown_exchange.json()["error"]


def test_load_recordings_reads_every_file_by_exchange_id() -> None:
    recordings = load_recordings(FIXTURES)
    assert sorted(recordings) == ["binance", "kraken"]
    assert recordings["binance"].rate_limit is not None
    assert recordings["binance"].rate_limit.weight == 6000
    assert all(route.provenance.startswith("ccxt-static response/") for route in recordings["binance"].routes)


# --- latency ------------------------------------------------------------------------------------------


async def test_latency_delays_every_answer() -> None:
    async with asgi_client(app_for(latency_ms=150)) as client:
        started = time.monotonic()
        response = await client.get(TICKER, params=BTC)
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.15


async def test_jitter_adds_a_seeded_uniform_delay() -> None:
    expected = random.Random(7).uniform(0.0, 0.2)  # the first draw of the app's seeded generator
    async with asgi_client(app_for(jitter_ms=200, seed=7)) as client:
        started = time.monotonic()
        await client.get(TICKER, params=BTC)
        elapsed = time.monotonic() - started
    assert expected <= elapsed < expected + 0.15


async def test_latency_can_be_changed_at_run_time() -> None:
    async with asgi_client(app_for()) as client:
        config = await client.post("/_replay/config", json={"latency_ms": 120})
        started = time.monotonic()
        await client.get(TICKER, params=BTC)
        elapsed = time.monotonic() - started
    assert config.json()["latency_ms"] == 120
    assert elapsed >= 0.12


# --- faults: what the client sees ---------------------------------------------------------------------


@pytest.mark.parametrize("status", ["429", "418"])
async def test_rate_limit_faults_answer_the_venue_error_with_retry_after(status: str) -> None:
    async with asgi_client(app_for(faults=f"binance:*={status}")) as client:
        response = await client.get(TICKER, params=BTC)
    assert response.status_code == int(status)
    assert response.headers["retry-after"] == "1"
    assert response.json() == BINANCE_ERROR


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_error_faults_answer_the_status(status: int) -> None:
    async with asgi_client(app_for(faults=f"binance:{TICKER.removeprefix('/binance')}={status}")) as client:
        response = await client.get(TICKER, params=BTC)
    assert response.status_code == status
    assert response.text.startswith(str(status))
    assert response.headers["content-type"].startswith("text/plain")


async def test_malformed_fault_is_200_with_a_body_that_is_not_json() -> None:
    async with asgi_client(app_for(faults="binance:*=malformed")) as client:
        response = await client.get(TICKER, params=BTC)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_truncated_fault_is_200_with_the_first_half_of_the_recorded_body() -> None:
    async with asgi_client(app_for()) as client:
        full = (await client.get(TICKER, params=BTC)).content
    async with asgi_client(app_for(faults="binance:*=truncated")) as client:
        response = await client.get(TICKER, params=BTC)
    assert response.status_code == 200
    assert response.content == full[: len(full) // 2]
    assert int(response.headers["content-length"]) == len(full) // 2  # a complete HTTP message
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_html_fault_is_a_502_error_page() -> None:
    async with asgi_client(app_for(faults="binance:*=html")) as client:
        response = await client.get(TICKER, params=BTC)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    assert "502 Bad Gateway" in response.text


async def test_venue_error_fault_is_the_error_body_with_http_200() -> None:
    async with asgi_client(app_for(faults="kraken:*=venue_error")) as client:
        response = await client.get("/kraken/0/public/Ticker", params={"pair": "XBTUSDT"})
    assert response.status_code == 200
    assert response.json() == {"error": ["EAPI:Rate limit exceeded"]}


async def test_reset_is_a_transport_error_in_process() -> None:
    app = app_for(faults="binance:*=reset#1")
    async with httpx.AsyncClient(transport=replay_transport(app), base_url="http://replay") as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(TICKER, params=BTC)
        after = await client.get(TICKER, params=BTC)  # the fault was for one request
    assert after.status_code == 200


async def test_reset_is_a_transport_error_over_a_socket() -> None:
    app = app_for(faults="binance:*=reset#1")
    async with served(app) as origin, httpx.AsyncClient(base_url=origin, timeout=5) as client:
        with pytest.raises(httpx.TransportError) as raised:
            await client.get(TICKER, params=BTC)
        after = await client.get(TICKER, params=BTC)
    assert isinstance(raised.value, httpx.RemoteProtocolError)
    assert after.json()["lastPrice"] == "73369.84000000"


async def test_hang_times_out_in_process() -> None:
    app = app_for(faults="binance:*=hang")
    async with httpx.AsyncClient(transport=replay_transport(app), base_url="http://replay") as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await client.get(TICKER, params=BTC, timeout=0.2)
    assert time.monotonic() - started < 2


async def test_hang_times_out_over_a_socket_and_the_server_still_stops_promptly() -> None:
    app = app_for(faults="binance:*=hang")
    started = time.monotonic()
    async with served(app) as origin, httpx.AsyncClient(base_url=origin) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(TICKER, params=BTC, timeout=0.3)
    assert time.monotonic() - started < 5  # the 60 s stall ended when the client went away


async def test_a_hang_that_runs_its_course_ends_in_504() -> None:
    async with asgi_client(app_for(faults="binance:*=hang", hang_s=0.05)) as client:
        response = await client.get(TICKER, params=BTC)
    assert response.status_code == 504


# --- faults: which requests, how often --------------------------------------------------------------


async def test_count_faults_hit_the_next_n_requests_only() -> None:
    async with asgi_client(app_for(faults="binance:*=503#2")) as client:
        statuses = [(await client.get(TICKER, params=BTC)).status_code for _ in range(4)]
        rules = (await client.get("/_replay/faults")).json()["faults"]
    assert statuses == [503, 503, 200, 200]
    assert rules == []  # a spent rule is gone


async def test_probability_faults_follow_the_seeded_generator() -> None:
    draws = random.Random(11)
    expected = [503 if draws.random() < 0.5 else 200 for _ in range(40)]
    async with asgi_client(app_for(faults="binance:*=503@0.5", seed=11)) as client:
        statuses = [(await client.get(TICKER, params=BTC)).status_code for _ in range(40)]
    assert statuses == expected
    assert 5 < statuses.count(503) < 35


@pytest.mark.parametrize(("spec", "expected"), [("binance:*=503@0", 200), ("binance:*=503@1", 503)])
async def test_probability_bounds(spec: str, expected: int) -> None:
    async with asgi_client(app_for(faults=spec)) as client:
        statuses = {(await client.get(TICKER, params=BTC)).status_code for _ in range(10)}
    assert statuses == {expected}


async def test_faults_apply_per_exchange_and_route_most_specific_first() -> None:
    spec = "binance:/api/v3/depth=500;binance:*=503"
    async with asgi_client(app_for(faults=spec)) as client:
        depth = await client.get("/binance/api/v3/depth", params=BTC)
        ticker = await client.get(TICKER, params=BTC)
        kraken = await client.get("/kraken/0/public/Ticker", params={"pair": "XBTUSDT"})
    assert (depth.status_code, ticker.status_code, kraken.status_code) == (500, 503, 200)


def test_fault_spec_grammar() -> None:
    rules = parse_fault_spec("binance:/api/v3/ticker/24hr=429@0.5; kraken:*=hang#3;binance:*=reset")
    assert [(r.exchange, r.route, r.kind, r.probability, r.count) for r in rules] == [
        ("binance", "/api/v3/ticker/24hr", FaultKind.TOO_MANY_REQUESTS, 0.5, None),
        ("kraken", "*", FaultKind.HANG, None, 3),
        ("binance", "*", FaultKind.RESET, None, None),
    ]


@pytest.mark.parametrize(
    "spec",
    ["binance:*=teapot", "binance=503", "binance:*=503@1.5", "binance:*=503#0", "binance:*=503#x", ":*=503"],
)
def test_bad_fault_specs_are_rejected(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_fault_spec(spec)


def test_a_fault_for_an_exchange_without_recordings_is_rejected() -> None:
    with pytest.raises(FaultSpecError, match="bitmex"):
        app_for(faults="bitmex:*=503")


async def test_faults_can_be_set_and_cleared_at_run_time() -> None:
    async with asgi_client(app_for()) as client:
        added = await client.post(
            "/_replay/faults", json={"exchange": "binance", "route": "*", "kind": "503", "count": 2}
        )
        statuses = [(await client.get(TICKER, params=BTC)).status_code for _ in range(3)]
        await client.post("/_replay/faults", json={"exchange": "binance", "kind": "502", "probability": 1})
        await client.post("/_replay/faults", json={"spec": "kraken:/0/public/Ticker=429"})
        during = (await client.get(TICKER, params=BTC)).status_code
        kraken = await client.get("/kraken/0/public/Ticker", params={"pair": "XBTUSDT"})
        cleared = await client.delete("/_replay/faults")
        after = (await client.get(TICKER, params=BTC)).status_code
    assert added.status_code == 200
    assert added.json()["faults"][0]["count"] == 2
    assert statuses == [503, 503, 200]
    assert during == 502
    assert kraken.status_code == 429
    assert cleared.json() == {"faults": []}
    assert after == 200


@pytest.mark.parametrize(
    "payload",
    [
        {"exchange": "binance", "kind": "nope"},
        {"exchange": "binance", "kind": "503", "count": 0},
        {"exchange": "binance", "kind": "503", "count": 1, "probability": 0.5},
        {"kind": "503"},
        {"exchange": "bitmex", "kind": "503"},
        ["not", "an", "object"],
    ],
)
async def test_bad_runtime_faults_are_400(payload: Any) -> None:
    async with asgi_client(app_for()) as client:
        response = await client.post("/_replay/faults", json=payload)
        rules = (await client.get("/_replay/faults")).json()["faults"]
    assert response.status_code == 400
    assert response.json()["error"]
    assert rules == []


# --- rate limit -----------------------------------------------------------------------------------------


def small_budget(tmp_path: Path, weight: int) -> Path:
    """The binance fixture with a budget small enough to exhaust in a test."""
    recording = json.loads((FIXTURES / "binance.json").read_text())
    recording["rate_limit"] = {"weight": weight, "per_seconds": 60}
    (tmp_path / "binance.json").write_text(json.dumps(recording))
    return tmp_path


async def test_past_the_budget_the_server_answers_429_with_retry_after(tmp_path: Path) -> None:
    app = build_replay_app(small_budget(tmp_path, 5))  # the ticker route weighs 2
    async with asgi_client(app) as client:
        answers = [await client.get(TICKER, params=BTC) for _ in range(3)]
        stats = (await client.get("/_replay/stats")).json()
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1].headers["x-replay-used-weight"] == "4"
    assert 1 <= int(answers[2].headers["retry-after"]) <= 60
    assert answers[2].json() == BINANCE_ERROR
    route = stats["binance"]["GET /api/v3/ticker/24hr"]
    assert route == {"count": 3, "200": 2, "429": 1, "rate_limited": 1}
    assert stats["rate_limited"] == 1


async def test_the_budget_can_be_switched_off(tmp_path: Path) -> None:
    app = build_replay_app(small_budget(tmp_path, 5), enforce_rate_limit=False)
    async with asgi_client(app) as client:
        statuses = [(await client.get(TICKER, params=BTC)).status_code for _ in range(5)]
    assert statuses == [200] * 5


async def test_fault_429s_are_not_counted_as_rate_limited() -> None:
    async with asgi_client(app_for(faults="binance:*=429#1")) as client:
        await client.get(TICKER, params=BTC)
        stats = (await client.get("/_replay/stats")).json()
    assert stats["binance"]["GET /api/v3/ticker/24hr"] == {"count": 1, "429": 1, "fault": 1}
    assert stats["rate_limited"] == 0


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_fixed_window_resets_on_the_window_boundary() -> None:
    clock = FakeClock(120.0)
    limit = WindowLimit(10, 60, "fixed", clock=clock)
    assert limit.admit(6) is None
    assert limit.admit(4) is None
    clock.now = 150.0
    assert limit.admit(1) == pytest.approx(30.0)  # the window started at 120 and ends at 180
    clock.now = 180.0
    assert limit.admit(10) is None
    assert limit.used() == 10


def test_sliding_window_frees_weight_as_it_ages() -> None:
    clock = FakeClock(0.0)
    limit = WindowLimit(10, 60, "sliding", clock=clock)
    assert limit.admit(6) is None
    clock.now = 30.0
    assert limit.admit(4) is None
    clock.now = 45.0
    assert limit.admit(3) == pytest.approx(15.0)  # the weight 6 spent at t=0 leaves at t=60
    clock.now = 60.0
    assert limit.admit(3) is None
    assert limit.used() == 7
    limit.reset()
    assert limit.used() == 0


# --- stats and reset ------------------------------------------------------------------------------------


async def test_stats_count_per_exchange_route_and_status() -> None:
    app = app_for(faults="binance:/api/v3/depth=reset#1")
    async with httpx.AsyncClient(transport=replay_transport(app), base_url="http://replay") as client:
        await client.get(TICKER, params=BTC)
        await client.get(TICKER, params={"symbol": "ETHUSDT"})
        await client.get("/binance/api/v3/nothing")
        await client.get("/kraken/0/public/Trades", params={"pair": "XBTUSDT"})
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/binance/api/v3/depth", params=BTC)
        stats = (await client.get("/_replay/stats")).json()
    assert stats == {
        "binance": {
            "GET /api/v3/ticker/24hr": {"count": 2, "200": 2},
            "GET /api/v3/nothing": {"count": 1, "404": 1},
            "GET /api/v3/depth": {"count": 1, "fault": 1, "reset": 1},
        },
        "kraken": {"GET /0/public/Trades": {"count": 1, "200": 1}},
        "total": 5,
        "rate_limited": 0,
    }


async def test_reset_clears_stats_rate_windows_and_faults(tmp_path: Path) -> None:
    app = build_replay_app(small_budget(tmp_path, 5), faults="binance:/api/v3/depth=503")
    async with asgi_client(app) as client:
        answers = [(await client.get(TICKER, params=BTC)).status_code for _ in range(3)]
        faulty = await client.get("/binance/api/v3/depth", params=BTC)
        reset = await client.post("/_replay/reset")
        stats = (await client.get("/_replay/stats")).json()
        depth = await client.get("/binance/api/v3/depth", params=BTC)  # weight 5: the whole budget again
    assert answers == [200, 200, 429]
    assert faulty.status_code == 503
    assert reset.json() == {"ok": True}
    assert stats == {"total": 0, "rate_limited": 0}
    assert depth.status_code == 200


# --- what the gateway's transport makes of the faults -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error", "retry_after"),
    [
        ("reset", ExchangeUnavailable, None),
        ("hang", Timeout, None),
        ("503", ExchangeUnavailable, None),
        ("html", ExchangeUnavailable, None),
        ("429", RateLimited, 1.0),
    ],
)
async def test_venue_client_maps_each_fault(
    kind: str, error: type[GatewayError], retry_after: float | None
) -> None:
    app = app_for(faults=f"binance:*={kind}")
    client = VenueClient(
        "binance",
        build_http_client(replay_transport(app)),
        errors=ErrorTable("binance"),
        limiter=TokenBucket("binance", RateLimit(100, 1)),
        timeout_s=0.2,
        upstream="http://replay/binance",
        retry=RetryPolicy(attempts=1),
    )
    async with client.http:
        with pytest.raises(error) as raised:
            await client.get("https://api.binance.com/api/v3/ticker/24hr", BTC)
    assert type(raised.value) is error
    assert raised.value.exchange == "binance"
    if retry_after is not None:
        assert isinstance(raised.value, RateLimited)
        assert raised.value.retry_after == retry_after


def test_main_replay_rejects_a_bad_fault_spec(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main_replay(["--faults", "binance:*=teapot", "--recordings", str(FIXTURES)])
    assert exited.value.code == 2
    assert "teapot" in capsys.readouterr().err
