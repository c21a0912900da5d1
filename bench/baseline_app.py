"""The plain alternative for scenario 1: strawberry + starlette + uvicorn answering tickers from memory.

The same SDL shape as the gateway for the fields queried (Query.exchange(id) -> Exchange.ticker(symbol) ->
Ticker {symbol last bid ask}, prices as strawberry's Decimal scalar), plus Exchange.tickers(symbols) for a
list-shaped form of the same tickers; data from a dict in memory, served the way `exchangeql serve` serves
the gateway (one uvicorn worker, same loop and HTTP implementation).

    python -m bench.baseline_app --port P --data tickers.json [--tuned]

--tuned adds what a careful user would: strawberry's ParserCache and ValidationCache, and orjson.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL


@strawberry.type
class Ticker:
    exchange_id: str
    symbol: str
    timestamp: int | None
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None


# exchange id -> symbol -> Ticker, filled by build_app (strawberry needs the types at module scope).
TICKERS: dict[str, dict[str, Ticker]] = {}


@strawberry.type
class Exchange:
    id: str

    @strawberry.field
    def ticker(self, symbol: str) -> Ticker | None:
        return TICKERS[self.id].get(symbol)

    @strawberry.field
    def tickers(self, symbols: list[str]) -> list[Ticker | None]:
        """In the order asked, repeats kept: the list-shaped form of the same 50 tickers."""
        by_symbol = TICKERS[self.id]
        return [by_symbol.get(symbol) for symbol in symbols]


@strawberry.type
class Query:
    @strawberry.field
    def exchange(self, id: str) -> Exchange | None:
        return Exchange(id=id) if id in TICKERS else None


def _decimal(value: Any) -> Decimal | None:
    return Decimal(value) if value is not None else None


def build_app(data: dict[str, dict[str, dict[str, Any]]], tuned: bool) -> Starlette:
    TICKERS.clear()
    for exchange_id, by_symbol in data.items():
        TICKERS[exchange_id] = {
            symbol: Ticker(
                exchange_id=exchange_id,
                symbol=symbol,
                timestamp=values.get("timestamp"),
                bid=_decimal(values.get("bid")),
                ask=_decimal(values.get("ask")),
                last=_decimal(values.get("last")),
            )
            for symbol, values in by_symbol.items()
        }

    extensions: list[Any] = []
    if tuned:
        from strawberry.extensions import ParserCache, ValidationCache

        extensions = [ParserCache(maxsize=256), ValidationCache(maxsize=256)]
    schema = strawberry.Schema(query=Query, extensions=extensions)

    class View(GraphQL[None, None]):
        if tuned:

            def encode_json(self, data: object) -> bytes:
                import orjson

                return orjson.dumps(data)

    async def readyz(request: Request) -> Response:
        return JSONResponse({"status": "ready"})

    view = View(schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", view, methods=["GET", "POST"]), Route("/readyz", readyz)])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--data", required=True, help="JSON {exchange: {symbol: {last, bid, ask, timestamp}}}"
    )
    parser.add_argument("--tuned", action="store_true")
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as handle:
        data = json.load(handle)
    app = build_app(data, args.tuned)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
