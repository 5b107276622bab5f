"""arXiv API responses (``export.arxiv.org/api/query``), Atom 1.0 XML, FORMAT "arxiv-atom".

Streamed with ``lxml.etree.iterparse`` on ``<entry>`` end events; each entry is cleared once
turned into a record, so a large harvest runs in constant memory.

Per entry: ``id`` (abs URL with version → arXiv id without version; old-style ids such as
``astro-ph/0601001v1`` keep their slash), ``title`` and ``summary`` (hard line breaks
collapsed, TeX accents decoded, math kept), ``published`` (v1 date → ``date``/``year``),
``author/name`` with the first ``arxiv:affiliation``, ``category@term`` (all categories) and
``arxiv:primary_category@term`` (put first; added when it is missing from the list), legacy
archives mapped by ``arxiv_taxonomy``, ``arxiv:doi`` (normalised), ``arxiv:journal_ref``.
No references in this format. Venue: ``arxiv`` (repository).

Quirks (``shared/data/arxiv-api-atom/SOURCE.md``):

- an empty feed (unknown id, ``totalResults`` 0) yields nothing;
- an error feed (HTTP 400 for a bad id) holds one ``<entry>`` whose ``id`` is
  ``https://arxiv.org/api/errors#…``: it becomes a non-fatal ``ParseIssue`` quoting the arXiv
  error summary, never a ``Paper``;
- an entry whose id is not an arXiv id, or that has no title, becomes a ``ParseIssue`` with its
  line and entry index; malformed XML stops the file with a fatal issue after the entries
  already read.

Untrusted input: the feed is read through ``loaders.xml_safe`` like every XML source: a
``DOCTYPE`` is never read, no entity is expanded by the parser and nothing outside the file is
opened. Entities the feed's own DTD declares are reported once for the file, and an entry using
one is reported and skipped; HTML character entities (``&eacute;``) decode.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from graph import ids
from loaders import arxiv_taxonomy, xml_safe
from loaders._arxiv_common import ARXIV_VENUE, abs_url, clean_text, collapse
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
)

FORMAT = "arxiv-atom"
SOURCE = "arxiv"

_ATOM = "http://www.w3.org/2005/Atom"
_ARXIV = "http://arxiv.org/schemas/atom"
_A = f"{{{_ATOM}}}"
_X = f"{{{_ARXIV}}}"
_ENTRY = f"{_A}entry"
_ERROR_ID = "arxiv.org/api/errors"


def sniff(head: bytes, path: Path) -> bool:
    return b"<feed" in head and _ATOM.encode() in head and _ARXIV.encode() in head


def parse(path: Path, **_: object) -> Iterator[Record | ParseIssue]:
    file = str(path)
    index = 0
    try:
        with open_binary(path) as fh:
            try:
                reader = xml_safe.SafeXmlReader(fh)
            except ValueError as e:
                yield ParseIssue(Location(file, line=1), f"refused: {e}", fatal=True)
                return
            refusal = reader.prolog.refusal()
            if refusal:
                yield ParseIssue(Location(file, line=reader.prolog.doctype_line), refusal)
            declared = reader.prolog.general_names
            for _event, entry in xml_safe.iterparse(reader, recover=False, tag=_ENTRY):
                index += 1
                where = Location(file, line=entry.sourceline, index=index)
                try:
                    yield _entry(entry, where, declared)
                except ValueError as e:
                    yield ParseIssue(where, str(e))
                finally:
                    _release(entry)
    except etree.XMLSyntaxError as e:
        yield ParseIssue(Location(file, line=e.lineno), f"malformed XML: {e.msg}", fatal=True)
    except (OSError, EOFError) as e:
        yield ParseIssue(Location(file), f"cannot read file: {e}", fatal=True)


def _release(entry: etree._Element) -> None:
    entry.clear()
    parent = entry.getparent()
    while parent is not None and entry.getprevious() is not None:
        del parent[0]


def _findtext(entry: etree._Element, tag: str) -> str | None:
    """Like ``findtext``, with character entities decoded (see ``loaders.xml_safe``)."""
    element = entry.find(tag)
    return None if element is None else xml_safe.text_of(element, frozenset())[0]


def _text(entry: etree._Element, tag: str) -> str | None:
    return collapse(_findtext(entry, tag))


def _entry(entry: etree._Element, where: Location, declared: frozenset[str]) -> Paper | ParseIssue:
    refused = {node.name for node in entry.iter(etree.Entity)} & declared
    if refused:
        return ParseIssue(where, xml_safe.refused_reason(frozenset(refused)))
    raw_id = _text(entry, f"{_A}id") or ""
    if _ERROR_ID in raw_id:
        summary = _text(entry, f"{_A}summary") or _text(entry, f"{_A}title") or raw_id
        return ParseIssue(where, f"arXiv API error: {summary} ({raw_id})")
    arxiv = ids.normalize_arxiv(raw_id)
    if not arxiv:
        raise ValueError(f"entry id is not an arXiv id: {raw_id!r}")
    cats = _categories(entry)
    published = _text(entry, f"{_A}published")
    date = published[:10] if published else None
    return Paper(
        ids=PaperIds(arxiv=arxiv, doi=_doi(_text(entry, f"{_X}doi"))),
        source=SOURCE,
        title=clean_text(_findtext(entry, f"{_A}title")),
        abstract=clean_text(_findtext(entry, f"{_A}summary")),
        year=int(date[:4]) if date else None,
        date=date,
        url=abs_url(arxiv),
        journal_ref=_text(entry, f"{_X}journal_ref"),
        authors=_authors(entry),
        venue=ARXIV_VENUE,
        categories=cats,
        primary_category=cats[0].id if cats else None,
    )


def _doi(raw: str | None) -> str | None:
    for part in (raw or "").split():
        doi = ids.normalize_doi(part)
        if doi:
            return doi
    return None


def _authors(entry: etree._Element) -> tuple[Authorship, ...]:
    out = []
    for position, author in enumerate(entry.iterfind(f"{_A}author"), start=1):
        raw = collapse(_findtext(author, f"{_A}name"))
        name = clean_text(raw)
        if not name:
            continue
        affiliation = collapse(_findtext(author, f"{_X}affiliation"))
        out.append(
            Authorship(AuthorRef(name=name, affiliation=affiliation), position, raw_name=raw)
        )
    return tuple(out)


def _categories(entry: etree._Element) -> tuple[CategoryRef, ...]:
    """All categories, the primary one first."""
    primary_el = entry.find(f"{_X}primary_category")
    primary = primary_el.get("term") if primary_el is not None else None
    terms = [c.get("term") or "" for c in entry.iterfind(f"{_A}category")]
    codes = [primary, *terms] if primary else terms
    return arxiv_taxonomy.categories(codes)
