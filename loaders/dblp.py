"""dblp XML (``dblp.xml`` and excerpts of it) → canonical records.

Format: ``<?xml … encoding="ISO-8859-1"?>``, optionally ``<!DOCTYPE dblp SYSTEM "dblp.dtd">``,
then ``<dblp>`` with one element per record: ``article``, ``inproceedings``, ``proceedings``,
``book``, ``incollection``, ``phdthesis``, ``mastersthesis`` and ``www`` (person pages, skipped
without a trace). Each has ``key`` and ``mdate`` attributes and children ``author*``,
``editor*``, ``title``, ``year``, ``journal``/``booktitle``, ``series``, ``ee*``, ``url``,
``crossref`` …

Quirks handled:

* **HTML named entities without a DTD** (``&ouml;`` …), and **untrusted input**: the document
  is read through ``loaders.xml_safe``: its own DOCTYPE (``dblp.dtd``, or an internal subset)
  is never read; the HTML 4 / ISO-8859 named character references resolve; nothing else does
  and nothing outside the file is opened. Entities the document's DTD declares (an external
  ``<!ENTITY e SYSTEM "file:///…">``, a billion-laughs chain …) are reported once for the file
  (non-fatal, on the DOCTYPE's line), and every record that uses one is reported with its key
  and line and skipped; the other records load. ``sourceline`` numbers stay those of the file.
  The document is streamed with ``lxml.etree.iterparse`` and every finished record is cleared.
* **Malformed XML** is parsed in lxml's recover mode: each error lxml logs becomes a
  non-fatal ``ParseIssue`` with its line and the neighbouring records still come out. A file
  lxml cannot read at all gives one fatal issue.
* **Inline markup in titles** (``<i>``, ``<sub>``, ``<sup>``, ``<tt>``): the full text content
  is taken; whitespace collapsed; dblp's trailing period is stripped (not an ellipsis).
* **Homonym numbers** ("Markus Schmitt 0002"): ``AuthorRef(dblp=<full dblp name>,
  name=<name without the number>)``, so homonyms stay distinct people while the display name
  is clean. Every dblp author carries ``dblp=<name>`` (a dblp name is a dblp person id).
* **Editors are not authors**: ``<editor>`` elements are ignored (the canonical ``Paper`` has
  no editor list).
* **Venue**: ``VenueRef(dblp=<key prefix>, …)``: ``article`` → journal named by ``<journal>``;
  ``inproceedings``/``proceedings`` → conference named by ``<booktitle>``; ``book`` /
  ``incollection`` under ``series/…`` keys → type book, named by the **series** (the book's
  ``<series>``, its crossref parent's, or else the series name seen for that key prefix): a
  chapter's ``booktitle`` is the volume title, not the venue. A chapter of a non-series
  book gets a name-keyed book venue from its booktitle; a book without series gets none.
* **``ee`` → DOI** when it is a doi.org / dx.doi.org link (first such wins); otherwise the first
  ``ee`` becomes ``Paper.url`` (falling back to an absolute ``<url>``).
* **crossref** (child → parent ``book``/``proceedings`` key, parents before *or after* their
  children): by default the file is read **twice**, both times streamed: the first pass keeps
  a small dict of parent records (key → year, booktitle/title, series; parents are few: about
  1 in 40 dblp records), the second pass emits every record, filling a child's missing
  year/booktitle/series from its parent. ``two_pass=False`` reads once and only inherits from
  parents seen earlier. Parents missing from the file are simply not used.

Identifiers: ``PaperIds(dblp=key, doi=…)``; ``Paper.doc_type`` is the record element name.
The file is declared ISO-8859-1 and the declaration is honoured.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from graph import ids
from loaders import xml_safe
from loaders.io import open_binary
from loaders.records import (
    AuthorRef,
    Authorship,
    Location,
    Paper,
    PaperIds,
    ParseIssue,
    Record,
    VenueRef,
    VenueType,
)

FORMAT = "dblp"
SOURCE = "dblp"

RECORD_TAGS = frozenset(
    {
        "article",
        "inproceedings",
        "proceedings",
        "book",
        "incollection",
        "phdthesis",
        "mastersthesis",
        "www",
    }
)
PARENT_TAGS = frozenset({"book", "proceedings"})

_SNIFF = re.compile(rb"<dblp[\s>]")
_HOMONYM = re.compile(r"^(.*\S)\s+(\d{4})$")
_YEAR = re.compile(r"^\d{4}$")


def sniff(head: bytes, path: Path) -> bool:
    """A dblp dump: the ``<dblp>`` root element appears in the first bytes."""
    return bool(_SNIFF.search(head))


@dataclass(frozen=True, slots=True)
class _Parent:
    """What a crossref child may inherit from its parent book/proceedings."""

    year: str | None
    booktitle: str | None
    series: str | None


@dataclass(slots=True)
class _Context:
    parents: dict[str, _Parent]
    series_by_prefix: dict[str, str]


def parse(path: Path, two_pass: bool = True, **options: object) -> Iterator[Record | ParseIssue]:
    """Stream the papers of a dblp XML file (see the module docstring)."""
    ctx = _Context(parents={}, series_by_prefix={})
    if two_pass:
        for item in _records(path):
            if isinstance(item, ParseIssue):
                if item.fatal:
                    yield item
                    return
                continue  # reported once, by the emitting pass
            _remember(item, ctx)
    for item in _records(path):
        if isinstance(item, ParseIssue):
            yield item
            if item.fatal:
                return
            continue
        if not two_pass:
            _remember(item, ctx)
        yield from _emit(item, path, ctx)


@dataclass(frozen=True, slots=True)
class _Raw:
    """One record element flattened to plain values (so the element can be cleared)."""

    tag: str
    key: str | None
    line: int | None
    index: int
    fields: dict[str, list[str]]
    refused: frozenset[str] = frozenset()  # entities declared by the document's DTD it uses


def _records(path: Path) -> Iterator[_Raw | ParseIssue]:
    """Flattened record elements and XML errors, streamed."""
    try:
        raw = open_binary(path)
    except OSError as e:
        yield ParseIssue(Location(str(path)), f"cannot open: {e}", fatal=True)
        return
    with raw:
        try:
            reader = xml_safe.SafeXmlReader(raw)
        except ValueError as e:
            yield ParseIssue(Location(str(path), line=1), f"refused: {e}", fatal=True)
            return
        except (OSError, EOFError) as e:
            yield ParseIssue(Location(str(path)), f"cannot read file: {e}", fatal=True)
            return
        refusal = reader.prolog.refusal()
        if refusal:
            yield ParseIssue(Location(str(path), line=reader.prolog.doctype_line), refusal)
        declared = reader.prolog.general_names
        events = xml_safe.iterparse(reader, recover=True, huge_tree=True)
        reported = 0
        index = 0
        seen = False
        try:
            for _event, elem in events:
                seen = True
                parent = elem.getparent()
                if parent is None or parent.getparent() is not None:
                    continue  # the root, or a field inside a record
                if elem.tag in RECORD_TAGS:
                    index += 1
                    yield _flatten(elem, index, declared)
                elem.clear()
                while elem.getprevious() is not None:
                    del parent[0]
                reported = yield from _new_errors(events.error_log, reported, path)
        except etree.XMLSyntaxError as e:
            yield ParseIssue(Location(str(path), line=e.lineno), f"unreadable XML: {e}", True)
            return
        except (OSError, EOFError) as e:  # truncated gzip, read errors
            yield ParseIssue(Location(str(path)), f"cannot read file: {e}", fatal=True)
            return
        if not seen:
            first = next(iter(events.error_log), None)
            reason = first.message if first is not None else "no element"
            yield ParseIssue(Location(str(path), line=1), f"not an XML document: {reason}", True)
            return
        yield from _new_errors(events.error_log, reported, path)


def _new_errors(
    log: etree._ListErrorLog, seen: int, path: Path
) -> Generator[ParseIssue, None, int]:
    """Issues for the errors lxml logged since the last call; returns the new count."""
    entries = list(log)
    for entry in entries[seen:]:
        yield ParseIssue(Location(str(path), line=entry.line), f"XML error: {entry.message}")
    return len(entries)


def _flatten(elem: etree._Element, index: int, declared: frozenset[str]) -> _Raw:
    fields: dict[str, list[str]] = {}
    refused: set[str] = set()
    for child in elem:
        if isinstance(child, etree._Entity):
            xml_safe.entity_text(child, declared, refused)  # text between fields is not kept
            continue
        if not isinstance(child.tag, str):
            continue
        text, uses = xml_safe.text_of(child, declared)
        refused |= uses
        fields.setdefault(child.tag, []).append(" ".join(text.split()))
    return _Raw(elem.tag, elem.get("key"), elem.sourceline, index, fields, frozenset(refused))


def _first(raw: _Raw, name: str) -> str | None:
    values = raw.fields.get(name)
    return values[0] if values and values[0] else None


def _prefix(key: str) -> str | None:
    prefix, sep, _ = key.rpartition("/")
    return prefix if sep and prefix else None


def _remember(raw: _Raw, ctx: _Context) -> None:
    """Keep what children may inherit: parent records, and series names per key prefix."""
    if raw.tag not in PARENT_TAGS or not raw.key or raw.refused:
        return
    series = _first(raw, "series")
    ctx.parents[raw.key] = _Parent(
        year=_first(raw, "year"),
        booktitle=_first(raw, "booktitle") or _first(raw, "title"),
        series=series,
    )
    prefix = _prefix(raw.key)
    if series and prefix:
        ctx.series_by_prefix.setdefault(prefix, series)


def _emit(raw: _Raw, path: Path, ctx: _Context) -> Iterator[Paper | ParseIssue]:
    if raw.tag == "www":
        return
    where = Location(str(path), line=raw.line, index=raw.index)
    if not raw.key:
        yield ParseIssue(where, f"<{raw.tag}> record without a key")
        return
    if raw.refused:
        yield ParseIssue(where, f"{raw.key}: {xml_safe.refused_reason(raw.refused)}")
        return
    try:
        yield _paper(raw, ctx)
    except ValueError as e:
        yield ParseIssue(where, f"{raw.key}: {e}")


def _paper(raw: _Raw, ctx: _Context) -> Paper:
    assert raw.key is not None
    parent = ctx.parents.get(_first(raw, "crossref") or "")
    year_text = _first(raw, "year") or (parent.year if parent else None)
    if year_text is not None and not _YEAR.match(year_text):
        raise ValueError(f"year is not a number: {year_text!r}")
    year = int(year_text) if year_text else None
    title = _clean_title(_first(raw, "title"))
    if not title:
        raise ValueError("no title")
    doi, url = _doi_and_url(raw)
    return Paper(
        ids=PaperIds(dblp=raw.key, doi=doi),
        source=SOURCE,
        title=title,
        year=year,
        url=url,
        doc_type=raw.tag,
        authors=_authors(raw.fields.get("author", [])),
        venue=_venue(raw, parent, ctx),
    )


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title or None


def split_homonym(dblp_name: str) -> str:
    """``"Markus Schmitt 0002"`` → ``"Markus Schmitt"``; other names unchanged."""
    m = _HOMONYM.match(dblp_name)
    return m.group(1) if m else dblp_name


def _authors(names: list[str]) -> tuple[Authorship, ...]:
    return tuple(
        Authorship(
            author=AuthorRef(name=split_homonym(name), dblp=name),
            position=position,
            raw_name=name,
        )
        for position, name in enumerate(names, start=1)
    )


def _doi_and_url(raw: _Raw) -> tuple[str | None, str | None]:
    doi = None
    url = None
    for ee in raw.fields.get("ee", []):
        lowered = ee.lower()
        found = ids.normalize_doi(ee) if "doi.org/" in lowered else None
        if found and doi is None:
            doi = found
        elif not found and url is None:
            url = ee
    if url is None:
        page = _first(raw, "url")
        if page and page.lower().startswith(("http://", "https://")):
            url = page
    return doi, url


def _venue(raw: _Raw, parent: _Parent | None, ctx: _Context) -> VenueRef | None:
    assert raw.key is not None
    prefix = _prefix(raw.key)
    if raw.tag == "article":
        return _venue_ref(_first(raw, "journal"), "journal", prefix)
    if raw.tag in ("inproceedings", "proceedings"):
        name = _first(raw, "booktitle") or (parent.booktitle if parent else None)
        return _venue_ref(name, "conference", prefix)
    if raw.tag in ("book", "incollection"):
        series = (
            _first(raw, "series")
            or (parent.series if parent else None)
            or ctx.series_by_prefix.get(prefix or "")
        )
        if series and prefix and prefix.startswith("series/"):
            return _venue_ref(series, "book", prefix)
        if raw.tag == "incollection":
            name = _first(raw, "booktitle") or (parent.booktitle if parent else None)
            return _venue_ref(name, "book", None)
    return None


def _venue_ref(name: str | None, kind: VenueType, dblp: str | None) -> VenueRef | None:
    if not name:
        return None
    return VenueRef(name=name, type=kind, dblp=dblp)
