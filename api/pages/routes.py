"""The pages' routes (added to the app by ``create_app``: ``*page_routes()``)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.pages import views

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = Path(__file__).resolve().parents[1] / "static" / "vendor"


def page_routes() -> list[BaseRoute]:
    """Profile, paper, field, path, search and network pages, and their static files."""
    return [
        Route("/authors/{id:path}", views.profile, methods=["GET"], name="author-page"),
        Route("/papers/{id:path}", views.paper, methods=["GET"], name="paper-page"),
        Route("/fields", views.fields, methods=["GET"], name="fields-page"),
        Route("/fields/{id}/{section}", views.field_section, methods=["GET"], name="field-section"),
        Route("/fields/{id:path}", views.field, methods=["GET"], name="field-page"),
        Route("/path", views.path, methods=["GET"], name="path-page"),
        Route("/search", views.search, methods=["GET"], name="search-page"),
        Route("/network", views.network_page, methods=["GET"], name="network-page"),
        Route("/network.json", views.network_json, methods=["GET"], name="network-json"),
        Mount(
            "/assets/vendor",
            app=StaticFiles(directory=VENDOR, check_dir=False),
            name="pages-vendor",
        ),
        Mount("/assets", app=StaticFiles(directory=STATIC), name="pages-static"),
    ]
