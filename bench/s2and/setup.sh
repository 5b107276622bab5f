#!/usr/bin/env bash
# S2AND's own environment (bench/s2and/.venv), from the pins in bench/s2and/requirements.txt.
# S2AND is not a product dependency: it pins numpy<2, pandas<2.2 and scikit-learn 1.7.1, so it
# cannot share the project's venv. Idempotent: does nothing when the venv was already installed
# from the same requirements file (its sha256 is stamped in the venv). ~1.3 GB.
#   PYTHON=python3.11 bash bench/s2and/setup.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
REQ="$HERE/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3.11}"

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "bench/s2and/.venv is up to date ($(basename "$REQ") $want)"
    exit 0
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
    || { echo "bench/s2and/.venv must be Python 3.11 (the pins were made there)" >&2; exit 1; }
rm -f "$STAMP"
"$VENV/bin/python" -m pip install -q 'pip==26.3'
"$VENV/bin/python" -m pip install -q --no-deps -r "$REQ"
"$VENV/bin/python" -m pip check
echo "$want" > "$STAMP"
echo "installed bench/s2and/.venv from $(basename "$REQ")"
