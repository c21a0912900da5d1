"""Unified symbols: BASE/QUOTE for spot, BASE/QUOTE:SETTLE for swaps, BASE/QUOTE:SETTLE-YYMMDD for futures.

Conversion to and from venue ids is each venue's business (its parsing module); this module only
validates the unified form so that malformed input is rejected before any venue is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import BadSymbol

_SYMBOL = re.compile(
    r"^(?P<base>[A-Z0-9][A-Z0-9._-]{0,31})/(?P<quote>[A-Z0-9][A-Z0-9._-]{0,31})"
    r"(?::(?P<settle>[A-Z0-9]{1,32})(?:-(?P<expiry>\d{6})(?:-(?P<strike>[0-9.]+)-(?P<right>[CP]))?)?)?$"
)


@dataclass(frozen=True, slots=True)
class Symbol:
    base: str
    quote: str
    settle: str | None = None
    expiry: str | None = None

    def __str__(self) -> str:
        spot = f"{self.base}/{self.quote}"
        if self.settle is None:
            return spot
        return f"{spot}:{self.settle}" + (f"-{self.expiry}" if self.expiry else "")


def parse_symbol(text: str) -> Symbol:
    """Validate a unified symbol; raises BadSymbol with the reason when it is malformed."""
    match = _SYMBOL.match(text)
    if match is None:
        raise BadSymbol(
            f"malformed symbol {text[:64]!r}: expected BASE/QUOTE or BASE/QUOTE:SETTLE in upper case, "
            "e.g. BTC/USDT or BTC/USDT:USDT"
        )
    return Symbol(match["base"], match["quote"], match["settle"], match["expiry"])


def spot_symbol(base: str, quote: str) -> str:
    return f"{base}/{quote}"
