"""The typed per-request context handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import strawberry

from ..gateway import Gateway
from ..settings import Settings
from .loaders import Loaders


@dataclass
class Context:
    gateway: Gateway
    settings: Settings
    request_id: str
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders()


Info: TypeAlias = strawberry.Info[Context, None]
