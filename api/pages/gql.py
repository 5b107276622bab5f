"""Pages read through the app's own GraphQL schema, in-process: no second data path.

A page handler calls :func:`run` with a GraphQL document from :mod:`api.pages.queries`; it is
executed by the same strawberry schema (same resolvers, DataLoaders, limits, cost budget and
error masking) that answers ``POST /graphql``, with a :class:`api.context.Context` built the way
the GraphQL view builds it. Answers are kept in the app's response cache (api/response_cache.py:
same lifetime, same size bound, emptied when the graph changes) under a key of their own.
Errors become a :class:`PageError` carrying the HTTP status the page answers with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request

from api.context import Context
from api.response_cache import ResponseCache
from api.schema import build_schema
from graph.errors import DatabaseUnavailable
from graph.settings import AppSettings

# extensions.code -> the HTTP status of the page that shows the error
STATUS_BY_CODE = {
    "NOT_FOUND": 404,
    "BAD_USER_INPUT": 400,
    "GRAPHQL_VALIDATION_FAILED": 400,
    "COST_LIMIT_EXCEEDED": 400,
    "DATABASE_UNAVAILABLE": 503,
    "TIMEOUT": 504,
}


class PageError(Exception):
    """A page that cannot be shown: the status, a title and the message for the reader."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass(frozen=True, slots=True)
class Runner:
    """Executes documents against one schema; every document gets a fresh context (its own
    DataLoaders and deadline), so documents of one page may run concurrently."""

    schema: strawberry.Schema
    context: Callable[[], Context]
    cache: ResponseCache | None = None

    async def __call__(self, document: str, variables: Mapping[str, Any] | None = None) -> Any:
        values = dict(variables or {})
        key = None
        if self.cache is not None and self.cache.enabled:
            key = hashlib.blake2b(
                b"page\0" + orjson.dumps({"query": document, "variables": values}),
                digest_size=20,
            ).digest()
            try:
                await self.cache.refresh(self.context().scope)
            except DatabaseUnavailable as e:
                raise PageError(503, "The database is unavailable", str(e)) from e
            cached = self.cache.get(key)
            if cached is not None:
                self.cache.hits += 1
                return orjson.loads(cached)
            self.cache.misses += 1
        result = await self.schema.execute(
            document, variable_values=values, context_value=self.context()
        )
        if result.errors:
            first = result.errors[0]
            code = str((first.extensions or {}).get("code", "INTERNAL_SERVER_ERROR"))
            status = STATUS_BY_CODE.get(code, 500)
            title = "Not found" if status == 404 else "This page could not be shown"
            raise PageError(status, title, "; ".join(e.message for e in result.errors))
        if key is not None and self.cache is not None:
            self.cache.put(key, orjson.dumps(result.data))
        return result.data


def page_schema(app: Starlette) -> strawberry.Schema:
    """The app's schema, built once per app from the app's settings (``build_schema`` is what
    ``create_app`` serves at /graphql)."""
    schema: strawberry.Schema | None = getattr(app.state, "page_schema", None)
    if schema is None:
        settings: AppSettings = app.state.settings
        schema = build_schema(settings)
        app.state.page_schema = schema
    return schema


def runner(request: Request) -> Runner:
    """A runner for one page request, with contexts built as the /graphql view builds them."""
    state = request.app.state

    def context() -> Context:
        return Context(
            scope=state.scope,
            settings=state.settings,
            request=request,
            response=None,
            writer=getattr(state, "writer", None),
        )

    return Runner(page_schema(request.app), context, getattr(state, "response_cache", None))
