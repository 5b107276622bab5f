"""The researcher's view in a browser: server-rendered pages over the GraphQL layer.

Every page runs GraphQL documents (``queries.py``) through the app's own schema in-process
(``gql.py``) and renders the answer with Jinja2 (``templates/``); docs/pages.md describes them.
"""

from __future__ import annotations

from api.pages.routes import page_routes

__all__ = ["page_routes"]
