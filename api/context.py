"""The typed per-request context: where reads go, where analytics write runs go, the settings
and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from api.dataloaders import Loaders
from graph.repository import ReadScope
from graph.settings import AppSettings
from graph.writes import AsyncWriter


@dataclass
class Context:
    """Built once per request (``Context.for_request``): the loaders' caches never outlive it."""

    scope: ReadScope
    settings: AppSettings
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    writer: AsyncWriter | None = None  # analytics write runs (runAnalysis), same driver

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.scope)


Info = StrawberryInfo[Context, None]
