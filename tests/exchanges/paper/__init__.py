"""Tests of the built-in paper exchange. `ManualClock` is the injected clock the tests advance by hand."""

from __future__ import annotations

# 2024-06-10T06:13:20Z, mid-day, mid-hour: windows cross day and hour boundaries.
T0 = 1_718_000_000_000


class ManualClock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)
