#!/usr/bin/env bash
# Fetches the GraphiQL page's assets (GraphiQL, React, ReactDOM) from the npm registry at the exact
# versions pinned in tools/graphiql/package-lock.json (npm ci checks each tarball's integrity hash)
# and copies the browser builds, with each package's LICENSE, into api/static/vendor/, which
# api/graphiql.py serves at /graphiql/static/. Run through `make assets`; safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PKG="$ROOT/tools/graphiql"
DEST="$ROOT/api/static/vendor"
NM="$PKG/node_modules"

if ! command -v npm >/dev/null; then
  echo "error: npm is required to fetch the GraphiQL assets (Debian: apt-get install -y npm)" >&2
  exit 1
fi

# --ignore-scripts: nothing from the registry runs here; we only copy prebuilt files.
npm ci --prefix "$PKG" --ignore-scripts --no-audit --no-fund --loglevel=error

# package: the files to copy (relative to node_modules/<package>/)
declare -A FILES=(
  [react]="umd/react.production.min.js LICENSE"
  [react-dom]="umd/react-dom.production.min.js LICENSE"
  [graphiql]="graphiql.min.js graphiql.min.js.map graphiql.min.css graphiql.min.css.map LICENSE"
)

mkdir -p "$ROOT/api/static"
STAGE="$(mktemp -d "$ROOT/api/static/.vendor.XXXXXX")"
chmod 755 "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
: >"$STAGE/VERSIONS"
for pkg in react react-dom graphiql; do
  mkdir -p "$STAGE/$pkg"
  for f in ${FILES[$pkg]}; do
    if [ ! -f "$NM/$pkg/$f" ]; then
      echo "error: $pkg has no $f; the pinned version in $PKG/package.json has no such build" >&2
      exit 1
    fi
    cp "$NM/$pkg/$f" "$STAGE/$pkg/$(basename "$f")"
  done
  version="$(node -p "require('$NM/$pkg/package.json').version")"
  license="$(node -p "require('$NM/$pkg/package.json').license")"
  echo "$pkg $version $license" >>"$STAGE/VERSIONS"
done

# Swap in the new tree in one step so a half-copied folder is never served.
rm -rf "$DEST"
mv "$STAGE" "$DEST"
trap - EXIT
echo "GraphiQL assets in ${DEST#"$ROOT"/}:"
sed 's/^/  /' "$DEST/VERSIONS"
