# syntax=docker/dockerfile:1
# The ScholarGraph image (API server and CLI), in three stages: the web pages' browser
# assets from the npm registry, the package with its pinned dependencies (requirements.lock),
# and a slim runtime that runs as an unprivileged user. See docs/deployment.md.

# 1. The browser assets `make assets` fetches, at the versions pinned in each package-lock.json
#    (`npm ci` checks every tarball's integrity hash), copied to api/static/vendor: GraphiQL,
#    React and ReactDOM (tools/graphiql), then cytoscape.js for the network page (tools/netviz;
#    after GraphiQL, whose fetch replaces the folder as a whole).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY tools/graphiql/package.json tools/graphiql/package-lock.json tools/graphiql/fetch.sh tools/graphiql/
COPY tools/netviz/package.json tools/netviz/package-lock.json tools/netviz/fetch.sh tools/netviz/
RUN bash tools/graphiql/fetch.sh \
    && bash tools/netviz/fetch.sh \
    && test -f api/static/vendor/VERSIONS && test -f api/static/vendor/cytoscape/VERSIONS

# 2. The package in a virtual environment, every dependency at its locked version. The product
#    install has no extras (no dev tools, no leidenalg).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/scholargraph
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY graph graph
COPY api api
COPY loaders loaders
COPY cli cli
COPY --from=assets /src/api/static/vendor api/static/vendor
RUN /opt/scholargraph/bin/pip install -c requirements.lock . \
    && /opt/scholargraph/bin/pip check

# 3. Runtime: no compilers, no npm, no root.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/scholargraph \
        --shell /usr/sbin/nologin scholargraph \
    && mkdir /home/scholargraph/reports \
    && chown scholargraph:scholargraph /home/scholargraph/reports
COPY --from=build /opt/scholargraph /opt/scholargraph
ENV PATH=/opt/scholargraph/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /home/scholargraph
USER scholargraph:scholargraph
EXPOSE 8000
# The slim image has no curl or wget: Python asks /healthz (503 while Neo4j is unreachable).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["scholargraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
