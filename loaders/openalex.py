"""OpenAlex works: API pages, single work objects and JSONL dumps.

Accepted layouts (plain or gzip):

* an API page ``{"meta": {...}, "results": [Work, ...]}`` (``/works`` responses, one document,
  bounded by ``per_page``, so it is read whole); an empty terminal page (``results: []``,
  ``next_cursor: null``) yields nothing and is not an error;
* a bare work object ``{"id": "https://openalex.org/W…", ...}`` (``/works/W…``);
* a JSON array of works;
* JSONL — one work (or one page) per line, streamed line by line; a bad line becomes a
  ``ParseIssue`` with its line number and the other lines still load.

Per work: every id is a URL and is shortened (``W…``, ``A…``, ``S…``, ``T…``, ``C…``); the DOI
is normalised and an arXiv id is taken from ``ids``, an arXiv DOI (``10.48550/arXiv.…``) or an
``arxiv.org/abs|pdf`` location. Titles lose HTML markup (``<i>``, ``<sup>``). The abstract is
rebuilt from ``abstract_inverted_index`` (null allowed). Authorships keep their order (1-based
position from the list; ``author_position`` first/middle/last is informational), the raw printed
name and the first institution; the same author id listed twice on one work (e.g. W49044230
lists Richard W. Wrangham four times) is collapsed to its first position; the placeholder author
``A9999999999`` is not a person and is dropped silently. ``primary_location.source`` becomes the
venue (null allowed), topics carry their subfield → field → domain hierarchy, concepts are flat,
``referenced_works`` become references. Keys are not uniform across works (e.g.
``fulltext_origin``), so everything is read with ``.get``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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
from loaders.text import collapse_ws, rebuild_inverted_index, strip_markup

FORMAT = "openalex"
SOURCE = "openalex"

_WORK_ID = re.compile(rb'"id"\s*:\s*"https://openalex\.org/W\d+"')
_PAGE_META = re.compile(rb'"meta"\s*:\s*\{[^{}]*"db_response_time_ms"')
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^?#\s]+)", re.IGNORECASE)
_TRAILING_ID = re.compile(r"/([^/]+)$")

_VENUE_TYPES: dict[str, VenueType] = {
    "journal": "journal",
    "conference": "conference",
    "repository": "repository",
    "ebook platform": "book",
    "book series": "book",
}


def sniff(head: bytes, path: Path) -> bool:
    """A JSON document or JSONL whose objects are OpenAlex works or ``/works`` pages."""
    start = head.lstrip()[:1]
    if start not in (b"{", b"["):
        return False
    return bool(_WORK_ID.search(head) or _PAGE_META.search(head))


def parse(path: Path, **options: Any) -> Iterator[Record | ParseIssue]:
    """Yield one ``Paper`` per work (``ParseIssue`` for bad works or lines)."""
    name = str(path)
    try:
        fh = open_binary(path)
    except OSError as e:
        yield ParseIssue(Location(name), f"cannot open file: {e}", fatal=True)
        return
    with fh:
        try:
            yield from _parse_stream(fh, name)
        except (OSError, EOFError) as e:  # truncated gzip, read errors
            yield ParseIssue(Location(name), f"cannot read file: {e}", fatal=True)


def _parse_stream(fh: Iterable[bytes], name: str) -> Iterator[Record | ParseIssue]:
    lines = iter(fh)
    number, first = 0, b""
    for number, raw in enumerate(lines, start=1):  # noqa: B007 - number used below
        first = raw.strip()
        if first:
            break
    if not first:
        return  # an empty file holds no works
    if len(first) > 1 and first.startswith(b"{") and first.endswith(b"}"):
        yield from _parse_jsonl(first, number, lines, name)
        return
    body = first + b"\n" + b"".join(lines)
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        yield ParseIssue(Location(name), f"not valid JSON: {e}", fatal=True)
        return
    yield from _document(doc, name, line=None)


def _parse_jsonl(
    first: bytes, first_number: int, rest: Iterator[bytes], name: str
) -> Iterator[Record | ParseIssue]:
    yield from parse_line(first, first_number, name)
    for number, raw in enumerate(rest, start=first_number + 1):
        yield from parse_line(raw, number, name)


def parse_line(raw: bytes, number: int, name: str) -> Iterator[Record | ParseIssue]:
    """One JSONL line (a work or a page) → its papers; used by ``loaders.parallel`` too."""
    line = raw.strip()
    if not line:
        return
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        yield invalid_json(line, Location(name, line=number), e)
        return
    yield from _document(doc, name, line=number)


def _document(doc: Any, name: str, line: int | None) -> Iterator[Record | ParseIssue]:
    """A page, a bare work or an array of works."""
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        works: list[Any] = doc["results"]
    elif isinstance(doc, dict):
        yield from _work(doc, Location(name, line=line))
        return
    elif isinstance(doc, list):
        works = doc
    else:
        yield ParseIssue(Location(name, line=line), "not an OpenAlex work, page or list of works")
        return
    for index, work in enumerate(works):
        yield from _work(work, Location(name, line=line, index=index))


def _work(work: Any, where: Location) -> Iterator[Record | ParseIssue]:
    if not isinstance(work, dict):
        yield ParseIssue(where, f"work is not an object but {type(work).__name__}")
        return
    work_id = ids.normalize_openalex(str(work.get("id") or ""))
    if not work_id or not work_id.startswith("W"):
        yield ParseIssue(where, f"not an OpenAlex work id: {work.get('id')!r}")
        return
    try:
        authors, author_issues = _authorships(work.get("authorships") or [])
        paper = Paper(
            ids=_paper_ids(work, work_id),
            source=SOURCE,
            title=strip_markup(work.get("title") or work.get("display_name")),
            abstract=rebuild_inverted_index(work.get("abstract_inverted_index")),
            year=work.get("publication_year"),
            date=work.get("publication_date"),
            url=_url(work),
            source_citation_count=work.get("cited_by_count"),
            counts_by_year=_counts_by_year(work.get("counts_by_year") or []),
            doc_type=work.get("type"),
            authors=authors,
            authors_complete=not author_issues,
            venue=_venue(work.get("primary_location")),
            categories=_categories(work),
            primary_category=_primary_category(work.get("primary_topic")),
            references=_references(work.get("referenced_works") or []),
        )
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        yield ParseIssue(where, f"work {work_id}: {e}")
        return
    for issue in author_issues:
        yield ParseIssue(where, f"work {work_id}: {issue}")
    yield paper


def _paper_ids(work: dict[str, Any], work_id: str) -> PaperIds:
    doi = ids.normalize_doi(work["doi"]) if work.get("doi") else None
    return PaperIds(doi=doi, arxiv=_arxiv_id(work, doi), openalex=work_id)


def _arxiv_id(work: dict[str, Any], doi: str | None) -> str | None:
    candidates: list[str] = []
    extra = work.get("ids") or {}
    if extra.get("arxiv"):
        candidates.append(str(extra["arxiv"]))
    if doi and (m := _ARXIV_DOI.match(doi)):
        candidates.append(m.group(1))
    for location in work.get("locations") or []:
        for key in ("landing_page_url", "pdf_url"):
            url = (location or {}).get(key) or ""
            if m := _ARXIV_URL.search(url):
                candidates.append(m.group(1))
    for candidate in candidates:
        arxiv = ids.normalize_arxiv(candidate)
        if arxiv:
            return arxiv
    return None


def _url(work: dict[str, Any]) -> str | None:
    if work.get("doi"):
        return str(work["doi"])
    location = work.get("primary_location") or {}
    return location.get("landing_page_url") or work.get("id")


def _counts_by_year(rows: list[dict[str, Any]]) -> tuple[tuple[int, int], ...]:
    return tuple((int(row["year"]), int(row["cited_by_count"])) for row in rows)


def _authorships(rows: list[Any]) -> tuple[tuple[Authorship, ...], list[str]]:
    """Authorships in order; duplicates of one author id collapsed, the placeholder dropped.

    Returns the authorships and the reasons for any that could not be built.
    """
    out: list[Authorship] = []
    issues: list[str] = []
    seen: set[str] = set()
    for position, row in enumerate(rows, start=1):
        author = (row or {}).get("author") or {}
        author_id = ids.normalize_openalex(str(author.get("id") or ""))
        if author_id == ids.OPENALEX_PLACEHOLDER_AUTHOR:
            continue
        if author_id:
            if author_id in seen:
                continue
            seen.add(author_id)
        raw_name = collapse_ws(row.get("raw_author_name"))
        try:
            ref = AuthorRef(
                name=collapse_ws(author.get("display_name")) or raw_name or "",
                orcid=ids.normalize_orcid(author["orcid"]) if author.get("orcid") else None,
                openalex=author_id,
                affiliation=_affiliation(row),
            )
            out.append(Authorship(author=ref, position=position, raw_name=raw_name))
        except ValueError as e:
            issues.append(f"authorship {position} dropped: {e}")
    return tuple(out), issues


def _affiliation(row: dict[str, Any]) -> str | None:
    for institution in row.get("institutions") or []:
        name = collapse_ws((institution or {}).get("display_name"))
        if name:
            return name
    for raw in row.get("raw_affiliation_strings") or []:
        name = collapse_ws(raw)
        if name:
            return name
    return None


def _venue(location: dict[str, Any] | None) -> VenueRef | None:
    source = (location or {}).get("source")
    if not source or not collapse_ws(source.get("display_name")):
        return None
    issn = source.get("issn_l")
    return VenueRef(
        name=collapse_ws(source["display_name"]) or "",
        type=_VENUE_TYPES.get(str(source.get("type") or "").lower(), "other"),
        issn=str(issn).upper() if issn else None,
        openalex=ids.normalize_openalex(str(source.get("id") or "")),
    )


def _short(url: str) -> str:
    """``https://openalex.org/subfields/3312`` → ``3312``; ``…/T11042`` → ``T11042``."""
    m = _TRAILING_ID.search(url.strip())
    return m.group(1) if m else url.strip()


def _level(node: dict[str, Any] | None, scheme: str, parent: CategoryRef | None) -> CategoryRef:
    if not node or not node.get("id"):
        raise ValueError(f"topic has no {scheme.removeprefix('openalex-')}")
    return CategoryRef(
        id=f"{scheme}:{_short(str(node['id']))}",
        name=collapse_ws(node.get("display_name")) or _short(str(node["id"])),
        scheme=scheme,
        parent=parent,
    )


def _topic(topic: dict[str, Any]) -> CategoryRef:
    parent: CategoryRef | None = None
    for key in ("domain", "field", "subfield"):
        if topic.get(key):
            parent = _level(topic[key], f"openalex-{key}", parent)
    return _level(topic, "openalex-topic", parent)


def _concept(concept: dict[str, Any]) -> CategoryRef:
    return _level(concept, "openalex-concept", None)


def _categories(work: dict[str, Any]) -> tuple[CategoryRef, ...]:
    found: dict[str, CategoryRef] = {}
    topics = list(work.get("topics") or [])
    if work.get("primary_topic"):
        topics.insert(0, work["primary_topic"])
    for topic in topics:
        category = _topic(topic)
        found.setdefault(category.id, category)
    for concept in work.get("concepts") or []:
        category = _concept(concept)
        found.setdefault(category.id, category)
    return tuple(found.values())


def _primary_category(topic: dict[str, Any] | None) -> str | None:
    if not topic or not topic.get("id"):
        return None
    return f"openalex-topic:{_short(str(topic['id']))}"


def _references(urls: list[Any]) -> tuple[PaperIds, ...]:
    out: dict[str, PaperIds] = {}
    for url in urls:
        work_id = ids.normalize_openalex(str(url or ""))
        if work_id and work_id.startswith("W") and work_id not in out:
            out[work_id] = PaperIds(openalex=work_id)
    return tuple(out.values())
