"""Bitfinex (API v2) adapter tests. Recorded bodies: tests/fixtures/bitfinex (see PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bitfinex"


def recorded(name: str) -> bytes:
    """A recorded body, as the venue's bytes."""
    return (FIXTURES / name).read_bytes()
