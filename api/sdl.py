"""Write the schema's SDL to api/schema.graphql: ``python -m api.sdl`` (``--check`` to compare).

The file is committed; tests/integration/test_api_schema.py fails when it drifts."""

from __future__ import annotations

import sys
from pathlib import Path

from api.schema import build_schema
from graph.settings import AppSettings

SDL_PATH = Path(__file__).with_name("schema.graphql")


def current_sdl() -> str:
    return build_schema(AppSettings(introspection=True)).as_str() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sdl = current_sdl()
    if "--check" in args:
        same = SDL_PATH.is_file() and SDL_PATH.read_text(encoding="utf-8") == sdl
        if not same:
            print(f"{SDL_PATH} is out of date: run python -m api.sdl", file=sys.stderr)
        return 0 if same else 1
    SDL_PATH.write_text(sdl, encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
