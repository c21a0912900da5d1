"""build_app(settings) -> Starlette. The lifespan owns the HTTP clients, the cache and the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from .cache import OperationCache, track_freshness
from .cache_redis import SharedState, build_shared_state
from .clock import now_ms, set_deadline
from .errors import ErrorCode, GatewayError
from .gateway import Gateway, TransportFor, _network, build_gateway
from .resolvers.context import Context
from .schema.root import build_schema
from .settings import Settings
from .trading.auth import RequestAuth
from .trading.runtime import Trading, open_trading

log = logging.getLogger("exchangeql")

_SUGGESTION = re.compile(r" Did you mean .*\?$")


def error_body(message: str, code: ErrorCode, **extensions: Any) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]}


def format_error(error: GraphQLError, request_id: str, debug: bool) -> dict[str, Any]:
    """One GraphQL error as sent to clients: typed errors stay visible, anything unexpected is masked."""
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = error.path
    original = error.original_error
    if original is None:  # syntax, validation or variable coercion: the client's query is at fault
        if not debug:
            out["message"] = _SUGGESTION.sub("", error.message)
        out["extensions"] = {"code": ErrorCode.BAD_REQUEST.value}
        return out
    exchange = original.exchange if isinstance(original, GatewayError) else None
    if isinstance(original, GatewayError) and original.code is not ErrorCode.INTERNAL:
        out["message"] = str(original.message)
        out["extensions"] = {"code": original.code.value, "exchange": exchange}
        return out
    cause = original.__cause__ if isinstance(original, GatewayError) and original.__cause__ else original
    log.error(
        "internal error request_id=%s exchange=%s path=%s", request_id, exchange, error.path, exc_info=cause
    )
    out["message"] = f"internal error (request id {request_id})"
    out["extensions"] = {"code": ErrorCode.INTERNAL.value, "exchange": exchange, "requestId": request_id}
    return out


# Responses that must not be replayed from the operation cache: side effects, per-caller data, and
# ages (an age frozen in a cached response would be wrong a moment later).
_NOT_REPLAYABLE = (b"mutation", b"subscription", b"ageMs", b"account")

# The longest an identical anonymous query is answered from the operation cache, even when all the
# data it read stays fresh for longer.
OPERATION_CACHE_MAX_MS = 1000


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(build_schema(settings), **kwargs)
        self.settings = settings
        self.operations = OperationCache()
        self._inflight: dict[bytes, asyncio.Future[bytes | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        key = await self._replay_key(request)
        if key is not None and (cached := self.operations.get(key, now_ms())) is not None:
            hit = Response(cached, media_type="application/json", headers={"x-exchangeql-cache": "hit"})
            await hit(scope, receive, send)
            return
        # Identical anonymous queries in flight together execute once; the others take the leader's answer.
        leader = None
        if key is not None:
            pending = self._inflight.get(key)
            if pending is not None:
                shared = await asyncio.shield(pending)
                if shared is not None:
                    hit = Response(
                        shared, media_type="application/json", headers={"x-exchangeql-cache": "shared"}
                    )
                    await hit(scope, receive, send)
                    return
            else:
                leader = asyncio.get_running_loop().create_future()
                self._inflight[key] = leader
        replay_body = None
        try:
            try:
                response = await self.run(request)
            except HTTPException as exc:  # malformed JSON, missing query, wrong method: typed, not plain text
                body = error_body(exc.reason, ErrorCode.BAD_REQUEST)
                response = JSONResponse(body, status_code=exc.status_code)
            if (
                key is not None
                and response.status_code == 200
                and getattr(request.state, "replayable", False)
            ):
                replay_body = bytes(response.body)
                fresh_until = min(request.state.freshness.until_ms, now_ms() + OPERATION_CACHE_MAX_MS)
                self.operations.put(key, replay_body, fresh_until)
        finally:
            if leader is not None and key is not None:
                del self._inflight[key]
                leader.set_result(replay_body)
        await response(scope, receive, send)

    async def _replay_key(self, request: Request) -> bytes | None:
        """The operation-cache key (the raw body) of an anonymous read-only POST, else None."""
        if request.method != "POST" or "authorization" in request.headers:
            return None
        body = await request.body()
        if any(word in body for word in _NOT_REPLAYABLE):
            return None
        return body

    async def get_context(self, request: Any, response: Any) -> Context:
        set_deadline(self.settings.request_deadline_ms / 1000)
        request.state.freshness = track_freshness()
        state = request.app.state
        context = Context(gateway=state.gateway, settings=self.settings, request_id=request.state.request_id)
        trading: Trading | None = getattr(state, "trading", None)
        if trading is not None:  # the bearer token is checked (and failures counted) on first use
            client = request.client.host if request.client is not None else None
            context.auth = RequestAuth.from_headers(trading.authenticator, request.headers, client)
            context.trading = trading.service
        request.state.context = context
        return context

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: dict[str, Any] = {"data": result.data}
        context: Context | None = getattr(request.state, "context", None)
        errors = [*(result.errors or ()), *(context.reported if context is not None else ())]
        request.state.replayable = not errors
        if errors:
            request_id = request.state.request_id
            response["errors"] = [format_error(e, request_id, self.settings.debug) for e in errors]
        return response  # type: ignore[return-value]

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


class RequestGuard:
    """Gives every request an id (X-Request-Id) and refuses bodies over the limit with a typed 413."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = error_body(f"request body over {self.max_body_bytes} bytes", ErrorCode.BAD_REQUEST)
        await JSONResponse(body, status_code=413)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def build_app(
    settings: Settings,
    *,
    transport_for: TransportFor | None = None,
    replay: bool | None = None,
) -> Starlette:
    """The ASGI app. `transport_for` plugs an httpx transport per exchange (tests, the offline demo)."""
    replay = settings.replay if replay is None else replay
    if transport_for is None:
        transport_for = _replay_transports() if replay else _network

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Mapping[str, Any]]:
        shared = build_shared_state(settings)
        gateway = build_gateway(
            settings, shared.cache, transport_for=transport_for, replay=replay, limiter_for=shared.limiter_for
        )
        app.state.shared = shared
        app.state.gateway = gateway
        try:
            # Journal migrated and unsettled orders reconciled before the first request is served.
            async with open_trading(settings, transport_for, limiter_for=shared.limiter_for) as trading:
                app.state.trading = trading
                # What start-up built (schema, catalogue, engines) lives as long as the process: out of the
                # collector's full passes, which otherwise stall every request for ~0.3 s under load.
                gc.collect()
                gc.freeze()
                app.state.ready = True
                log.info(
                    "exchangeql ready: %d exchanges, cache %s",
                    len(gateway.refs),
                    settings.cache_url.split(":")[0],
                )
                try:
                    yield {}
                finally:
                    app.state.ready = False
        finally:
            await gateway.close()
            await shared.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> Response:
        if not getattr(request.app.state, "ready", False):
            return JSONResponse({"status": "starting"}, status_code=503)
        shared: SharedState = request.app.state.shared
        healthy = await shared.check()  # degraded (HTTP 200): serving, but each instance alone
        return JSONResponse(
            {
                "status": "ready" if healthy else "degraded",
                "cacheDegraded": shared.cache_degraded,
                "rateLimitDegraded": shared.ratelimit_degraded,
            }
        )

    async def metrics(request: Request) -> Response:
        text = render_metrics(request.app.state.gateway, request.app.state.shared)
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    view = GraphQLView(settings, graphql_ide="graphiql", allow_queries_via_get=False)
    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    return app


def render_metrics(gateway: Gateway, shared: SharedState) -> str:
    """Prometheus text format: whether this instance serves alone, and its upstream calls per exchange."""
    lines = [
        "# HELP exchangeql_cache_degraded 1 while the shared cache (Redis) is unreachable.",
        "# TYPE exchangeql_cache_degraded gauge",
        f"exchangeql_cache_degraded {int(shared.cache_degraded)}",
        "# HELP exchangeql_ratelimit_degraded 1 while rate limits use this instance's share of each budget.",
        "# TYPE exchangeql_ratelimit_degraded gauge",
        f"exchangeql_ratelimit_degraded {int(shared.ratelimit_degraded)}",
        "# HELP exchangeql_redis_outages_total Times this instance lost Redis.",
        "# TYPE exchangeql_redis_outages_total counter",
        f"exchangeql_redis_outages_total {shared.link.outages if shared.link else 0}",
        "# HELP exchangeql_upstream_calls_total HTTP requests sent to each exchange.",
        "# TYPE exchangeql_upstream_calls_total counter",
    ]
    lines += [
        f'exchangeql_upstream_calls_total{{exchange="{service.id}"}} {service.client.calls}'
        for service in gateway.services
        if service.client is not None
    ]
    return "\n".join(lines) + "\n"


def _replay_transports() -> TransportFor:
    """The offline demo: exchanges with bundled recordings are answered in-process by the replay app;
    the others keep the network."""
    from .transport.replay import build_replay_app, load_recordings, replay_transport

    recorded = set(load_recordings())
    transport = replay_transport(build_replay_app(enforce_rate_limit=False))

    def for_exchange(exchange_id: str) -> httpx.AsyncBaseTransport | None:
        return transport if exchange_id in recorded else None

    return for_exchange
