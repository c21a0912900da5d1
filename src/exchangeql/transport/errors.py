"""Mapping of HTTP statuses, httpx errors and venue error bodies into the gateway's error hierarchy.

Each venue declares one `ErrorTable` (in exchanges/<venue>/errors.py); the transport applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from ..errors import (
    AuthenticationFailed,
    BadRequest,
    ExchangeUnavailable,
    GatewayError,
    PermissionDenied,
    RateLimited,
    Timeout,
)

ErrorClass = type[GatewayError]
# Pulls (venue error code, venue message) out of an error body; None when the body is not a venue error.
BodyExtractor = Callable[[bytes], "tuple[str | None, str] | None"]

DEFAULT_STATUS_MAP: Mapping[int, ErrorClass] = {
    400: BadRequest,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: BadRequest,
    408: Timeout,
    418: RateLimited,  # binance: IP banned after ignoring 429s
    429: RateLimited,
}

_MAX_MESSAGE = 200


def _no_body_errors(body: bytes) -> tuple[str | None, str] | None:
    return None


@dataclass(frozen=True, slots=True)
class ErrorTable:
    """One venue's error vocabulary. Lookups go: venue code, then message fragment, then HTTP status."""

    exchange: str
    by_code: Mapping[str, ErrorClass] = field(default_factory=dict)
    by_message: Sequence[tuple[str, ErrorClass]] = ()
    by_status: Mapping[int, ErrorClass] = field(default_factory=lambda: dict(DEFAULT_STATUS_MAP))
    extract: BodyExtractor = _no_body_errors

    def from_response(self, status: int, body: bytes, retry_after: float | None = None) -> GatewayError:
        """The error for a non-2xx answer."""
        venue = self._safe_extract(body)
        cls: ErrorClass | None = None
        detail = f"HTTP {status}"
        if venue is not None:
            code, message = venue
            detail = f"HTTP {status}: {_clip(message)}" + (f" (code {code})" if code is not None else "")
            # 418/429 mean "slow down" whatever the body says; the venue code only refines other statuses.
            cls = RateLimited if status in (418, 429) else self._classify(code, message)
        if cls is None:
            cls = self.by_status.get(status) or (ExchangeUnavailable if status >= 500 else BadRequest)
        return self._make(cls, detail, retry_after)

    def from_body(self, body: bytes) -> GatewayError | None:
        """The error carried by a 2xx answer, for venues that report failures with HTTP 200."""
        venue = self._safe_extract(body)
        if venue is None:
            return None
        code, message = venue
        cls = self._classify(code, message) or ExchangeUnavailable
        return self._make(cls, _clip(message) + (f" (code {code})" if code is not None else ""), None)

    def _classify(self, code: str | None, message: str) -> ErrorClass | None:
        if code is not None and code in self.by_code:
            return self.by_code[code]
        lowered = message.lower()
        for fragment, cls in self.by_message:
            if fragment.lower() in lowered:
                return cls
        return None

    def _safe_extract(self, body: bytes) -> tuple[str | None, str] | None:
        try:
            return self.extract(body)
        except Exception:  # an error body that is not even the venue's error shape (HTML, truncated)
            return None

    def _make(self, cls: ErrorClass, detail: str, retry_after: float | None) -> GatewayError:
        if issubclass(cls, RateLimited):
            return cls(detail, exchange=self.exchange, retry_after=retry_after)
        return cls(detail, exchange=self.exchange)


def from_httpx(exchange: str, exc: httpx.HTTPError) -> GatewayError:
    """An httpx failure (no usable HTTP answer) as a gateway error. Never includes request headers."""
    if isinstance(exc, httpx.TimeoutException):
        return Timeout(f"no answer in time ({type(exc).__name__})", exchange=exchange)
    return ExchangeUnavailable(f"connection failed ({type(exc).__name__})", exchange=exchange)


def _clip(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (only the delta-seconds form; venues do not send HTTP dates)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
