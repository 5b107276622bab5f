"""Labelled sets in their original XML: one ``<person>`` file per name block, each
``<publication>`` a mention with its gold ``<label>``, as Qian-DBLP and AMiner-110 ship them
(``../shared/data/author-disambiguation/*/xml``). Read into the rows of ``mentions.jsonl``
(``loaders.labelled``), so a set that comes only as its XML files is evaluated the same way.

Two layouts, told apart by the file: an AMiner-110 file has a ``<personID>`` and each paper its
``<id>`` and full author list (the focal name among them, perhaps as a variant); a Qian-DBLP
file has neither, and its ``<authors>`` are the co-authors only (the source removed the focal
author and lower-cased the rest), with ``<keyword>``s and sometimes an ``<abstract>``.

Most of these files are not well-formed XML (raw ``&`` and ``<`` in titles, HTML entities,
text escaped twice), so they are read as text, not parsed: each ``<publication>`` element's
fields are cut out by tag, and only HTML character references are decoded (``html.unescape``,
applied again while a reference is left, as in ``&amp;uuml;``). Nothing outside the file is
read; no entity is declared or expanded. A file that is not a ``<person>`` file is refused with
its name; a publication without a ``<label>`` has no gold person (``None``): it is counted as
skipped, not scored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.ids import normalize_name

_PERSON = re.compile(r"<person>", re.I)
_PERSON_ID = re.compile(r"<personID>", re.I)
_FULL_NAME = re.compile(r"<FullName>(.*?)</FullName>", re.S | re.I)
_PUBLICATION = re.compile(r"<publication>(.*?)</publication>", re.S | re.I)
_FIELDS = ("title", "year", "authors", "jconf", "id", "label", "organization", "keyword",
           "abstract")  # fmt: skip
_FIELD = re.compile(r"<(" + "|".join(_FIELDS) + r")>(.*?)</\1>", re.S | re.I)
_REFERENCE = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.I)


def is_person_file(path: Path) -> bool:
    """Whether ``path`` is one block of a labelled set in XML (a ``<person>`` file)."""
    if path.suffix.lower() != ".xml" or not path.is_file():
        return False
    with path.open("rb") as f:
        head = f.read(1024).decode("utf-8", errors="replace")
    return bool(_PERSON.search(head))


def person_files(folder: Path) -> list[Path]:
    """The ``<person>`` files of a folder, by name."""
    return sorted(p for p in folder.glob("*.xml") if is_person_file(p))


def text(value: str) -> str:
    """A field's text: character references decoded (twice-escaped text included), the ends
    stripped."""
    for _ in range(3):
        if not _REFERENCE.search(value):
            break
        value = html.unescape(value)
    return value.strip()


def read_person(path: Path, dataset: str) -> list[dict[str, Any]]:
    """The mentions of one ``<person>`` file, as ``mentions.jsonl`` rows."""
    doc = path.read_bytes().decode("utf-8", errors="replace")
    if not _PERSON.search(doc[:1024]):
        raise ValueError(f"{path}: not a labelled <person> file")
    full = _FULL_NAME.search(doc)
    block = text(full.group(1)) if full else text(path.stem.replace("_", " "))
    full_lists = bool(_PERSON_ID.search(doc))
    rows = []
    for i, pub in enumerate(_PUBLICATION.finditer(doc)):
        fields: dict[str, str] = {}
        for m in _FIELD.finditer(pub.group(1)):
            fields.setdefault(m.group(1).lower(), text(m.group(2)))
        names = [n.strip() for n in fields.get("authors", "").split(",") if n.strip()]
        printed = _focal(block, names) if full_lists else None
        year = fields.get("year", "")
        keywords = [k.strip() for k in fields.get("keyword", "").split(";") if k.strip()]
        rows.append({
            "dataset": dataset,
            "block": block,
            "mention_id": f"{path.name}#{i}",
            "paper_id": fields.get("id") or None,
            "name_as_printed": printed,
            "authors": names if full_lists else None,
            "coauthors": [n for n in names if n != printed] if full_lists else names,
            "title": fields.get("title", ""),
            "venue": _given(fields.get("jconf")),
            "year": int(year) if year.isdigit() else None,
            "affiliation": _given(fields.get("organization")),
            "keywords": keywords or None,
            "abstract": fields.get("abstract") or None,
            "gold_person": f"{block}::{fields['label']}" if fields.get("label") else None,
        })  # fmt: skip
    return rows


def _given(value: str | None) -> str | None:
    """A field's value, or None for an empty one or the sources' ``null``."""
    return None if value in (None, "", "null") else value


def _focal(block: str, names: list[str]) -> str | None:
    """The focal author's printed form in a full author list: the block's name itself, else
    the one name with the block's surname (a variant such as "R. Cole" for Richard Cole)."""
    if block in names:
        return block
    key = normalize_name(block).split()
    same = [n for n in names if normalize_name(n).split()[-1:] == key[-1:]]
    return same[0] if same else None


def read_folder(folder: Path, dataset: str) -> Iterator[dict[str, Any]]:
    """Every mention of a folder of ``<person>`` files, file by file in name order."""
    for path in person_files(folder):
        yield from read_person(path, dataset)
