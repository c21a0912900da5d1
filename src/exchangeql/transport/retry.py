"""Retries with jittered exponential backoff, for idempotent requests only (never order placement)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import ExchangeUnavailable, GatewayError, RateLimited, Timeout, UpstreamDecodeError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    base_delay_s: float = 0.05
    max_delay_s: float = 1.0

    def delay(self, attempt: int, error: GatewayError) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when `error` must not be retried."""
        if attempt >= self.attempts or not is_transient(error):
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after
        # "Full jitter": spreads retries of many callers instead of synchronising them.
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


def is_transient(error: GatewayError) -> bool:
    if isinstance(error, UpstreamDecodeError):
        return False
    return isinstance(error, ExchangeUnavailable | Timeout | RateLimited)
