"""arXiv metadata snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``), FORMAT "arxiv-kaggle".

JSON Lines, one paper per line (``id, submitter, authors, title, comments, journal-ref, doi,
report-no, categories, license, abstract, versions, update_date, authors_parsed``); streamed
line by line, so the full 2.5M-line file runs in constant memory.

Quirks handled (``shared/data/arxiv-kaggle-snapshot/SOURCE.md``):

- ``authors_parsed`` (``[last, first, suffix]``, already de-LaTeXed) is preferred over the free
  text ``authors``; the display name is "first last [suffix]" with ``C. -P.`` repaired to
  ``C.-P.``. ``raw_name`` is the name as printed in ``authors`` when that string splits into
  the same number of names, else the parsed parts joined;
- ``categories`` is space-separated, primary first; legacy archives are mapped through
  ``arxiv_taxonomy`` and duplicates dropped;
- ``date`` is the v1 ``created`` date (RFC 2822 → ISO), ``year`` its year (falling back to the
  yymm of a new-style id). ``update_date`` has no field on ``Paper`` and is not kept;
- hard line breaks (OAI folding) in titles, authors and abstracts are collapsed and TeX accent
  macros decoded (math such as ``$k,\\ell$`` is kept as printed);
- ``doi`` normalised (the first valid one when several are listed), ``journal-ref`` kept;
- no references in this format. Venue: ``arxiv`` (repository).

A line that is not valid UTF-8 (decoded line by line), not JSON or misses ``id``/``title``
becomes a ``ParseIssue`` with its line number; its neighbours still come out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import orjson

from graph import ids
from loaders import arxiv_taxonomy
from loaders._arxiv_common import ARXIV_VENUE, abs_url, clean_text, collapse, decode_accents
from loaders.io import numbered_lines
from loaders.records import (
    AuthorRef,
    Authorship,
    Location,
    Paper,
    PaperIds,
    ParseIssue,
    Record,
)

FORMAT = "arxiv-kaggle"
SOURCE = "arxiv"

_SNIFF = re.compile(rb'^\s*\{\s*"id"\s*:\s*"[^"]+"\s*,\s*"submitter"\s*:')
_HYPHEN_SPACE = re.compile(r"\s+-\s*|\s*-\s+")
_PARENS = re.compile(r"\([^()]*\)")
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.")


def sniff(head: bytes, path: Path) -> bool:
    first = head.lstrip().split(b"\n", 1)[0]
    return bool(_SNIFF.match(first)) and b'"categories"' in head


def parse(path: Path, **_: object) -> Iterator[Record | ParseIssue]:
    file = str(path)
    try:
        for item in numbered_lines(path):
            if isinstance(item, ParseIssue):
                yield item  # undecodable line: reported, its neighbours still load
                continue
            number, line = item
            if not line.strip():
                continue
            try:
                yield _paper(orjson.loads(line))
            except (orjson.JSONDecodeError, ValueError, TypeError, KeyError, AttributeError) as e:
                yield ParseIssue(Location(file, line=number), f"{type(e).__name__}: {e}")
    except (OSError, EOFError) as e:
        yield ParseIssue(Location(file), f"cannot read file: {e}", fatal=True)


def _paper(obj: Any) -> Paper:
    if not isinstance(obj, dict):
        raise ValueError("record is not a JSON object")
    arxiv = ids.normalize_arxiv(str(obj.get("id") or ""))
    if not arxiv:
        raise ValueError(f"missing or invalid arXiv id {obj.get('id')!r}")
    created = _v1_date(obj.get("versions"))
    year = int(created[:4]) if created else _year_from_id(arxiv)
    codes = (obj.get("categories") or "").split()
    cats = arxiv_taxonomy.categories(codes)
    return Paper(
        ids=PaperIds(arxiv=arxiv, doi=_doi(obj.get("doi"))),
        source=SOURCE,
        title=clean_text(obj.get("title")),
        abstract=clean_text(obj.get("abstract")),
        year=year,
        date=created,
        url=abs_url(arxiv),
        journal_ref=collapse(obj.get("journal-ref")),
        authors=_authors(obj),
        venue=ARXIV_VENUE,
        categories=cats,
        primary_category=cats[0].id if cats else None,
    )


def _v1_date(versions: Any) -> str | None:
    """ISO date of the first version (``"Mon, 2 Apr 2007 19:18:42 GMT"`` → ``2007-04-02``)."""
    if not versions:
        return None
    first = next((v for v in versions if v.get("version") == "v1"), versions[0])
    created = first.get("created")
    if not created:
        return None
    try:
        return parsedate_to_datetime(created).date().isoformat()
    except (TypeError, ValueError) as e:
        raise ValueError(f"bad version date {created!r}") from e


def _year_from_id(arxiv: str) -> int | None:
    m = _NEW_ID.match(arxiv)
    return 2000 + int(m.group(1)) if m else None


def _doi(raw: Any) -> str | None:
    if not raw:
        return None
    for part in str(raw).split():
        doi = ids.normalize_doi(part)
        if doi:
            return doi
    return None


def _authors(obj: dict[str, Any]) -> tuple[Authorship, ...]:
    parsed = obj.get("authors_parsed") or []
    printed = _printed_names(obj.get("authors") or "")
    if len(printed) != len(parsed):
        printed = []
    out = []
    for i, parts in enumerate(parsed):
        name = _display_name(parts)
        if not name or not ids.normalize_name(name):
            continue  # nothing nameable; the others keep their printed positions
        raw = printed[i] if printed else " ".join(p for p in parts if p)
        out.append(Authorship(AuthorRef(name=name), position=i + 1, raw_name=raw))
    return tuple(out)


def _display_name(parts: list[str]) -> str | None:
    last, first, suffix = (list(parts) + ["", "", ""])[:3]
    first = _HYPHEN_SPACE.sub("-", first.strip())
    name = " ".join(p for p in (first, last.strip()) if p)
    if suffix and suffix.strip():
        name = f"{name} {suffix.strip()}"  # "Smith Jr": a comma would read as "last, first"
    return clean_text(decode_accents(name))


def _printed_names(authors: str) -> list[str]:
    """The ``authors`` string split into names (affiliations in parentheses dropped)."""
    text = collapse(authors) or ""
    previous = None
    while previous != text:
        previous, text = text, _PARENS.sub("", text)
    return [n.strip() for n in _AUTHOR_SPLIT.split(text) if n.strip()]
