"""The recorded-upstream replay server: native venues answered from recordings, with faults on demand.

Each exchange's recordings (data/replay/<id>.json, format in notes/replay-format.md) are served under the
path prefix /<id>, so the gateway reaches them with EXCHANGEQL_UPSTREAM_BINANCE=http://127.0.0.1:9000/binance.
The server adds what a real venue does to a client: latency, a request-weight budget answered with 429 and
Retry-After, and injected failures (see replay_faults.py). Control API under /_replay:

  GET    /_replay/stats    requests per exchange and "METHOD path", per answered status, limiter 429s apart
  POST   /_replay/reset    clears stats, rate windows and faults
  GET    /_replay/faults   the active fault rules
  POST   /_replay/faults   adds a rule: {"exchange", "route", "kind", "count" | "probability"},
                           or rules in the --faults grammar: {"spec": "binance:*=503#2"}
  DELETE /_replay/faults   clears the rules (?exchange=<id> for one exchange)
  POST   /_replay/config   {"latency_ms", "jitter_ms", "enforce_rate_limit"}: change them at run time
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx
import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .replay_faults import (
    FaultBoard,
    FaultKind,
    FaultRule,
    FaultSpecError,
    WindowLimit,
    fault_from_json,
    parse_fault_spec,
)

# A recorded query value; None means the parameter must be absent (e.g. "all tickers" = no symbol).
QueryValue = str | int | float | bool | None


class RecordedRateLimit(msgspec.Struct, frozen=True):
    weight: float
    per_seconds: float
    window: Literal["fixed", "sliding"] = "fixed"


class RecordedRoute(msgspec.Struct, frozen=True):
    method: str
    path: str
    body: msgspec.Raw  # kept verbatim: the bytes are what the venue sent
    fetch: str | None = None
    query: dict[str, QueryValue] = {}
    weight: float = 1
    status: int = 200
    provenance: str = ""


_NOT_RECORDED = msgspec.Raw(b'{"error": "not recorded"}')


class Recording(msgspec.Struct, frozen=True):
    exchange: str
    routes: list[RecordedRoute]
    error_body: msgspec.Raw  # the venue's rate-limit / error shape (429s, venue_error faults)
    not_found_body: msgspec.Raw = _NOT_RECORDED  # the venue's answer to an unknown symbol/route (404)
    origin: str | None = None
    rate_limit: RecordedRateLimit | None = None


def _query_text(value: QueryValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def match_route(
    routes: Sequence[RecordedRoute], method: str, path: str, query: Mapping[str, str]
) -> RecordedRoute | None:
    """The route for a request: same method and path, every recorded query key equal; most keys wins."""
    best: RecordedRoute | None = None
    for route in routes:
        if route.method != method or route.path != path:
            continue
        if any(
            (key in query) if value is None else query.get(key) != _query_text(value)
            for key, value in route.query.items()
        ):
            continue
        if best is None or len(route.query) > len(best.query):
            best = route
    return best


def _compact(raw: msgspec.Raw) -> msgspec.Raw:
    # Venues send compact JSON; reformatting keeps every token (numbers included) exactly as recorded.
    return msgspec.Raw(msgspec.json.format(bytes(raw), indent=-1))


def default_recordings_dir() -> Traversable:
    return files("exchangeql") / "data" / "replay"


def load_recordings(directory: Path | Traversable | None = None) -> dict[str, Recording]:
    """Every <exchange>.json of `directory` (the bundled recordings by default), by exchange id."""
    root = default_recordings_dir() if directory is None else directory
    recordings: dict[str, Recording] = {}
    if not root.is_dir():
        return recordings
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            recording = msgspec.json.decode(entry.read_bytes(), type=Recording)
            routes = [msgspec.structs.replace(route, body=_compact(route.body)) for route in recording.routes]
            recordings[recording.exchange] = msgspec.structs.replace(
                recording,
                routes=routes,
                error_body=_compact(recording.error_body),
                not_found_body=_compact(recording.not_found_body),
            )
    return recordings


@dataclass(slots=True)
class ReplayStats:
    by_exchange: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    total: int = 0
    rate_limited: int = 0

    def arrived(self, exchange: str, key: str) -> Counter[str]:
        counter = self.by_exchange.setdefault(exchange, {}).setdefault(key, Counter())
        counter["count"] += 1
        self.total += 1
        return counter

    def snapshot(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            exchange: {key: dict(counter) for key, counter in routes.items()}
            for exchange, routes in self.by_exchange.items()
        }
        out["total"] = self.total
        out["rate_limited"] = self.rate_limited
        return out


@dataclass(slots=True)
class ReplayState:
    recordings: dict[str, Recording]
    limits: dict[str, WindowLimit]
    faults: FaultBoard
    rng: random.Random
    latency_s: float = 0.0
    jitter_s: float = 0.0
    enforce_rate_limit: bool = True
    hang_s: float = 60.0
    stats: ReplayStats = field(default_factory=ReplayStats)

    def reset(self) -> None:
        self.stats = ReplayStats()
        self.faults.clear()
        for limit in self.limits.values():
            limit.reset()

    def check_exchange(self, rule: FaultRule) -> None:
        if rule.exchange != "*" and rule.exchange not in self.recordings:
            known = ", ".join(sorted(self.recordings)) or "none"
            raise FaultSpecError(f"fault: no recordings for exchange {rule.exchange!r} (loaded: {known})")


_HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><center><h1>502 Bad Gateway</h1></center>\n<hr><center>cloudflare</center>\n</body></html>\n"
)
_MALFORMED = b"{'status': ok, \"price\": 1.0.0,]"  # not JSON in any reading
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_JSON = "application/json"


async def _answer(
    send: Send, status: int, body: bytes, content_type: str = _JSON, headers: Mapping[str, str] | None = None
) -> None:
    raw_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class _ExchangeEndpoint:
    """The raw ASGI endpoint for /<exchange>/<venue path>: raw so that it can drop or stall a connection."""

    def __init__(self, state: ReplayState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        exchange = scope["path_params"]["exchange"]
        recording = state.recordings.get(exchange)
        if recording is None:
            body = json.dumps({"error": f"no recordings for exchange {exchange!r}"}).encode()
            await _answer(send, 404, body)
            return
        method: str = scope["method"]
        path = "/" + scope["path_params"]["path"]
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        counter = state.stats.arrived(exchange, f"{method} {path}")
        delay = state.latency_s + (state.rng.uniform(0.0, state.jitter_s) if state.jitter_s > 0 else 0.0)
        if delay > 0:
            await asyncio.sleep(delay)
        route = match_route(recording.routes, method, path, query)
        status, body = (
            (route.status, bytes(route.body)) if route is not None else (404, bytes(recording.not_found_body))
        )
        fault = state.faults.pick(exchange, path, state.rng)
        if fault is not None:
            counter["fault"] += 1
            await self._fault(fault, recording, body, counter, receive, send)
            return
        limit = state.limits.get(exchange)
        if state.enforce_rate_limit and limit is not None:
            wait = limit.admit(route.weight if route is not None else 1.0)
            if wait is not None:
                counter["429"] += 1
                counter["rate_limited"] += 1
                state.stats.rate_limited += 1
                retry_after = str(max(1, math.ceil(wait)))
                await _answer(send, 429, bytes(recording.error_body), headers={"Retry-After": retry_after})
                return
        counter[str(status)] += 1
        used = {"X-Replay-Used-Weight": f"{limit.used():g}"} if limit is not None else None
        await _answer(send, status, body, headers=used)

    async def _fault(
        self,
        fault: FaultRule,
        recording: Recording,
        body: bytes,
        counter: Counter[str],
        receive: Receive,
        send: Send,
    ) -> None:
        kind = fault.kind
        counter[kind.value] += 1  # the status for status faults ("503"), else the kind ("reset")
        if kind in (FaultKind.TOO_MANY_REQUESTS, FaultKind.BANNED):
            retry_after = f"{fault.retry_after:g}"
            await _answer(
                send, int(kind.value), bytes(recording.error_body), headers={"Retry-After": retry_after}
            )
        elif kind.value.isdigit():
            status = int(kind.value)
            await _answer(send, status, f"{status} {_REASONS[status]}".encode(), "text/plain; charset=utf-8")
        elif kind is FaultKind.HANG:
            await self._hang(receive, send)
        elif kind is FaultKind.RESET:
            # Promise the whole body, send half, and end the call: the server then drops the connection
            # and the client sees a transport error, never an HTTP status it could parse.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", _JSON.encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        elif kind is FaultKind.MALFORMED:
            await _answer(send, 200, _MALFORMED)
        elif kind is FaultKind.TRUNCATED:
            await _answer(send, 200, body[: len(body) // 2])
        elif kind is FaultKind.HTML:
            await _answer(send, 502, _HTML_PAGE, "text/html; charset=utf-8")
        else:  # VENUE_ERROR
            await _answer(send, 200, bytes(recording.error_body))

    async def _hang(self, receive: Receive, send: Send) -> None:
        # Stall, but give up as soon as the client goes away, so the server can stop promptly.
        sleeper = asyncio.ensure_future(asyncio.sleep(self.state.hang_s))
        watcher = asyncio.ensure_future(_until_disconnect(receive))
        try:
            await asyncio.wait({sleeper, watcher}, return_when=asyncio.FIRST_COMPLETED)
            disconnected = watcher.done()
        finally:
            sleeper.cancel()
            watcher.cancel()
        if not disconnected:
            await _answer(send, 504, b"504 Gateway Timeout", "text/plain; charset=utf-8")


def build_replay_app(
    recordings_dir: Path | None = None,
    *,
    latency_ms: float = 0,
    jitter_ms: float = 0,
    faults: str | None = None,
    enforce_rate_limit: bool = True,
    seed: int | None = None,
    hang_s: float = 60.0,
) -> Starlette:
    """The replay server as an ASGI app (serve it with uvicorn, or in process with `replay_transport`)."""
    recordings = load_recordings(recordings_dir)
    limits = {
        exchange: WindowLimit(rec.rate_limit.weight, rec.rate_limit.per_seconds, rec.rate_limit.window)
        for exchange, rec in recordings.items()
        if rec.rate_limit is not None
    }
    state = ReplayState(
        recordings,
        limits,
        FaultBoard(),
        random.Random(seed),
        latency_s=latency_ms / 1000,
        jitter_s=jitter_ms / 1000,
        enforce_rate_limit=enforce_rate_limit,
        hang_s=hang_s,
    )
    if faults:
        rules = parse_fault_spec(faults)
        for rule in rules:
            state.check_exchange(rule)
        state.faults.add(rules)

    async def stats(request: Request) -> Response:
        return JSONResponse(state.stats.snapshot())

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    async def fault_rules(request: Request) -> Response:
        if request.method == "DELETE":
            state.faults.clear(request.query_params.get("exchange"))
        elif request.method == "POST":
            try:
                data = await request.json()
                if not isinstance(data, dict):
                    raise FaultSpecError("fault: expected a JSON object")
                spec = data.get("spec")
                rules = parse_fault_spec(spec) if isinstance(spec, str) else [fault_from_json(data)]
                for rule in rules:
                    state.check_exchange(rule)
            except (FaultSpecError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            state.faults.add(rules)
        return JSONResponse({"faults": [rule.describe() for rule in state.faults.rules]})

    async def config(request: Request) -> Response:
        data = await request.json()
        if not isinstance(data, dict):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        if "latency_ms" in data:
            state.latency_s = max(0.0, float(data["latency_ms"])) / 1000
        if "jitter_ms" in data:
            state.jitter_s = max(0.0, float(data["jitter_ms"])) / 1000
        if "enforce_rate_limit" in data:
            state.enforce_rate_limit = bool(data["enforce_rate_limit"])
        return JSONResponse(
            {
                "latency_ms": state.latency_s * 1000,
                "jitter_ms": state.jitter_s * 1000,
                "enforce_rate_limit": state.enforce_rate_limit,
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"exchanges": {eid: len(rec.routes) for eid, rec in recordings.items()}})

    app = Starlette(
        routes=[
            Route("/_replay/stats", stats, methods=["GET"]),
            Route("/_replay/reset", reset, methods=["POST"]),
            Route("/_replay/faults", fault_rules, methods=["GET", "POST", "DELETE"]),
            Route("/_replay/config", config, methods=["POST"]),
            Route("/_replay/health", health, methods=["GET"]),
            Route("/{exchange}/{path:path}", _ExchangeEndpoint(state)),
        ]
    )
    app.state.replay = state
    return app


def _end_dropped_bodies(app: ASGIApp) -> ASGIApp:
    """In process there is no connection to drop: end a body the app left open, so the client sees a
    message shorter than its Content-Length, as it would over a socket."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        open_body = False

        async def tracking_send(message: Message) -> None:
            nonlocal open_body
            if message["type"] == "http.response.start":
                open_body = True
            elif message["type"] == "http.response.body":
                open_body = bool(message.get("more_body", False))
            await send(message)

        await app(scope, receive, tracking_send)
        if open_body:
            await send({"type": "http.response.body", "body": b""})

    return wrapped


class ReplayTransport(httpx.AsyncBaseTransport):
    """The replay app in process, behaving like a connection to it: the request's read timeout applies
    (so `hang` times out) and an answer shorter than its Content-Length is a transport error (`reset`)."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=_end_dropped_bodies(app))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            async with asyncio.timeout(timeout):
                response = await self._inner.handle_async_request(request)
                body = await response.aread()
        except TimeoutError:
            raise httpx.ReadTimeout("no answer from the replay server in time", request=request) from None
        expected = response.headers.get("content-length")
        if expected is not None and int(expected) != len(body):
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            )
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)


def replay_transport(app: ASGIApp) -> httpx.AsyncBaseTransport:
    """An httpx transport that serves requests from `app` in process (the offline demo: no port)."""
    return ReplayTransport(app)


def main_replay(argv: list[str]) -> int:
    """`exchangeql replay`: serve the recordings on a local port."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="exchangeql replay", description="Serve recorded venue answers.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument(
        "--faults", default=None, help="e.g. 'binance:/api/v3/ticker/24hr=429@0.5;kraken:*=hang#3'"
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="do not enforce the venues' budgets")
    parser.add_argument(
        "--recordings", type=Path, default=None, help="a directory of <exchange>.json recordings"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for fault probabilities and jitter")
    args = parser.parse_args(argv)
    try:
        app = build_replay_app(
            args.recordings,
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            faults=args.faults,
            enforce_rate_limit=not args.no_rate_limit,
            seed=args.seed,
        )
    except (FaultSpecError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        parser.error(str(exc))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
