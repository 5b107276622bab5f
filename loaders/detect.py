"""Which parser reads a file: decided from its content (``--format`` overrides)."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from graph.errors import UnknownFormat
from loaders import (
    aminer,
    arxiv_atom,
    arxiv_kaggle,
    bibtex,
    dblp,
    openalex,
    paperscape,
    profile,
    s2,
    s2_corpus,
)
from loaders.io import head
from loaders.records import ParseIssue, Record

# Order matters only where two formats could both claim a file: the more specific comes first.
PARSERS: tuple[ModuleType, ...] = (
    profile,
    arxiv_atom,
    dblp,
    bibtex,
    paperscape,
    s2,
    s2_corpus,
    openalex,
    arxiv_kaggle,
    aminer,
)
FORMATS: dict[str, ModuleType] = {m.FORMAT: m for m in PARSERS}

Parse = Callable[..., Iterator[Record | ParseIssue]]

_SKIP_SUFFIXES = {".md", ".txt.md", ".rst", ".pdf", ".png"}


def detect(path: Path) -> ModuleType:
    """The parser module for ``path``; ``UnknownFormat`` when no parser recognises it."""
    try:
        sample = head(path)
    except OSError as e:
        raise UnknownFormat(str(path), f"cannot read it ({e.strerror or e})") from e
    if not sample.strip():
        raise UnknownFormat(str(path), "the file is empty")
    for module in PARSERS:
        if module.sniff(sample, path):
            return module
    raise UnknownFormat(str(path), "no parser recognises its content")


def parser_for(fmt: str) -> ModuleType:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise UnknownFormat(fmt, f"unknown format name {fmt!r}") from None


def expand(inputs: Iterable[str | Path]) -> list[Path]:
    """Files, directories (recursively, documentation files skipped) and glob patterns."""
    out: list[Path] = []
    for item in inputs:
        text = str(item)
        matches = sorted(glob.glob(text, recursive=True)) if glob.has_magic(text) else [text]
        for m in matches:
            path = Path(m)
            if path.is_dir():
                out.extend(
                    p
                    for p in sorted(path.rglob("*"))
                    if p.is_file()
                    and not p.name.startswith(".")
                    and p.suffix.lower() not in _SKIP_SUFFIXES
                )
            else:
                out.append(path)
    return list(dict.fromkeys(out))


def plan(paths: list[Path], fmt: str | None) -> Iterator[tuple[list[Path], ModuleType | Exception]]:
    """Groups files into parse units: BibTeX files are read together (shared macros and
    crossref parents); every other file alone. Undetectable files come with their error."""
    bib: list[Path] = []
    for path in paths:
        module: ModuleType | Exception
        try:
            module = parser_for(fmt) if fmt else detect(path)
        except UnknownFormat as e:
            module = e
        if module is bibtex:
            bib.append(path)
        else:
            yield [path], module
    if bib:
        yield bib, bibtex


def parse_unit(
    paths: list[Path], module: ModuleType, **options: Any
) -> Iterator[Record | ParseIssue]:
    if module is bibtex and len(paths) > 1:
        return bibtex.parse_many(paths)
    return module.parse(paths[0], **options)  # type: ignore[no-any-return]
