"""Custom scalars. `Decimal` is strawberry's built-in (exact, serialized as a string)."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

# GraphQL Int is 32-bit; epoch milliseconds need 64 bits (JSON numbers are exact up to 2^53).
Long = NewType("Long", int)


def _parse_long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("Long must be an integer")
    return int(value)


SCALAR_MAP: dict[object, ScalarDefinition] = {
    Long: strawberry.scalar(
        name="Long",
        description="A 64-bit integer, e.g. a timestamp in milliseconds since the epoch.",
        serialize=int,
        parse_value=_parse_long,
    ),
}
