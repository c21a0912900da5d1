"""The explicit registry of engine-backed exchanges: {exchange_id: AdapterSpec}, plus seed aliases.

Adding a native venue means importing its SPEC here; nothing is discovered at run time.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import AdapterSpec
from .binance.adapter import SPEC as BINANCE
from .paper.adapter import SPEC as PAPER

NATIVE_SPECS: Mapping[str, AdapterSpec] = {spec.id: spec for spec in (PAPER, BINANCE)}
