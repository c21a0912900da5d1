"""Gate adapter tests. Recorded bodies live in tests/fixtures/gate (see its PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gate"


def recorded(name: str) -> bytes:
    """A recorded body, as the venue's bytes."""
    return (FIXTURES / name).read_bytes()
