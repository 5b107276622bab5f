"""Opening source files: plain or gzip, text or bytes, streamed.

Line-based sources are decoded **per line** (``numbered_lines``): a line that is not valid in
the file's encoding becomes a ``ParseIssue`` naming the file, the line and the bad byte, and
the lines around it are read as usual. Decoding the file as one text stream would stop at the
first bad byte and lose everything after it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from loaders.records import Location, ParseIssue

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, transparently gunzipped (by content, not by name)."""
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    if is_gzip(path):
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open("r", encoding=encoding, newline="")


def head(path: Path, size: int = 8192) -> bytes:
    """The first ``size`` bytes after decompression (for format sniffing)."""
    with open_binary(path) as fh:
        return fh.read(size)


def decode_line(raw: bytes, number: int, name: str, encoding: str = "utf-8") -> str | ParseIssue:
    """One line's bytes as text, or a ``ParseIssue`` naming the line and the undecodable bytes."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        bad = raw[e.start : e.end].hex(" ")
        return ParseIssue(
            Location(name, line=number),
            f"line {number} is not valid {encoding.upper()}: byte(s) {bad} at column "
            f"{e.start + 1} ({e.reason}); the line is skipped",
        )


def invalid_json(raw: bytes, where: Location, error: Exception) -> ParseIssue:
    """The issue for a JSON line that did not parse: its undecodable byte when it is not UTF-8
    (the JSON parser would only say "line 1 column 1"), else the parser's message."""
    if where.line is not None:
        decoded = decode_line(raw, where.line, where.file)
        if isinstance(decoded, ParseIssue):
            return decoded
    return ParseIssue(where, f"not valid JSON: {error}")


def numbered_lines(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, str] | ParseIssue]:
    """(1-based line number, line without its newline), streamed and decoded line by line.

    Lines end at ``\n`` (a ``\r`` before it is dropped). A line that does not decode is
    yielded as a non-fatal ``ParseIssue`` instead (see the module docstring).
    """
    name = str(path)
    with open_binary(path) as fh:
        for number, raw in enumerate(fh, start=1):
            line = decode_line(raw.rstrip(b"\r\n"), number, name, encoding)
            yield line if isinstance(line, ParseIssue) else (number, line)
