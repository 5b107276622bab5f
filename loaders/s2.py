"""Semantic Scholar Academic Graph API: a paper with its citations and references.

Input: the JSON of ``GET /graph/v1/paper/{id}?fields=…,citations,references`` (one document,
read whole), a list of such papers (``POST /paper/batch``; null entries are reported) or a
``{"data": [...]}`` search/bulk page. Each focal paper yields:

* one ``Paper`` for the focal paper, whose ``references`` are its resolved references;
* one ``Paper`` per entry of ``references[]``;
* one ``Paper`` per entry of ``citations[]`` (the citing papers), each with the focal paper in its
  ``references`` — so ``CITES`` goes citing → focal. The API truncates ``citations`` at 1,000
  while ``citationCount`` keeps the full figure (it becomes ``source_citation_count``).

Quirks handled: unresolved reference stubs (``paperId``/``externalIds`` null, only a title) are
skipped and reported with their list index and title; ``externalIds`` map DOI → doi, ArXiv →
arxiv, DBLP → dblp, ``paperId`` → s2 (MAG/CorpusId/PubMed are ignored); ``publicationVenue``
(S2 venue uuid) wins over the plain ``venue`` string, an empty ``venue`` means no venue;
``fieldsOfStudy`` may be null and then ``s2FieldsOfStudy`` categories are used (deduplicated),
the first being primary; authors with a null ``authorId`` are kept by name; an author's
``externalIds.DBLP`` is a list (the first name is used); the 768-float ``embedding``, ``tldr``
and ``citationStyles`` are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from graph import ids
from loaders.io import open_binary
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
from loaders.text import collapse_ws

FORMAT = "s2"
SOURCE = "s2"

_VENUE_TYPES: dict[str, VenueType] = {"journal": "journal", "conference": "conference"}


def sniff(head: bytes, path: Path) -> bool:
    """A JSON document (object or array) of S2 Graph API papers (``"paperId"`` keys)."""
    start = head.lstrip()[:1]
    return start in (b"{", b"[") and b'"paperId"' in head


def parse(path: Path, **options: Any) -> Iterator[Record | ParseIssue]:
    name = str(path)
    try:
        with open_binary(path) as fh:
            doc = orjson.loads(fh.read())
    except (OSError, EOFError) as e:
        yield ParseIssue(Location(name), f"cannot read file: {e}", fatal=True)
        return
    except orjson.JSONDecodeError as e:
        yield ParseIssue(Location(name), f"not valid JSON: {e}", fatal=True)
        return
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        doc = doc["data"]
    if isinstance(doc, dict):
        yield from _focal(doc, Location(name))
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from _focal(item, Location(name, index=index))
    else:
        yield ParseIssue(Location(name), "not an S2 paper or list of papers", fatal=True)


def _focal(doc: Any, where: Location) -> Iterator[Record | ParseIssue]:
    if not isinstance(doc, dict):
        yield ParseIssue(where, "paper is null or not an object (unknown id in a batch?)")
        return
    focal_ids = paper_ids(doc)
    if focal_ids is None:
        yield ParseIssue(where, f"paper without any id: {doc.get('title')!r}")
        return
    prefix = "" if where.index is None else f"papers[{where.index}]."
    references: list[PaperIds] = []
    related: list[Record | ParseIssue] = []
    for index, ref in enumerate(doc.get("references") or []):
        built = _paper(ref, Location(where.file, index=index), f"{prefix}references[{index}]")
        if isinstance(built, Paper):
            references.append(built.ids)
        related.append(built)
    for index, citing in enumerate(doc.get("citations") or []):
        label = f"{prefix}citations[{index}]"
        related.append(_paper(citing, Location(where.file, index=index), label, cites=focal_ids))
    yield _paper(doc, where, prefix + "paper", references=tuple(references))
    yield from related


def paper_ids(doc: dict[str, Any]) -> PaperIds | None:
    """The strong ids of an S2 paper object, or None when it has none (an unresolved stub)."""
    external = doc.get("externalIds") or {}
    s2 = str(doc["paperId"]).strip().lower() if doc.get("paperId") else None
    doi = ids.normalize_doi(str(external["DOI"])) if external.get("DOI") else None
    arxiv = ids.normalize_arxiv(str(external["ArXiv"])) if external.get("ArXiv") else None
    dblp = str(external["DBLP"]).strip() if external.get("DBLP") else None
    if not (s2 or doi or arxiv or dblp):
        return None
    return PaperIds(doi=doi, arxiv=arxiv, s2=s2, dblp=dblp or None)


def _paper(
    doc: Any,
    where: Location,
    label: str,
    references: tuple[PaperIds, ...] = (),
    cites: PaperIds | None = None,
) -> Paper | ParseIssue:
    """One paper record; ``cites`` is the focal paper when this one is a citing paper."""
    if not isinstance(doc, dict):
        return ParseIssue(where, f"{label}: not an object")
    paper_id = paper_ids(doc)
    if paper_id is None:
        return ParseIssue(where, f"{label}: unresolved paper without ids: {doc.get('title')!r}")
    try:
        categories = field_categories(doc.get("fieldsOfStudy"), doc.get("s2FieldsOfStudy"))
        return Paper(
            ids=paper_id,
            source=SOURCE,
            title=collapse_ws(doc.get("title")),
            abstract=collapse_ws(doc.get("abstract")),
            year=doc.get("year"),
            date=doc.get("publicationDate"),
            url=doc.get("url"),
            source_citation_count=doc.get("citationCount"),
            doc_type=(doc.get("publicationTypes") or [None])[0],
            authors=_authors(doc.get("authors") or []),
            venue=_venue(doc),
            categories=categories,
            primary_category=categories[0].id if categories else None,
            references=(cites,) if cites is not None else references,
        )
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        return ParseIssue(where, f"{label} {paper_id.key()}: {e}")


def _authors(rows: list[Any]) -> tuple[Authorship, ...]:
    out: list[Authorship] = []
    for position, row in enumerate(rows, start=1):
        name = collapse_ws(row.get("name"))
        external = row.get("externalIds") or {}
        dblp = external.get("DBLP")
        if isinstance(dblp, list):
            dblp = dblp[0] if dblp else None
        orcid = ids.normalize_orcid(str(external["ORCID"])) if external.get("ORCID") else None
        ref = AuthorRef(
            name=name or "",
            orcid=orcid,
            s2=str(row["authorId"]) if row.get("authorId") else None,
            dblp=collapse_ws(dblp) if isinstance(dblp, str) else None,
        )
        out.append(Authorship(author=ref, position=position, raw_name=name))
    return tuple(out)


def _venue(doc: dict[str, Any]) -> VenueRef | None:
    venue = doc.get("publicationVenue") or {}
    name = collapse_ws(venue.get("name"))
    if venue.get("id") and name:
        issn = venue.get("issn")
        return VenueRef(
            name=name,
            type=_VENUE_TYPES.get(str(venue.get("type") or "").lower(), "other"),
            issn=str(issn).upper() if issn else None,
            id=f"s2-venue:{venue['id']}",
        )
    name = collapse_ws(doc.get("venue")) or collapse_ws((doc.get("journal") or {}).get("name"))
    return VenueRef(name=name) if name else None


def field_categories(fields: Any, s2_fields: Any) -> tuple[CategoryRef, ...]:
    """``fieldsOfStudy`` names, else the ``s2FieldsOfStudy`` categories, deduplicated."""
    names = list(fields or [])
    if not names:
        names = [row.get("category") for row in s2_fields or [] if isinstance(row, dict)]
    out: dict[str, CategoryRef] = {}
    for raw in names:
        name = collapse_ws(raw) if isinstance(raw, str) else None
        if name and f"s2-field:{name}" not in out:
            out[f"s2-field:{name}"] = CategoryRef(
                id=f"s2-field:{name}", name=name, scheme="s2-field"
            )
    return tuple(out.values())
