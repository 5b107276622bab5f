"""GraphiQL served entirely by the app, so it works on a closed network.

strawberry's own page loads React and GraphiQL from a public CDN and stays blank without one. This
page loads pinned copies (tools/graphiql/package-lock.json) that ``make assets`` fetches from the
npm registry into ``api/static/vendor/`` together with their licences; ``graphiql_routes()``
serves that folder at ``/graphiql/static``. The app serves ``GRAPHIQL_HTML`` on ``GET /graphql``
to every browser (``Accept: text/html``): a ``query`` (and ``variables``) parameter is put into
the editor and not run, so a reload or a shared link shows the IDE, not raw JSON. Without one the
editor opens on ``DEFAULT_QUERY``, a ScholarGraph example. The page names no server path.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
STATIC_PREFIX = "/graphiql/static"
GRAPHQL_PATH = "/graphql"

# Files the page needs, relative to VENDOR_DIR (tools/graphiql/fetch.sh puts them there).
REQUIRED_ASSETS = (
    "react/react.production.min.js",
    "react-dom/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
)

MISSING_ASSETS_MESSAGE = (
    f"GraphiQL assets are missing from {VENDOR_DIR}: run `make assets` "
    "(tools/graphiql/fetch.sh fetches the pinned GraphiQL, React and ReactDOM builds from the "
    "npm registry). The GraphQL endpoint itself works without them."
)


def assets_present() -> bool:
    """True when every file the GraphiQL page loads is in ``api/static/vendor/``."""
    return all((VENDOR_DIR / name).is_file() for name in REQUIRED_ASSETS)


class _VendorFiles(StaticFiles):
    """StaticFiles that answers 503 with the "run make assets" message while the assets are
    missing, instead of failing the app at start-up or with a bare 500."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not assets_present():
            response = PlainTextResponse(MISSING_ASSETS_MESSAGE, status_code=503)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def graphiql_routes() -> list[BaseRoute]:
    """The routes that serve the GraphiQL assets (mounted at ``/graphiql/static``)."""
    if not assets_present():
        log.warning("%s", MISSING_ASSETS_MESSAGE)
    return [
        Mount(
            STATIC_PREFIX,
            app=_VendorFiles(directory=VENDOR_DIR, check_dir=False),
            name="graphiql-static",
        )
    ]


# What the page says when its scripts did not load: the fix, and no path of this server.
PAGE_MISSING_MESSAGE = (
    "GraphiQL's files are missing from api/static/vendor/ on the server: run `make assets` "
    "(tools/graphiql/fetch.sh). The GraphQL endpoint itself works without them."
)
_MISSING_JS = json.dumps(PAGE_MISSING_MESSAGE)

#: The editor's content when the URL carries no ``query``.
DEFAULT_QUERY = """# Welcome to ScholarGraph's GraphiQL.
# Press the run button (or Ctrl-Enter) to ask the graph; Ctrl-Space completes field names and the
# Docs panel on the left lists every type. Any author or paper id form works (orcid:, openalex:,
# arxiv:, doi:, name:...). The same answers feed the web pages (/authors/..., /papers/...).
{
  author(id: "name:lizhu zhang") {
    name
    paperCount
    hIndex
    citationCount
    primaryCategory { id }
    reported { hIndex citationCount novelty source }
    coauthors(first: 5) { jointPaperCount author { id name } }
    papers(first: 3, orderBy: [DATE_DESC]) {
      totalCount
      edges { node { id title date authorsComplete authors { name } } }
    }
  }
}
"""
_DEFAULT_QUERY_JS = json.dumps(DEFAULT_QUERY)

GRAPHIQL_HTML = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>ScholarGraph GraphiQL</title>
    <link rel="icon" href="data:," />
    <style>
      body {{ height: 100%; margin: 0; width: 100%; overflow: hidden; }}
      #graphiql {{ height: 100vh; display: flex; }}
      .sg-missing {{ font: 16px/1.5 sans-serif; padding: 2em; }}
    </style>
    <link rel="stylesheet" href="{STATIC_PREFIX}/graphiql/graphiql.min.css" />
    <script src="{STATIC_PREFIX}/react/react.production.min.js"></script>
    <script src="{STATIC_PREFIX}/react-dom/react-dom.production.min.js"></script>
    <script src="{STATIC_PREFIX}/graphiql/graphiql.min.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script>
      (function () {{
        var root = document.getElementById("graphiql");
        if (
          typeof React === "undefined" ||
          typeof ReactDOM === "undefined" ||
          typeof GraphiQL === "undefined"
        ) {{
          root.className = "sg-missing";
          root.textContent = {_MISSING_JS};
          return;
        }}
        var params = new URLSearchParams(window.location.search);
        var fetcher = GraphiQL.createFetcher({{
          url: new URL("{GRAPHQL_PATH}", window.location.href).toString(),
        }});
        function updateURL(key, value) {{
          if (value) {{
            params.set(key, value);
          }} else {{
            params.delete(key);
          }}
          var search = params.toString();
          history.replaceState(null, "", search ? "?" + search : window.location.pathname);
        }}
        ReactDOM.createRoot(root).render(
          React.createElement(GraphiQL, {{
            fetcher: fetcher,
            defaultEditorToolsVisibility: true,
            query: params.get("query") || undefined,
            defaultQuery: {_DEFAULT_QUERY_JS},
            variables: params.get("variables") || undefined,
            onEditQuery: function (q) {{ updateURL("query", q); }},
            onEditVariables: function (v) {{ updateURL("variables", v); }},
            inputValueDeprecation: true,
            isHeadersEditorEnabled: true,
          }}),
        );
      }})();
    </script>
  </body>
</html>
"""
