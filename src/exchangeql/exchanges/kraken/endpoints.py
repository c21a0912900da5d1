"""One method per Kraken public endpoint: builds the request, charges its weight, decodes the answer once.

Every answer is decoded straight into its envelope Struct. Kraken puts errors in the `error` list of a
200 answer: a non-empty list raises the mapped error (errors.ERRORS). A body that is not the envelope
(HTML from a proxy, a truncated read, a changed schema) raises UpstreamDecodeError, never a raw msgspec
error. Non-2xx answers never get here: the VenueClient maps them through errors.ERRORS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS, errors_of
from .schemas import AssetPair, DepthBook, Envelope, OhlcResult, TickerInfo, TradesResult

T = TypeVar("T")

# strict=False: recorded answers carry some integers as numeric strings (see schemas.py).
_ASSET_PAIRS = msgspec.json.Decoder(Envelope[dict[str, AssetPair]], strict=False)
_TICKER = msgspec.json.Decoder(Envelope[dict[str, TickerInfo]], strict=False)
_DEPTH = msgspec.json.Decoder(Envelope[dict[str, DepthBook]], strict=False)
_TRADES = msgspec.json.Decoder(Envelope[TradesResult], strict=False)
_OHLC = msgspec.json.Decoder(Envelope[OhlcResult], strict=False)


def _decode(decoder: msgspec.json.Decoder[Envelope[T]], body: bytes, path: str) -> T:
    try:
        envelope = decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc
    if errors_of(envelope.error):
        error = ERRORS.from_body(body)
        assert error is not None  # the same body, read by the error table
        raise error
    if envelope.result is None:
        raise UpstreamDecodeError(f"answer from {path} without a result", exchange=c.EXCHANGE_ID)
    return envelope.result


class KrakenEndpoints:
    """Kraken spot public REST endpoints, https://docs.kraken.com/api/docs/rest-api/."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=c.CALL_WEIGHT)

    async def asset_pairs(self) -> dict[str, AssetPair]:
        """GET /0/public/AssetPairs: every tradable pair, keyed by pair id.

        Docs: https://docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs
        """
        return _decode(_ASSET_PAIRS, await self._get(c.ASSET_PAIRS, None), c.ASSET_PAIRS)

    async def ticker(self, pairs: Sequence[str] | None = None) -> dict[str, TickerInfo]:
        """GET /0/public/Ticker[?pair=A,B]: tickers of `pairs`, or of every pair when None.

        Docs: https://docs.kraken.com/api/docs/rest-api/get-ticker-information
        """
        params = None if pairs is None else {"pair": ",".join(pairs)}
        return _decode(_TICKER, await self._get(c.TICKER, params), c.TICKER)

    async def depth(self, pair: str, count: int | None = None) -> dict[str, DepthBook]:
        """GET /0/public/Depth?pair=: the order book, `count` levels a side (1-500, venue default 100).

        Docs: https://docs.kraken.com/api/docs/rest-api/get-order-book
        """
        params: dict[str, str | int] = {"pair": pair}
        if count is not None:
            params["count"] = count
        return _decode(_DEPTH, await self._get(c.DEPTH, params), c.DEPTH)

    async def trades(self, pair: str, count: int | None = None) -> TradesResult:
        """GET /0/public/Trades?pair=: the most recent trades, oldest first (venue default 1000).

        Docs: https://docs.kraken.com/api/docs/rest-api/get-recent-trades
        """
        params: dict[str, str | int] = {"pair": pair}
        if count is not None:
            params["count"] = count
        return _decode(_TRADES, await self._get(c.TRADES, params), c.TRADES)

    async def ohlc(self, pair: str, interval: str, since: int | None = None) -> OhlcResult:
        """GET /0/public/OHLC?pair=&interval=: up to 720 candles of `interval` minutes after `since` (s).

        Docs: https://docs.kraken.com/api/docs/rest-api/get-ohlc-data
        """
        params: dict[str, str | int] = {"pair": pair, "interval": interval}
        if since is not None:
            params["since"] = since
        return _decode(_OHLC, await self._get(c.OHLC, params), c.OHLC)
