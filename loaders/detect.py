"""Which parser reads a file: decided from its content (``--format`` overrides)."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from graph.errors import FormatMismatch, SourceError, UnknownFormat
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


def missing_inputs(inputs: Iterable[str | Path]) -> list[SourceError]:
    """One error per input that names nothing to load: a path that does not exist, a glob
    pattern matching no file, a directory without a loadable file (checked before loading, so
    a typo never loads half a command line)."""
    problems: list[SourceError] = []
    for item in inputs:
        text = str(item)
        if glob.has_magic(text):
            if not expand([text]):
                problems.append(SourceError(text, "no file matches this pattern"))
        elif not Path(text).exists():
            problems.append(SourceError(text, "no such file or directory"))
        elif Path(text).is_dir() and not expand([text]):
            problems.append(SourceError(text, "the directory holds no file to load"))
    return problems


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


def forced(path: Path, fmt: str) -> ModuleType:
    """The parser for ``--format fmt``; ``FormatMismatch`` when the file's content is another
    format's and ``fmt``'s own check does not recognise it (a JSONL file read as a profile
    page would make an author of its first line)."""
    module = parser_for(fmt)
    try:
        sample = head(path)
    except OSError:
        return module  # the parser reports it in its own words
    if module.sniff(sample, path):
        return module
    for other in PARSERS:
        if other is not module and other.sniff(sample, path):
            raise FormatMismatch(str(path), fmt, other.FORMAT)
    return module


def plan(paths: list[Path], fmt: str | None) -> Iterator[tuple[list[Path], ModuleType | Exception]]:
    """Groups files into parse units: BibTeX files are read together (shared macros and
    crossref parents); every other file alone. Undetectable files, and files whose content is
    another format than the forced one, come with their error."""
    bib: list[Path] = []
    for path in paths:
        module: ModuleType | Exception
        try:
            module = forced(path, fmt) if fmt else detect(path)
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
