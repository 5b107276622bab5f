"""Semantic Scholar Open Research Corpus (the 2019–2020 ``s2-corpus-NNN.gz`` JSONL releases).

One JSON object per line (the release files are gzip; streamed line by line). Keys:
``id`` (40-hex S2 paper id), ``title``, ``paperAbstract``, ``authors[{name, ids[]}]``,
``inCitations[]`` / ``outCitations[]`` (S2 paper ids), ``year``, ``venue``, ``journalName``,
``journalVolume``, ``journalPages``, ``doi``, ``doiUrl``, ``pmid``, ``fieldsOfStudy[]``,
``s2Url``, ``s2PdfUrl``, ``pdfUrls[]``, ``sources[]``, ``entities[]``, ``magId``.

Mapping: ``id`` → ``PaperIds.s2`` (plus the DOI, and an arXiv id when a ``pdfUrls`` entry is an
arxiv.org link); ``authors[].ids[0]`` → ``AuthorRef.s2`` (an author with no ids is kept by
name); ``outCitations`` → ``Paper.references``; each ``inCitations`` id → a ``Citation``
(citing = that id, cited = this paper); ``venue`` (else ``journalName``) → a name-keyed venue,
typed journal when ``journalName`` is set; ``journalName`` + volume + pages → ``journal_ref``;
``fieldsOfStudy`` → ``s2-field`` categories shared with the S2 Graph API parser.
Quirks: empty strings mean missing (``doi``, ``pmid``, ``venue``, ``journalPages`` …); ``year``
may be absent or null; ``entities`` and ``pmid``/``magId`` are ignored. A bad line is a
``ParseIssue`` with its line number; the other lines still load. A malformed id inside
``inCitations``/``outCitations`` is reported and skipped, and the paper still loads.
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
    Citation,
    Location,
    Paper,
    PaperIds,
    ParseIssue,
    Record,
    VenueRef,
)
from loaders.s2 import field_categories
from loaders.text import collapse_ws

FORMAT = "s2-corpus"
SOURCE = "s2"

_S2_ID = re.compile(r"^[0-9a-f]{40}$")
_SNIFF_ID = re.compile(rb'"id"\s*:\s*"[0-9a-f]{40}"')
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^?#\s]+)", re.IGNORECASE)


def sniff(head: bytes, path: Path) -> bool:
    """JSONL whose objects have a 40-hex ``id`` and ``paperAbstract``/``outCitations`` keys."""
    return (
        head.lstrip()[:1] == b"{"
        and bool(_SNIFF_ID.search(head))
        and (b'"paperAbstract"' in head or b'"outCitations"' in head)
    )


def parse(path: Path, **options: Any) -> Iterator[Record | ParseIssue]:
    name = str(path)
    try:
        with open_binary(path) as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    yield from _line(line, Location(name, line=number))
    except (OSError, EOFError) as e:
        yield ParseIssue(Location(name), f"cannot read file: {e}", fatal=True)


def _line(line: bytes, where: Location) -> Iterator[Record | ParseIssue]:
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        yield invalid_json(line, where, e)
        return
    if not isinstance(doc, dict):
        yield ParseIssue(where, "line is not a JSON object")
        return
    s2 = _s2_id(doc.get("id"))
    if s2 is None:
        yield ParseIssue(where, f"not an S2 paper id: {doc.get('id')!r}")
        return
    bad: list[str] = []
    try:
        cited_ids = _s2_ids(doc, "outCitations", bad)
        citing_ids = _s2_ids(doc, "inCitations", bad)
        paper = _paper(doc, s2, cited_ids)
        citations = [
            Citation(citing=PaperIds(s2=citing), cited=paper.ids, source=SOURCE)
            for citing in citing_ids
        ]
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        yield ParseIssue(where, f"paper {s2}: {e}")
        return
    for reason in bad:
        yield ParseIssue(where, f"paper {s2}: {reason}")
    yield paper
    yield from citations


def _s2_id(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text if _S2_ID.match(text) else None


def _s2_ids(doc: dict[str, Any], key: str, bad: list[str]) -> list[str]:
    """Distinct S2 ids of a citation list, in order; malformed entries are noted in ``bad``."""
    out: dict[str, None] = {}
    for index, value in enumerate(doc.get(key) or []):
        s2 = _s2_id(value)
        if s2:
            out.setdefault(s2)
        else:
            bad.append(f"{key}[{index}] is not an S2 paper id: {value!r} (skipped)")
    return list(out)


def _paper(doc: dict[str, Any], s2: str, cited_ids: list[str]) -> Paper:
    doi = ids.normalize_doi(str(doc["doi"])) if doc.get("doi") else None
    categories = field_categories(doc.get("fieldsOfStudy"), None)
    return Paper(
        ids=PaperIds(doi=doi, arxiv=_arxiv(doc.get("pdfUrls")), s2=s2),
        source=SOURCE,
        title=collapse_ws(doc.get("title")),
        abstract=collapse_ws(doc.get("paperAbstract")),
        year=doc.get("year") or None,
        url=doc.get("s2Url") or None,
        journal_ref=_journal_ref(doc),
        authors=_authors(doc.get("authors") or []),
        venue=_venue(doc),
        categories=categories,
        primary_category=categories[0].id if categories else None,
        references=tuple(PaperIds(s2=cited) for cited in cited_ids),
    )


def _arxiv(urls: Any) -> str | None:
    for url in urls or []:
        m = _ARXIV_URL.search(str(url))
        arxiv = ids.normalize_arxiv(m.group(1)) if m else None
        if arxiv:
            return arxiv
    return None


def _authors(rows: list[Any]) -> tuple[Authorship, ...]:
    out: list[Authorship] = []
    for position, row in enumerate(rows, start=1):
        name = collapse_ws(row.get("name"))
        author_ids = [str(i).strip() for i in row.get("ids") or [] if str(i).strip()]
        ref = AuthorRef(name=name or "", s2=author_ids[0] if author_ids else None)
        out.append(Authorship(author=ref, position=position, raw_name=name))
    return tuple(out)


def _venue(doc: dict[str, Any]) -> VenueRef | None:
    journal = collapse_ws(doc.get("journalName"))
    name = collapse_ws(doc.get("venue")) or journal
    if not name:
        return None
    return VenueRef(name=name, type="journal" if journal else "other")


def _journal_ref(doc: dict[str, Any]) -> str | None:
    journal = collapse_ws(doc.get("journalName"))
    if not journal:
        return None
    volume = collapse_ws(doc.get("journalVolume"))
    pages = collapse_ws(doc.get("journalPages"))
    ref = f"{journal} {volume}" if volume else journal
    return f"{ref}, {pages}" if pages else ref
