"""The Starlette app: POST /graphql, GraphiQL on GET /graphql, /healthz.

One async Neo4j driver per process, opened in the lifespan (``verify_connectivity`` at start)
and closed on shutdown. Each request gets a fresh :class:`api.context.Context` (new loaders).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from typing import Any

from neo4j import AsyncDriver
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from strawberry.asgi import GraphQL

from api.context import Context
from api.response_cache import CachedGraphQL, ResponseCache
from api.schema import build_schema
from graph.db import async_driver, sync_driver
from graph.repository import ReadScope, ping
from graph.settings import AppSettings, Neo4jSettings

logger = logging.getLogger("scholargraph.api")
HEALTH_TIMEOUT = 3.0


def _offline_graphiql() -> tuple[list[BaseRoute], str | None]:
    """The self-hosted GraphiQL (api/graphiql.py) when present, else strawberry's page."""
    if importlib.util.find_spec("api.graphiql") is None:
        return [], None
    from api import graphiql

    return list(graphiql.graphiql_routes()), graphiql.GRAPHIQL_HTML


class ScholarGraphQL(GraphQL[Context, None]):
    """strawberry's ASGI view with our context and, when available, the offline GraphiQL."""

    def __init__(self, app: Starlette, ide_html: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._app = app
        self._ide_html = ide_html

    async def get_context(self, request: Any, response: Any) -> Context:
        state = self._app.state
        return Context(
            scope=state.scope,
            settings=state.settings,
            request=request,
            response=response,
            jobs=state.jobs,
        )

    async def render_graphql_ide(self, request: Request) -> Response:  # type: ignore[override]
        if self._ide_html is not None:
            return HTMLResponse(self._ide_html)
        return await super().render_graphql_ide(request)


def create_app(
    settings: AppSettings | None = None,
    neo4j: Neo4jSettings | None = None,
    driver: AsyncDriver | None = None,
) -> Starlette:
    """The API app. Settings are read here (never at import). Pass ``driver`` to reuse one the
    caller owns (it is then verified but not closed)."""
    app_settings = settings or AppSettings()
    neo4j_settings = neo4j or Neo4jSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        drv = driver or async_driver(neo4j_settings)
        # Analytics (igraph, CPU-bound, synchronous library code) run in worker threads with a
        # synchronous driver of their own; GraphQL reads use the async driver.
        jobs = sync_driver(neo4j_settings)
        try:
            await drv.verify_connectivity()
            app.state.scope = ReadScope(drv, neo4j_settings.database, app_settings.read_timeout)
            app.state.jobs = jobs
            app.state.settings = app_settings
            logger.info("connected to Neo4j at %s", neo4j_settings.uri)
            yield
        finally:
            await asyncio.to_thread(jobs.close)
            if driver is None:
                await drv.close()

    async def healthz(request: Request) -> JSONResponse:
        scope: ReadScope = request.app.state.scope
        try:
            await asyncio.wait_for(ping(scope), HEALTH_TIMEOUT)
        except Exception as e:  # any failure means "not reachable"; the reason is logged
            logger.warning("health check: Neo4j unreachable: %r", e)
            return JSONResponse(
                {"status": "unavailable", "neo4j": "unreachable", "database": scope.database},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "neo4j": "reachable", "database": scope.database})

    ide_routes, ide_html = _offline_graphiql()
    app = Starlette(lifespan=lifespan)
    graphql = ScholarGraphQL(
        app, ide_html, schema=build_schema(app_settings), graphql_ide="graphiql"
    )
    cache = ResponseCache(
        ttl=app_settings.response_cache_ttl,
        check_every=app_settings.response_cache_check,
        max_bytes=app_settings.response_cache_max_mb * 2**20,
    )
    app.state.response_cache = cache
    endpoint = CachedGraphQL(graphql, cache, lambda scope: scope["app"].state.scope)
    app.router.routes.extend(
        [
            *ide_routes,
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
    return app
