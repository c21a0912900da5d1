"""Prototypes of two proposed parser changes, timed beside the real parser in scenario 4 (never used by
the gateway). Each computes the same values as exchangeql.exchanges.binance.parsing.parse_tickers (checked
in bench/parsing.py before timing) with one change:

- `struct_tickers`: the ticker object is a frozen msgspec Struct instead of the frozen dataclass
  models.Ticker (a frozen dataclass sets each of its 20 fields through object.__setattr__).
- `lazy_tickers`: additionally the wire Struct keeps the venue's numeric strings as `str`; a Decimal is
  built only for the three values that enter arithmetic (open, last, change), the others stay text until
  they are serialized (GraphQL sends Decimals as strings anyway).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, localcontext

import msgspec

from exchangeql.exchanges.binance import parsing
from exchangeql.exchanges.binance.schemas import Ticker24hr
from exchangeql.models import MarketIndex, Ticker

TickerStruct = msgspec.defstruct("TickerStruct", list(Ticker.__dataclass_fields__), frozen=True, gc=False)
_TWO = Decimal(2)
_HUNDRED = Decimal(100)


def struct_tickers(payload: Iterable[Ticker24hr], index: MarketIndex) -> list[object]:
    out: list[object] = []
    by_id = index.by_id
    with localcontext(parsing._EXACT):
        for raw in payload:
            market = by_id.get(raw.symbol)
            if market is None:
                continue
            quantum = parsing._average_quantum(market.precision.price)
            open_, last, change = raw.openPrice or None, raw.lastPrice or None, raw.priceChange
            percentage, average = raw.priceChangePercent or None, None
            if open_ is None and last is not None:
                open_ = (last - change) or None
            if open_ is not None:
                if last is None:
                    last = (open_ + change) or None
                if percentage is None:
                    percentage = (change / open_).quantize(parsing._CCXT_DEFAULT_QUANTUM) * _HUNDRED
                if last is not None:
                    average = ((open_ + last) / _TWO).quantize(quantum)
            out.append(
                TickerStruct(
                    "binance", market.symbol, raw.closeTime, raw.bidPrice or None, raw.bidQty,
                    raw.askPrice or None, raw.askQty, last, open_, raw.highPrice or None,
                    raw.lowPrice or None, last, raw.prevClosePrice, raw.volume, raw.quoteVolume, change,
                    percentage, raw.weightedAvgPrice, average, raw,
                )
            )  # fmt: skip
    return out


class TextTicker24hr(msgspec.Struct, frozen=True, gc=False):
    """Ticker24hr with the venue's numeric strings kept as text."""

    symbol: str
    priceChange: str
    priceChangePercent: str
    weightedAvgPrice: str
    prevClosePrice: str
    lastPrice: str
    lastQty: str
    bidPrice: str
    bidQty: str
    askPrice: str
    askQty: str
    openPrice: str
    highPrice: str
    lowPrice: str
    volume: str
    quoteVolume: str
    openTime: int
    closeTime: int
    firstId: int
    lastId: int
    count: int


TEXT_DECODER = msgspec.json.Decoder(list[TextTicker24hr], strict=False)


def _nonzero(text: str) -> str | None:
    # The venue's zero ("0.00000000") means "no value", as in parsing._ticker.
    return text if text.strip("0.") else None


def lazy_tickers(body: bytes, index: MarketIndex) -> list[object]:
    out: list[object] = []
    by_id = index.by_id
    decimal = Decimal
    with localcontext(parsing._EXACT):
        for raw in TEXT_DECODER.decode(body):
            market = by_id.get(raw.symbol)
            if market is None:
                continue
            quantum = parsing._average_quantum(market.precision.price)
            open_ = decimal(raw.openPrice) or None
            last = decimal(raw.lastPrice) or None
            change = decimal(raw.priceChange)
            percentage: Decimal | str | None = _nonzero(raw.priceChangePercent)
            average = None
            if open_ is None and last is not None:
                open_ = (last - change) or None
            if open_ is not None:
                if last is None:
                    last = (open_ + change) or None
                if percentage is None:
                    percentage = (change / open_).quantize(parsing._CCXT_DEFAULT_QUANTUM) * _HUNDRED
                if last is not None:
                    average = ((open_ + last) / _TWO).quantize(quantum)
            out.append(
                TickerStruct(
                    "binance", market.symbol, raw.closeTime, _nonzero(raw.bidPrice), raw.bidQty,
                    _nonzero(raw.askPrice), raw.askQty, last, open_, _nonzero(raw.highPrice),
                    _nonzero(raw.lowPrice), last, raw.prevClosePrice, raw.volume, raw.quoteVolume, change,
                    percentage, raw.weightedAvgPrice, average, raw,
                )
            )  # fmt: skip
    return out


def same_values(ours: list[Ticker], other: list[object]) -> bool:
    """Every field but `info` equal, as numbers (text compared through Decimal)."""
    names = [n for n in Ticker.__dataclass_fields__ if n != "info"]
    for a, b in zip(ours, other, strict=True):
        for name in names:
            x, y = getattr(a, name), getattr(b, name)
            if isinstance(y, str) and isinstance(x, Decimal):
                y = Decimal(y)
            if x != y:
                return False
    return len(ours) == len(other)
