"""The typed per-request context handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from graphql import GraphQLError

from ..gateway import Gateway
from ..settings import Settings
from ..trading.auth import RequestAuth
from ..trading.service import TradingService
from .loaders import Loaders


@dataclass
class Context:
    gateway: Gateway
    settings: Settings
    request_id: str
    loaders: Loaders = field(init=False)
    # Errors about parts of an answer that still has data (one exchange of a cross-exchange aggregate).
    reported: list[GraphQLError] = field(default_factory=list)
    # Trading: the bearer token of the request (checked on first use) and the order service.
    auth: RequestAuth | None = None
    trading: TradingService | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders()

    def report(self, info: strawberry.Info[Any, Any], error: Exception) -> None:
        self.reported.append(
            GraphQLError(
                str(error), nodes=info._raw_info.field_nodes, path=info.path.as_list(), original_error=error
            )
        )


Info: TypeAlias = strawberry.Info[Context, None]
