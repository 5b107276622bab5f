"""Parsing in worker processes gives exactly the serial parse, in order, bad lines included.

The input is the real OpenAlex works in ../shared/data/openalex-works-api rewritten as a JSONL
dump (one work per line, the way OpenAlex snapshots ship), with damaged lines put in.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from loaders import openalex
from loaders.parallel import paper_rows
from loaders.records import ParseIssue

OA = Path(__file__).parents[2].parent / "shared" / "data" / "openalex-works-api"
PAGES = sorted(OA.glob("works_chunk_*_page_*.json"))


def _works() -> list[bytes]:
    return [orjson.dumps(w) for page in PAGES for w in orjson.loads(page.read_bytes())["results"]]


def _dump(path: Path, lines: list[bytes]) -> Path:
    with gzip.open(path, "wb") as fh:
        fh.write(b"\n".join(lines) + b"\n")
    return path


def _outcome(items: list[Any]) -> tuple[list[Any], list[tuple[int | None, str, bool]]]:
    rows = [i for i in items if not isinstance(i, ParseIssue)]
    issues = [(i.location.line, i.reason, i.fatal) for i in items if isinstance(i, ParseIssue)]
    return rows, issues


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = _works()
    lines.insert(7, b'{"id": "https://openalex.org/W1", "title": ')  # cut mid-object
    lines.insert(40, b"")  # blank lines are skipped, but still counted
    lines.insert(41, b'"W2"')  # JSON, but not a work
    return _dump(tmp_path_factory.mktemp("oa") / "works.jsonl.gz", lines)


@pytest.mark.parametrize("chunk_lines", [1, 7, 500])
def test_pooled_parse_equals_serial_parse(dump: Path, chunk_lines: int) -> None:
    serial = list(paper_rows(dump, openalex, workers=0))
    pooled = list(paper_rows(dump, openalex, workers=2, chunk_lines=chunk_lines))
    assert _outcome(pooled) == _outcome(serial)
    rows, issues = _outcome(pooled)
    assert len(rows) == len(_works())  # every good work survives its bad neighbours
    assert [line for line, _, _ in issues] == [8, 42]  # 1-based lines of the damaged input


def test_truncated_dump_keeps_what_was_read(tmp_path: Path, dump: Path) -> None:
    data = dump.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    serial_rows, serial_issues = _outcome(list(paper_rows(cut, openalex, workers=0)))
    rows, issues = _outcome(list(paper_rows(cut, openalex, workers=2, chunk_lines=5)))
    assert issues[-1][2] is True and "cannot read file" in issues[-1][1]
    assert issues == serial_issues
    assert 0 < len(rows) == len(serial_rows) < len(_works())
    assert rows == serial_rows[: len(rows)]


def test_api_pages_fall_back_to_the_serial_parser() -> None:
    page = PAGES[0]
    expected = len(orjson.loads(page.read_bytes())["results"])
    rows, issues = _outcome(list(paper_rows(page, openalex, workers=2)))
    assert issues == []
    assert len(rows) == expected


def test_invalid_utf8_line_is_reported_by_number_in_the_pool(tmp_path: Path) -> None:
    lines = _works()
    lines[99] = lines[99].replace(b'"title":"', b'"title":"\xff', 1)  # line 100
    path = _dump(tmp_path / "bad.jsonl.gz", lines)
    for workers in (0, 2):
        rows, issues = _outcome(list(paper_rows(path, openalex, workers=workers, chunk_lines=30)))
        assert len(rows) == len(lines) - 1
        ((line, reason, fatal),) = issues
        assert (line, fatal) == (100, False)
        assert reason.startswith("line 100 is not valid UTF-8: byte(s) ff")
