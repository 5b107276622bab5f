"""JSONL sources parsed in worker processes, results in input order.

For a big dump the parse (JSON decoding, id normalisation, record → row) costs more than
writing its rows, so ``paper_rows`` hands chunks of raw lines to a process pool while the
caller consumes rows in the main process. Output is exactly the serial parse's, in the same
order — rows, and ``ParseIssue``s with their line numbers — so identity resolution downstream
sees the same sequence whatever the worker count.

A parser joins by exposing ``parse_line(raw, number, name)`` (one JSONL line → records and
issues). A file that is not JSONL (its first non-empty line is not a whole JSON object, e.g. an
API page spread over lines) is parsed serially by the module's ``parse``.

Memory stays bounded: at most ``workers * IN_FLIGHT_PER_WORKER`` chunks are read ahead. Workers
run without the cyclic garbage collector (records and rows hold no cycles; see
``graph.bulk.cyclic_gc_paused``).
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from importlib import import_module
from multiprocessing import get_context
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from loaders.io import open_binary
from loaders.records import Location, Paper, ParseIssue, Record
from loaders.writer import paper_row

Row = dict[str, Any]
CHUNK_LINES = 500
IN_FLIGHT_PER_WORKER = 4


def default_workers() -> int:
    """One worker per core: the consumer's CSV writing overlaps with the workers' parsing."""
    return max(1, len(os.sched_getaffinity(0)))


def _rows_of(
    items: Iterator[Record | ParseIssue], name: str, line: int | None
) -> Iterator[Row | ParseIssue]:
    for item in items:
        if isinstance(item, Paper):
            try:
                yield paper_row(item)
            except ValueError as e:
                yield ParseIssue(Location(name, line=line), str(e))
        elif isinstance(item, ParseIssue):
            yield item


def _parse_chunk(module_name: str, name: str, first: int, lines: list[bytes]) -> list[Any]:
    """Worker side: one chunk of lines → rows and issues (must be importable by name)."""
    module = import_module(module_name)
    out: list[Any] = []
    for number, raw in enumerate(lines, start=first):
        out.extend(_rows_of(module.parse_line(raw, number, name), name, number))
    return out


def _first_line(fh: IO[bytes]) -> tuple[int, bytes]:
    for number, raw in enumerate(fh, start=1):
        if raw.strip():
            return number, raw
    return 0, b""


def _is_jsonl_line(raw: bytes) -> bool:
    line = raw.strip()
    return len(line) > 1 and line.startswith(b"{") and line.endswith(b"}")


def paper_rows(
    path: Path, module: ModuleType, *, workers: int | None = None, chunk_lines: int = CHUNK_LINES
) -> Iterator[Row | ParseIssue]:
    """Rows (``loaders.writer.paper_row``) and issues of one file, parsed by ``workers``.

    ``workers=0`` parses in this process (same output, no pool).
    """
    name = str(path)
    workers = default_workers() if workers is None else workers
    if workers == 0 or not hasattr(module, "parse_line"):
        yield from _rows_of(module.parse(path), name, None)
        return
    try:
        fh = open_binary(path)
    except OSError:  # the parser reports it in its own words
        yield from _rows_of(module.parse(path), name, None)
        return
    with fh:
        try:
            number, first = _first_line(fh)
        except (OSError, EOFError) as e:
            yield ParseIssue(Location(name), f"cannot read file: {e}", fatal=True)
            return
        if not first:
            return
        if not _is_jsonl_line(first):
            yield from _rows_of(module.parse(path), name, None)
            return
        yield from _pooled(fh, module.__name__, name, number, first, workers, chunk_lines)


def _pooled(
    fh: IO[bytes], module_name: str, name: str, number: int, first: bytes, workers: int,
    chunk_lines: int,
) -> Iterator[Row | ParseIssue]:  # fmt: skip
    pending: deque[Future[list[Any]]] = deque()
    limit = workers * IN_FLIGHT_PER_WORKER
    context = get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=gc.disable) as pool:
        chunk, start = [first], number
        try:
            for n, raw in enumerate(fh, start=number + 1):  # the file resumes after `first`
                chunk.append(raw)
                if len(chunk) >= chunk_lines:
                    pending.append(pool.submit(_parse_chunk, module_name, name, start, chunk))
                    chunk, start = [], n + 1
                    while len(pending) >= limit:
                        yield from pending.popleft().result()
        except (OSError, EOFError) as e:  # truncated gzip: what was read still counts
            if chunk:
                pending.append(pool.submit(_parse_chunk, module_name, name, start, chunk))
            while pending:
                yield from pending.popleft().result()
            yield ParseIssue(Location(name), f"cannot read file: {e}", fatal=True)
            return
        if chunk:
            pending.append(pool.submit(_parse_chunk, module_name, name, start, chunk))
        while pending:
            yield from pending.popleft().result()
