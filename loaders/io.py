"""Opening source files: plain or gzip, text or bytes, streamed."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, transparently gunzipped (by content, not by name)."""
    if is_gzip(path):
        return gzip.open(path, "rb")
    return path.open("rb")


def open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    if is_gzip(path):
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open("r", encoding=encoding, newline="")


def head(path: Path, size: int = 8192) -> bytes:
    """The first ``size`` bytes after decompression (for format sniffing)."""
    with open_binary(path) as fh:
        return fh.read(size)


def numbered_lines(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its newline), streamed."""
    with open_text(path, encoding) as fh:
        for number, line in enumerate(fh, start=1):
            yield number, line.rstrip("\r\n")
