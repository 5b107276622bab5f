"""The Starlette app: POST /graphql, GraphiQL on GET /graphql, /healthz.

One async Neo4j driver per process, opened in the lifespan (``verify_connectivity`` at start)
and closed on shutdown: the reads and the analytics write runs share it. Each request gets a
fresh :class:`api.context.Context` (new loaders). In front of the GraphQL view: the request
guard (body size and shape, api/http_guard.py), then the response cache; CORS (off unless
``cors_origins`` is set) wraps the whole app. An answer that failed as a whole because Neo4j
is unreachable is an HTTP 503 (docs/security.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from typing import Any

from cross_web import HTTPException
from neo4j import AsyncDriver
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from api.context import Context
from api.errors import unavailable_only
from api.http_guard import RequestGuard, refusal_body
from api.pages import page_routes
from api.response_cache import RETRY_AFTER_SECONDS, CachedGraphQL, ResponseCache
from api.schema import build_schema
from api.warmup import WarmUp, warm_up
from graph.db import AfterWrites, Patience, WriteBookmarks, async_driver, detached, drain
from graph.repository import ReadScope, ping
from graph.settings import AppSettings, Neo4jSettings
from graph.snapshot import SNAPSHOTS
from graph.writes import JOB_RETRY_TIME, AsyncWriter

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
            writer=state.writer,
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        """A browser (``Accept: text/html``) always gets the IDE on GET: a ``query`` parameter
        goes into its editor and is not run (api/graphiql.py); other clients' GETs still run."""
        accept = request.headers.get("accept", "")
        return request.method == "GET" and (
            "text/html" in accept or super().should_render_graphql_ide(request)
        )

    async def render_graphql_ide(self, request: Request) -> Response:  # type: ignore[override]
        if self._ide_html is not None:
            return HTMLResponse(self._ide_html)
        return await super().render_graphql_ide(request)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """strawberry's plain-text refusals (an unknown ``operationName``, a GET without a
        query ...) as GraphQL-shaped JSON with ``extensions.code``, like every other error."""
        try:
            return await super().run(request, context, root_value)
        except HTTPException as e:
            return Response(
                refusal_body("BAD_REQUEST", e.reason),
                status_code=e.status_code,
                media_type="application/json",
            )

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        if isinstance(response_data, dict) and unavailable_only(response_data):
            sub_response.status_code = 503
            sub_response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        return super().create_response(response_data, sub_response)


def _warm_up_ended(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("warm-up at start failed: %r", task.exception())


def create_app(
    settings: AppSettings | None = None,
    neo4j: Neo4jSettings | None = None,
    driver: AsyncDriver | None = None,
) -> Starlette:
    """The API app. Settings are read here (never at import). Pass ``driver`` to reuse one the
    caller owns (it is then verified but not closed)."""
    app_settings = settings or AppSettings()
    neo4j_settings = neo4j or Neo4jSettings()
    patience = Patience(
        connect=app_settings.db_connect_timeout,
        acquire=app_settings.db_acquire_timeout,
        retry=app_settings.db_retry_time,
    )

    schema = build_schema(app_settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if app_settings.api_token is None:
            logger.warning(
                "no API token configured (SCHOLARGRAPH_API_TOKEN, at least 16 characters): "
                "mutations (runAnalysis) are refused"
            )
        drv = driver or async_driver(neo4j_settings, patience)
        # One driver for everything: GraphQL reads, and the analytics write runs (their
        # algorithms run in worker processes or Spark, off the event loop). The writes keep the
        # driver's 30 s of retries (lock contention with a load is worth waiting out) and
        # record their bookmarks, which every read waits for (graph.db): on a cluster a reader
        # that has not applied a finished runAnalysis yet does not answer before it has.
        own_writes = WriteBookmarks()
        try:
            await drv.verify_connectivity()
            app.state.scope = ReadScope(
                drv,
                neo4j_settings.database,
                app_settings.read_timeout,
                after_writes=AfterWrites(own_writes),
            )
            app.state.own_writes = own_writes
            app.state.writer = AsyncWriter(
                drv, neo4j_settings.database, own_writes, retry=JOB_RETRY_TIME
            )
            app.state.settings = app_settings
            logger.info("connected to Neo4j at %s", neo4j_settings.uri)
            app.state.warm_up = WarmUp()
            if app_settings.snapshot_at_start:  # in the background; requests never wait for it
                task = asyncio.ensure_future(
                    detached(drv, warm_up(schema, app.state.scope, app_settings, app.state.warm_up))
                )
                task.add_done_callback(_warm_up_ended)
                app.state.warm_up_task = task  # a strong reference while it runs
            yield
        finally:
            await app.state.response_cache.aclose()  # a background reading uses the driver
            await drain(drv)  # reads and writes whose requests were cancelled finish first
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
        return JSONResponse(
            {
                "status": "ok",
                "neo4j": "reachable",
                "database": scope.database,
                "snapshot": SNAPSHOTS.status(scope),
                "warm_up": request.app.state.warm_up.as_dict(),
            }
        )

    ide_routes, ide_html = _offline_graphiql()
    middleware = []
    if app_settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=app_settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
                max_age=600,
            )
        )
    app = Starlette(lifespan=lifespan, middleware=middleware)
    graphql = ScholarGraphQL(app, ide_html, schema=schema, graphql_ide="graphiql")
    cache = ResponseCache(
        ttl=app_settings.response_cache_ttl,
        check_every=app_settings.response_cache_check,
        max_bytes=app_settings.response_cache_max_mb * 2**20,
    )
    app.state.response_cache = cache
    endpoint = RequestGuard(
        CachedGraphQL(
            graphql, cache, lambda scope: scope["app"].state.scope, app_settings.max_tokens
        ),
        app_settings.max_body_bytes,
    )
    app.router.routes.extend(
        [
            *ide_routes,
            *page_routes(),
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
    return app
