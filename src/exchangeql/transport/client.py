"""`VenueClient`: one pooled httpx.AsyncClient per exchange, with rate limit, retries, deadline and errors.

Adapters call `get` (idempotent, retried) or `send` (never retried: order placement). Both return the raw
body bytes of a successful answer, so the venue's parser decodes it exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import certifi
import httpx

from ..clock import remaining
from ..errors import GatewayError, Timeout
from ..settings import ExchangeSettings, RateLimit
from .errors import ErrorTable, from_httpx, parse_retry_after
from .ratelimit import LimiterFor, RateLimiter, TokenBucket
from .retry import RetryPolicy

log = logging.getLogger(__name__)

Params = Mapping[str, str | int]

USER_AGENT = "exchangeql/0.1"


def rewrite_origin(url: str, origin: str | None) -> str:
    """Replace scheme and host of `url` with `origin` (EXCHANGEQL_UPSTREAM_<ID>), keeping path and query."""
    if origin is None:
        return url
    target = urlsplit(origin)
    parts = urlsplit(url)
    path = target.path.rstrip("/") + parts.path if target.path not in ("", "/") else parts.path
    return urlunsplit((target.scheme, target.netloc, path, parts.query, parts.fragment))


class VenueClient:
    def __init__(
        self,
        exchange: str,
        http: httpx.AsyncClient,
        *,
        errors: ErrorTable,
        limiter: RateLimiter,
        timeout_s: float = 10.0,
        upstream: str | None = None,
        retry: RetryPolicy | None = None,
        default_deadline_s: float = 10.0,
    ) -> None:
        self.exchange = exchange
        self.http = http
        self.errors = errors
        self.limiter = limiter
        self.timeout_s = timeout_s
        self.upstream = upstream
        self.retry = retry or RetryPolicy()
        self.default_deadline_s = default_deadline_s
        self.calls = 0  # upstream HTTP requests actually sent (metrics, tests)

    async def get(
        self,
        url: str,
        params: Params | None = None,
        *,
        weight: float = 1,
        headers: Mapping[str, str] | None = None,
        check_body: bool = False,
    ) -> bytes:
        """An idempotent GET: rate-limited, retried with jittered backoff within the request deadline."""
        attempt = 1
        while True:
            try:
                return await self._once("GET", url, params, None, headers, weight, check_body)
            except GatewayError as error:
                delay = self.retry.delay(attempt, error)
                left = remaining(self.default_deadline_s)
                # As for a slot (_once), a retry must leave time for the call, or RATE_LIMITED turns TIMEOUT.
                if delay is None or delay >= left - min(0.25, left / 4):
                    raise
                log.debug("retrying %s %s in %.3fs after %s", self.exchange, url, delay, error.code.value)
                await asyncio.sleep(delay)
                attempt += 1

    async def send(
        self,
        method: str,
        url: str,
        params: Params | None = None,
        *,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        weight: float = 1,
        check_body: bool = False,
    ) -> bytes:
        """A request with side effects (orders): sent at most once, never retried here."""
        return await self._once(method, url, params, content, headers, weight, check_body)

    async def _once(
        self,
        method: str,
        url: str,
        params: Params | None,
        content: bytes | str | None,
        headers: Mapping[str, str] | None,
        weight: float,
        check_body: bool,
    ) -> bytes:
        budget = remaining(self.default_deadline_s)
        if budget <= 0:
            raise Timeout("request deadline reached before the call", exchange=self.exchange)
        # Waiting for a slot must leave time for the call itself, or the caller gets TIMEOUT instead of
        # the truthful RATE_LIMITED.
        await self.limiter.acquire(weight, max_wait=budget - min(0.25, budget / 4))
        budget = remaining(self.default_deadline_s)
        timeout = max(0.001, min(self.timeout_s, budget))
        target = rewrite_origin(url, self.upstream)
        self.calls += 1
        try:
            response = await self.http.request(
                method, target, params=params, content=content, headers=headers, timeout=timeout
            )
            body = await response.aread()
        except httpx.HTTPError as exc:
            raise from_httpx(self.exchange, exc) from None
        if response.status_code >= 300:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if response.status_code in (418, 429):
                # Back off the whole exchange, not only this caller.
                self.limiter.pause(retry_after if retry_after is not None else 1.0)
            raise self.errors.from_response(response.status_code, body, retry_after)
        if check_body and (error := self.errors.from_body(body)) is not None:
            raise error
        return body


@cache
def _tls() -> ssl.SSLContext:
    # One verified TLS context for every venue client: building one per client costs ~1 MiB and
    # milliseconds each, for the same trust store.
    return ssl.create_default_context(cafile=certifi.where())


def build_http_client(
    transport: httpx.AsyncBaseTransport | None = None, max_connections: int = 64
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        verify=_tls(),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        follow_redirects=False,
    )


def build_venue_client(
    exchange: str,
    exchange_settings: ExchangeSettings,
    *,
    errors: ErrorTable,
    default_rate_limit: RateLimit,
    deadline_s: float,
    transport: httpx.AsyncBaseTransport | None = None,
    limiter_for: LimiterFor = TokenBucket,
) -> VenueClient:
    limit = exchange_settings.rate_limit or default_rate_limit
    return VenueClient(
        exchange,
        build_http_client(transport),
        errors=errors,
        limiter=limiter_for(exchange, limit),
        timeout_s=exchange_settings.timeout_s,
        upstream=exchange_settings.upstream,
        default_deadline_s=deadline_s,
    )
