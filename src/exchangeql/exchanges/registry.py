"""The explicit registry of engine-backed exchanges: {exchange_id: AdapterSpec}, plus seed aliases.

Adding a native venue means importing its SPEC here; nothing is discovered at run time.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import AdapterSpec
from .binance.adapter import SPEC as BINANCE
from .bitfinex.adapter import SPEC as BITFINEX
from .bitstamp.adapter import SPEC as BITSTAMP
from .coinbaseexchange.adapter import SPEC as COINBASEEXCHANGE
from .gate.adapter import SPEC as GATE
from .gemini.adapter import SPEC as GEMINI
from .htx.adapter import SPEC as HTX
from .kraken.adapter import SPEC as KRAKEN
from .kucoin.adapter import SPEC as KUCOIN
from .okx.adapter import SPEC as OKX
from .paper.adapter import SPEC as PAPER

NATIVE_SPECS: Mapping[str, AdapterSpec] = {
    spec.id: spec
    for spec in (
        PAPER,
        BINANCE,
        BITFINEX,
        BITSTAMP,
        COINBASEEXCHANGE,
        GATE,
        GEMINI,
        HTX,
        KRAKEN,
        KUCOIN,
        OKX,
    )
}
