"""Fault rules and the venue-like rate limit of the replay server (transport/replay.py).

A fault rule says what goes wrong, where (exchange and route, each possibly `*`) and how often: on every
request, with a probability, or on the next n requests. Rules come from the `--faults` spec grammar
(`binance:/api/v3/ticker/24hr=429@0.5;kraken:*=hang#3`) or from the control API's JSON.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    TOO_MANY_REQUESTS = "429"  # the venue's error body, Retry-After
    BANNED = "418"  # binance's "IP banned" answer after ignored 429s, Retry-After
    INTERNAL_ERROR = "500"
    BAD_GATEWAY = "502"
    UNAVAILABLE = "503"
    GATEWAY_TIMEOUT = "504"
    HANG = "hang"  # no answer for far longer than any client timeout
    RESET = "reset"  # headers, half a body, then the connection is dropped
    MALFORMED = "malformed"  # HTTP 200 with a body that is not JSON
    TRUNCATED = "truncated"  # HTTP 200 with the recorded body cut in half (complete HTTP message)
    HTML = "html"  # HTTP 502 with a CDN-style HTML error page
    VENUE_ERROR = "venue_error"  # the venue's error body with HTTP 200, as some venues answer


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood; the message names the offending part."""


@dataclass(slots=True)
class FaultRule:
    exchange: str  # exchange id, or "*"
    route: str  # request path as on the real venue (/api/v3/ticker/24hr), or "*"
    kind: FaultKind
    probability: float | None = None  # fire with this probability (None: always, or by count)
    count: int | None = None  # fire on this many more requests, then the rule is spent
    retry_after: float = 1.0  # Retry-After of 429/418 answers, in seconds

    def describe(self) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "route": self.route,
            "kind": self.kind.value,
            "probability": self.probability,
            "count": self.count,
            "retry_after": self.retry_after,
        }


def _kind(text: str, where: str) -> FaultKind:
    try:
        return FaultKind(text.strip())
    except ValueError:
        known = ", ".join(k.value for k in FaultKind)
        raise FaultSpecError(f"{where}: unknown fault kind {text!r} (known: {known})") from None


def parse_fault_spec(spec: str) -> list[FaultRule]:
    """Rules from `EXCHANGE:ROUTE=KIND[@PROBABILITY|#COUNT]`, separated by `;`."""
    rules: list[FaultRule] = []
    for part in (p.strip() for p in spec.split(";")):
        if not part:
            continue
        target, eq, action = part.rpartition("=")
        exchange, colon, route = target.partition(":")
        if not eq or not colon or not exchange.strip() or not route.strip():
            raise FaultSpecError(f"fault {part!r}: expected EXCHANGE:ROUTE=KIND[@P|#N]")
        probability: float | None = None
        count: int | None = None
        if "@" in action:
            action, _, raw = action.partition("@")
            probability = _probability(raw, part)
        elif "#" in action:
            action, _, raw = action.partition("#")
            count = _count(raw, part)
        rules.append(FaultRule(exchange.strip(), route.strip(), _kind(action, part), probability, count))
    return rules


def fault_from_json(data: Mapping[str, Any]) -> FaultRule:
    """A rule from the control API: exchange, route (default "*"), kind, count or probability, retry_after."""
    exchange = data.get("exchange")
    if not isinstance(exchange, str) or not exchange:
        raise FaultSpecError("fault: 'exchange' must be an exchange id or '*'")
    route = data.get("route", "*")
    if not isinstance(route, str) or not route:
        raise FaultSpecError("fault: 'route' must be a path or '*'")
    kind = data.get("kind")
    if not isinstance(kind, str | int):
        raise FaultSpecError("fault: 'kind' is required")
    probability = data.get("probability")
    count = data.get("count")
    if probability is not None and count is not None:
        raise FaultSpecError("fault: give 'probability' or 'count', not both")
    retry_after = data.get("retry_after", 1.0)
    if not isinstance(retry_after, int | float) or isinstance(retry_after, bool) or retry_after < 0:
        raise FaultSpecError("fault: 'retry_after' must be a non-negative number of seconds")
    return FaultRule(
        exchange,
        route,
        _kind(str(kind), "fault"),
        _probability(probability, "fault") if probability is not None else None,
        _count(count, "fault") if count is not None else None,
        float(retry_after),
    )


def _probability(raw: Any, where: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise FaultSpecError(f"{where}: probability must be a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise FaultSpecError(f"{where}: probability must be between 0 and 1, got {value}")
    return value


def _count(raw: Any, where: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise FaultSpecError(f"{where}: count must be a positive integer") from None
    if value < 1 or isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise FaultSpecError(f"{where}: count must be a positive integer, got {raw!r}")
    return value


@dataclass(slots=True)
class FaultBoard:
    """The active rules. The most specific rule is asked first (exact route, then exact exchange);
    among equally specific rules the newest first, so a runtime rule overrides a start-up one."""

    rules: list[FaultRule] = field(default_factory=list)

    def add(self, rules: list[FaultRule]) -> None:
        self.rules.extend(rules)

    def clear(self, exchange: str | None = None) -> None:
        self.rules = [] if exchange is None else [r for r in self.rules if r.exchange != exchange]

    def pick(self, exchange: str, path: str, rng: random.Random) -> FaultRule | None:
        """The fault for this request, if any; a count rule is spent by firing."""
        candidates = [
            (index, rule)
            for index, rule in enumerate(self.rules)
            if rule.exchange in (exchange, "*") and rule.route in (path, "*")
        ]
        candidates.sort(
            key=lambda item: (item[1].route != "*", item[1].exchange != "*", item[0]), reverse=True
        )
        for _, rule in candidates:
            if rule.probability is not None and rng.random() >= rule.probability:
                continue
            if rule.count is not None:
                rule.count -= 1
                if rule.count <= 0:
                    self.rules.remove(rule)
            return rule
        return None


class WindowLimit:
    """A venue-like request-weight budget: `weight` per `per_seconds`, in fixed or sliding windows.

    Fixed windows start at multiples of `per_seconds` (binance resets its minute counter on the minute);
    a sliding window counts the weight of the last `per_seconds`. Rejected requests use no weight.
    """

    def __init__(
        self,
        weight: float,
        per_seconds: float,
        window: str = "fixed",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window not in ("fixed", "sliding"):
            raise ValueError(f"rate limit window must be 'fixed' or 'sliding', got {window!r}")
        self.weight = weight
        self.per_seconds = per_seconds
        self.sliding = window == "sliding"
        self._clock = clock
        self._window_start = 0.0
        self._used = 0.0
        self._recent: deque[tuple[float, float]] = deque()
        self._recent_total = 0.0  # the weight in _recent, kept as a running sum

    def used(self) -> float:
        now = self._clock()
        if self.sliding:
            self._expire(now)
            return self._recent_total
        self._roll(now)
        return self._used

    def admit(self, weight: float) -> float | None:
        """None when the request fits the budget (its weight is counted), else seconds to wait."""
        now = self._clock()
        if self.sliding:
            self._expire(now)
            used = self._recent_total
            if used + weight <= self.weight:
                self._recent.append((now, weight))
                self._recent_total += weight
                return None
            # Wait until enough of the oldest weight has left the window.
            freed = used
            for stamp, spent in self._recent:
                freed -= spent
                if freed + weight <= self.weight:
                    return max(0.0, stamp + self.per_seconds - now)
            return self.per_seconds
        self._roll(now)
        if self._used + weight <= self.weight:
            self._used += weight
            return None
        return max(0.0, self._window_start + self.per_seconds - now)

    def reset(self) -> None:
        self._used = 0.0
        self._window_start = 0.0
        self._recent.clear()
        self._recent_total = 0.0

    def _roll(self, now: float) -> None:
        start = math.floor(now / self.per_seconds) * self.per_seconds
        if start != self._window_start:
            self._window_start = start
            self._used = 0.0

    def _expire(self, now: float) -> None:
        while self._recent and self._recent[0][0] <= now - self.per_seconds:
            self._recent_total -= self._recent.popleft()[1]
