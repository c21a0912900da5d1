"""One method per Gate v4 spot endpoint: builds the request, charges its weight, decodes the answer once.

Gate reports errors with non-2xx statuses, mapped by the VenueClient through errors.ERRORS before these
methods see a body. A 2xx body that is not the expected shape (HTML from a proxy, a truncated read, a
changed schema) raises UpstreamDecodeError, never a raw msgspec error.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ...errors import UpstreamDecodeError
from ...transport.client import Params, VenueClient
from . import constants as c
from .errors import ERRORS
from .schemas import Candlestick, CurrencyPair, OrderBook, Ticker, Trade

T = TypeVar("T")

# strict=False: recorded answers and candle rows carry integers as numeric strings (see schemas.py).
_PAIRS = msgspec.json.Decoder(list[CurrencyPair], strict=False)
_TICKERS = msgspec.json.Decoder(list[Ticker], strict=False)
_ORDER_BOOK = msgspec.json.Decoder(OrderBook, strict=False)
_TRADES = msgspec.json.Decoder(list[Trade], strict=False)
_CANDLES = msgspec.json.Decoder(list[Candlestick], strict=False)


def _decode(decoder: msgspec.json.Decoder[T], body: bytes, path: str) -> T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included
        # Gate reports errors with non-2xx statuses; should an error body come with a 200 anyway (a proxy,
        # a fault drill), it still says more than "undecodable". Checked only on this path.
        if (venue_error := ERRORS.from_body(body)) is not None:
            raise venue_error from exc
        raise UpstreamDecodeError(
            f"unexpected answer from {path} ({len(body)} bytes): {exc}", exchange=c.EXCHANGE_ID
        ) from exc


class GateEndpoints:
    """Gate v4 spot public REST endpoints, https://www.gate.com/docs/developers/apiv4/en/#spot."""

    def __init__(self, client: VenueClient, base_url: str = c.BASE_URL) -> None:
        self.client = client
        self.base_url = base_url

    async def _get(self, path: str, params: Params | None) -> bytes:
        return await self.client.get(self.base_url + path, params, weight=c.WEIGHT)

    async def currency_pairs(self) -> list[CurrencyPair]:
        """GET /api/v4/spot/currency_pairs: every spot pair with its precisions and amount limits.

        Docs: https://www.gate.com/docs/developers/apiv4/en/#query-all-supported-currency-pairs
        """
        return _decode(_PAIRS, await self._get(c.CURRENCY_PAIRS, None), c.CURRENCY_PAIRS)

    async def tickers(self, currency_pair: str | None = None) -> list[Ticker]:
        """GET /api/v4/spot/tickers[?currency_pair=]: one pair's ticker, or every pair's (rolling 24 h).

        Docs: https://www.gate.com/docs/developers/apiv4/en/#get-currency-pair-ticker-information
        """
        params = None if currency_pair is None else {"currency_pair": currency_pair}
        return _decode(_TICKERS, await self._get(c.TICKERS, params), c.TICKERS)

    async def order_book(self, currency_pair: str, limit: int | None = None) -> OrderBook:
        """GET /api/v4/spot/order_book?with_id=true: the book, `limit` levels a side (default 10).

        Docs: https://www.gate.com/docs/developers/apiv4/en/#get-market-depth-information
        """
        params: dict[str, str | int] = {"currency_pair": currency_pair, "with_id": "true"}
        if limit is not None:
            params["limit"] = limit
        return _decode(_ORDER_BOOK, await self._get(c.ORDER_BOOK, params), c.ORDER_BOOK)

    async def trades(self, currency_pair: str, limit: int | None = None) -> list[Trade]:
        """GET /api/v4/spot/trades: the most recent trades, newest first (default 100).

        Docs: https://www.gate.com/docs/developers/apiv4/en/#query-market-transaction-records
        """
        params: dict[str, str | int] = {"currency_pair": currency_pair}
        if limit is not None:
            params["limit"] = limit
        return _decode(_TRADES, await self._get(c.TRADES, params), c.TRADES)

    async def candlesticks(
        self,
        currency_pair: str,
        interval: str,
        limit: int | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> list[Candlestick]:
        """GET /api/v4/spot/candlesticks: the last `limit` candles, or those from `start` to `end` (seconds).

        Docs: https://www.gate.com/docs/developers/apiv4/en/#market-k-line-chart
        Gate rejects `limit` together with `from`/`to`: a window is asked by its bounds alone.
        """
        params: dict[str, str | int] = {"currency_pair": currency_pair, "interval": interval}
        if start is not None:
            params["from"] = start
            if end is not None:
                params["to"] = end
        elif limit is not None:
            params["limit"] = limit
        return _decode(_CANDLES, await self._get(c.CANDLESTICKS, params), c.CANDLESTICKS)
