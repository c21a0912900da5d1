"""Coinbase Exchange adapter tests. Recorded bodies: tests/fixtures/coinbaseexchange (see PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "coinbaseexchange"


def recorded(name: str) -> bytes:
    """A recorded body, as the venue's bytes."""
    return (FIXTURES / name).read_bytes()
