"""Wall-clock and request-deadline helpers (the only place that reads the clock for the gateway)."""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import UTC, datetime

# Absolute deadline (time.monotonic()) of the GraphQL request being served, if any.
_deadline: ContextVar[float | None] = ContextVar("exchangeql_deadline", default=None)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso8601(timestamp_ms: int | None) -> str | None:
    """ISO 8601 UTC with milliseconds, the format ccxt users know: 2024-03-13T11:10:45.391Z."""
    if timestamp_ms is None:
        return None
    dt = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{timestamp_ms % 1000:03d}Z"


def set_deadline(seconds_from_now: float) -> None:
    _deadline.set(time.monotonic() + seconds_from_now)


def remaining(default: float) -> float:
    """Seconds left before the current request's deadline, or `default` outside a request."""
    deadline = _deadline.get()
    if deadline is None:
        return default
    return max(0.0, deadline - time.monotonic())
