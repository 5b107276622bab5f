"""AMiner "DBLP-Citation-network" V12 JSON (``dblp.v12.json``).

The file is one JSON array written with one record per line: ``[`` alone on the first line,
then ``{...}`` and ``,{...}`` lines and a closing ``]`` (CRLF line ends). It is streamed line by
line — a leading ``[``/``,`` and a trailing ``]``/``,`` are stripped and each line is decoded on
its own — so memory stays flat on the 4.9M-record full dump and a bad line becomes a
``ParseIssue`` with its line number while its neighbours still load. Plain JSONL works too.

Record fields: ``id`` (int) → ``PaperIds.aminer``; ``authors[{name, org?, id}]`` →
``AuthorRef(aminer=id, affiliation=org)``; ``venue{raw, id?, type? C|J}`` → a name-keyed
``VenueRef`` typed from ``venue.type`` or else ``doc_type``; ``references[int]`` → references;
``fos[{name, w}]`` → ``aminer-fos`` categories (weight 0.0 kept); ``indexed_abstract`` →
abstract rebuilt from its inverted index; ``n_citation`` → ``source_citation_count``.

Quirks handled: optional keys are absent rather than null (``references``, ``indexed_abstract``,
``fos``, ``org``, ``venue.id``, ``venue.type``); empty strings mean missing (``doi``,
``doc_type``, ``volume``…); ``org`` strings carry a literal ``#TAB#`` artefact; text carries
unescaped JSON escapes such as ``u0027`` (``'``), ``u0026`` (``&``) and ``u003c`` (``<``)
(e.g. ``Contextu0027``, ``Qu0026A``), which are decoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from graph import ids
from loaders.io import invalid_json, open_binary
from loaders.records import (
    AuthorRef,
    Authorship,
    CategoryRef,
    Location,
    Paper,
    PaperIds,
    ParseIssue,
    Record,
    VenueRef,
    VenueType,
)
from loaders.text import collapse_ws, rebuild_inverted_index

FORMAT = "aminer"
SOURCE = "aminer"

_SNIFF = re.compile(rb'^\s*\[?\s*\{\s*"id"\s*:\s*"?\d+"?\s*,\s*"authors"\s*:')
# JSON \u00XX escapes written without their backslash; only punctuation, so real words are safe.
_ARTEFACT = re.compile(r"(?<!\\)u00(2[2-9a-f]|3[cde]|5c)", re.IGNORECASE)
_VENUE_TYPES: dict[str, VenueType] = {"c": "conference", "j": "journal"}
_DOC_TYPES: dict[str, VenueType] = {
    "conference": "conference",
    "journal": "journal",
    "repository": "repository",
    "book": "book",
}


def sniff(head: bytes, path: Path) -> bool:
    """A (line-per-record) JSON array or JSONL of objects starting ``{"id": 123, "authors":``
    with AMiner's ``n_citation`` / ``venue.raw`` keys."""
    return bool(_SNIFF.match(head)) and (b'"n_citation"' in head or b'"raw"' in head)


def parse(path: Path, **options: Any) -> Iterator[Record | ParseIssue]:
    name = str(path)
    try:
        with open_binary(path) as fh:
            for number, line in enumerate(fh, start=1):
                body = _record_text(line)
                if body:
                    yield _record(body, Location(name, line=number))
    except (OSError, EOFError) as e:
        yield ParseIssue(Location(name), f"cannot read file: {e}", fatal=True)


def _record_text(line: bytes) -> bytes:
    """The JSON object on one line of the array, without the array's ``[`` ``,`` ``]``.

    Bytes, so a line with broken UTF-8 is one bad record (orjson validates it), not a dead file.
    """
    text = line.strip()
    if text.startswith(b"["):
        text = text[1:].lstrip()
    if text.startswith(b","):
        text = text[1:].lstrip()
    if text.endswith(b"]"):
        text = text[:-1].rstrip()
    if text.endswith(b","):
        text = text[:-1].rstrip()
    return text


def _record(body: bytes, where: Location) -> Paper | ParseIssue:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        return invalid_json(body, where, e)
    if not isinstance(doc, dict) or doc.get("id") in (None, ""):
        return ParseIssue(where, "not an AMiner record (no id)")
    aminer_id = str(doc["id"]).strip()
    try:
        return _paper(doc, aminer_id)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        return ParseIssue(where, f"record {aminer_id}: {e}")


def fix_artefacts(text: str) -> str:
    """``Contextu0027`` → ``Context'``; ``Qu0026A`` → ``Q&A``."""
    return _ARTEFACT.sub(lambda m: chr(int(m.group(1), 16)), text)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    return collapse_ws(fix_artefacts(str(value)))


def _paper(doc: dict[str, Any], aminer_id: str) -> Paper:
    doi = ids.normalize_doi(str(doc["doi"])) if doc.get("doi") else None
    abstract = doc.get("indexed_abstract") or {}
    return Paper(
        ids=PaperIds(doi=doi, aminer=aminer_id),
        source=SOURCE,
        title=_clean(doc.get("title")),
        abstract=rebuild_inverted_index(abstract.get("InvertedIndex"), fix_word=fix_artefacts),
        year=doc.get("year") or None,
        url=f"https://doi.org/{doi}" if doi else None,
        source_citation_count=doc.get("n_citation"),
        doc_type=_clean(doc.get("doc_type")),
        authors=_authors(doc.get("authors") or []),
        venue=_venue(doc.get("venue"), str(doc.get("doc_type") or "")),
        categories=_categories(doc.get("fos") or []),
        references=tuple(PaperIds(aminer=str(ref)) for ref in doc.get("references") or []),
    )


def _authors(rows: list[Any]) -> tuple[Authorship, ...]:
    out: list[Authorship] = []
    for position, row in enumerate(rows, start=1):
        name = _clean(row.get("name"))
        org = _clean(str(row.get("org") or "").replace("#TAB#", " "))
        ref = AuthorRef(
            name=name or "",
            aminer=str(row["id"]) if row.get("id") not in (None, "") else None,
            affiliation=org,
        )
        out.append(Authorship(author=ref, position=position, raw_name=name))
    return tuple(out)


def _venue(venue: Any, doc_type: str) -> VenueRef | None:
    if not isinstance(venue, dict):
        return None
    name = _clean(venue.get("raw"))
    if not name:
        return None
    kind = _VENUE_TYPES.get(str(venue.get("type") or "").lower())
    return VenueRef(name=name, type=kind or _DOC_TYPES.get(doc_type.lower(), "other"))


def _categories(rows: list[Any]) -> tuple[CategoryRef, ...]:
    out: dict[str, CategoryRef] = {}
    for row in rows:
        name = _clean(row.get("name"))
        if name and f"aminer-fos:{name}" not in out:
            out[f"aminer-fos:{name}"] = CategoryRef(
                id=f"aminer-fos:{name}", name=name, scheme="aminer-fos"
            )
    return tuple(out.values())
