"""The root Query and the schema factory with its abuse limits."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from ..cache import Entry
from ..clock import now_ms
from ..resolvers import query as q
from ..resolvers import trading as trading_resolvers
from ..resolvers.context import Info
from ..settings import Settings
from .scalars import SCALAR_MAP
from .trading import Account, Mutation
from .types import BestPrice, ConsolidatedOrderBook, Exchange, ExchangeStatus, Ticker


@strawberry.type
class Query:
    @strawberry.field(description="Every exchange the gateway knows, optionally only those with one status.")
    def exchanges(self, info: Info, status: ExchangeStatus | None = None) -> list[Exchange]:
        return [Exchange.from_ref(ref) for ref in q.exchanges(info, status.value if status else None)]

    @strawberry.field(
        description="One exchange by current id, seed id or alias; unknown ids give null and an error."
    )
    def exchange(self, info: Info, id: str) -> Exchange | None:
        return Exchange.from_ref(q.exchange(info, id))

    @strawberry.field(description="A trading account (needs a bearer token with read:account for it).")
    async def account(self, info: Info, id: str) -> Account | None:
        return Account.from_config(await trading_resolvers.account(info, id))

    @strawberry.field(
        description="One symbol's ticker on several exchanges, in the order given; "
        "a failing exchange gives null at its position and an error naming it."
    )
    async def tickers(self, info: Info, symbol: str, exchanges: list[str]) -> list[Ticker | None]:
        now = now_ms()
        results = await q.tickers(info, symbol, exchanges)
        return [Ticker.from_entry(r, now) if isinstance(r, Entry) else r for r in results]  # type: ignore[misc]

    @strawberry.field(
        description="The best bid and ask for one symbol across exchanges, with the spread; an exchange that "
        "fails is left out and reported as an error naming it."
    )
    async def best_price(self, info: Info, symbol: str, exchanges: list[str]) -> BestPrice:
        return BestPrice.from_domain(await q.best_price(info, symbol, exchanges))

    @strawberry.field(
        description="One symbol's order books on several exchanges merged by price (limit levels per side, "
        "default 20); an exchange that fails is left out and reported as an error naming it."
    )
    async def order_book(
        self, info: Info, symbol: str, exchanges: list[str], limit: int | None = None
    ) -> ConsolidatedOrderBook:
        return ConsolidatedOrderBook.from_domain(await q.consolidated_book(info, symbol, exchanges, limit))


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Typed errors are expected outcomes (a venue down, a bad symbol) and are not logged as failures;
        unexpected ones are logged once, with the request id, where the HTTP view formats them."""


def _validation_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    # Built once per schema: strawberry's validation cache is keyed by the rule classes, so rules
    # created per request would never hit it (strawberry issue #4635).
    return [max_depth_rule(settings.max_query_depth, None, None), max_aliases_rule(settings.max_aliases)]


def build_schema(settings: Settings) -> GatewaySchema:
    rules = _validation_rules(settings)
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=256),
    ]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )
