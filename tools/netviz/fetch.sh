#!/usr/bin/env bash
# Fetches cytoscape.js (the collaboration-network view of api/pages) from the npm registry at the
# exact version pinned in tools/netviz/package-lock.json (npm ci checks the tarball's integrity
# hash) and copies its browser build, with its LICENSE, into api/static/vendor/cytoscape/, which
# api/pages serves at /static/vendor/cytoscape/. Run by `make assets` after tools/graphiql/fetch.sh
# (which replaces api/static/vendor/ as a whole); safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PKG="$ROOT/tools/netviz"
DEST="$ROOT/api/static/vendor/cytoscape"
NM="$PKG/node_modules"

if ! command -v npm >/dev/null; then
  echo "error: npm is required to fetch the network view's assets (Debian: apt-get install -y npm)" >&2
  exit 1
fi

# --ignore-scripts: nothing from the registry runs here; we only copy prebuilt files.
npm ci --prefix "$PKG" --ignore-scripts --no-audit --no-fund --loglevel=error

FILES="dist/cytoscape.min.js LICENSE"
mkdir -p "$ROOT/api/static/vendor"
STAGE="$(mktemp -d "$ROOT/api/static/vendor/.cytoscape.XXXXXX")"
chmod 755 "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
for f in $FILES; do
  if [ ! -f "$NM/cytoscape/$f" ]; then
    echo "error: cytoscape has no $f; the pinned version in $PKG/package.json has no such build" >&2
    exit 1
  fi
  cp "$NM/cytoscape/$f" "$STAGE/$(basename "$f")"
done
version="$(node -p "require('$NM/cytoscape/package.json').version")"
license="$(node -p "require('$NM/cytoscape/package.json').license")"
echo "cytoscape $version $license" >"$STAGE/VERSIONS"

# Swap in the new folder in one step so a half-copied one is never served.
rm -rf "$DEST"
mv "$STAGE" "$DEST"
trap - EXIT
echo "Network view assets in ${DEST#"$ROOT"/}:"
sed 's/^/  /' "$DEST/VERSIONS"
