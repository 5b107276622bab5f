"""The typed per-request context: where reads go, the settings and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver
from strawberry.types import Info as StrawberryInfo

from api.dataloaders import Loaders
from graph.repository import ReadScope
from graph.settings import AppSettings


@dataclass
class Context:
    """Built once per request (``Context.for_request``): the loaders' caches never outlive it."""

    scope: ReadScope
    settings: AppSettings
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    jobs: Driver | None = None  # sync driver for analytics jobs, run in worker threads

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.scope)


Info = StrawberryInfo[Context, None]
