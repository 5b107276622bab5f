"""Researcher profile pages captured as plain text (paper-discovery site), FORMAT "profile".

Layout (see ``shared/data/profile-page/SOURCE.md``)::

    Lizhu Zhang            ← the profile owner
    CL                     ← primary category, arXiv cs code without "cs."
    h-index12 / 17papers / 147citations / Novelty64% / AI Score58
    17 Papers
    LGMay 31               ← block header: <CAT><Mon> <D>[, <YYYY>][Code]
    <title>
    <authors: "A, B, C et al.">
    <abstract>

Yields one ``AuthorProfile`` (the header figures, as reported: ``h_index``, ``paper_count``,
``citation_count``, ``novelty`` as a fraction — the page's ``64%`` is stored as ``0.64`` —
and ``ai_score`` on the page's own 0–100 scale), then one ``Paper`` per block:

- date: a header without a year is in the capture year (2026 for the page in the data folder);
  ``parse(path, as_of=date(...))`` (or an int year) overrides it. ``AuthorProfile.as_of`` is
  that date, or just the year (``"2026"``) when only the capture year is known;
- ``Code`` → ``has_code=True``; a repository URL in the abstract (GitHub, GitLab, Hugging Face,
  Bitbucket, Codeberg, SourceForge, Gitee) → ``code_url`` and ``has_code=True``; a block with
  neither → ``has_code=False`` (the page shows the badge whenever it knows of code);
- authors: ``et al.`` → ``authors_complete=False`` (never padded). The owner is an author of
  every listed paper: when not among the visible names, an ``Authorship`` for the owner with
  ``position=None`` is appended;
- no strong ids on the page: ``PaperIds(title_key=...)`` from title + year.

A block whose title or author line is missing becomes a ``ParseIssue`` naming its header line;
a header count that disagrees with the number of blocks is reported as a non-fatal issue. A
file with neither a figure line nor a paper block is not a profile page: one fatal issue and
nothing else (``--format profile`` on a JSONL file must not make an author of its first line).
A line that is not valid UTF-8 is reported with its number: in the header it stops the file (the
owner would be wrong), in a paper block it skips that block; the other blocks load.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from graph import ids
from loaders import arxiv_taxonomy
from loaders.io import numbered_lines
from loaders.records import (
    AuthorProfile,
    AuthorRef,
    Authorship,
    CategoryRef,
    Location,
    Paper,
    PaperIds,
    ParseIssue,
    Record,
)

FORMAT = "profile"
SOURCE = "profile"
CAPTURE_YEAR = 2026  # the page in shared/data was captured in late 2026 (SOURCE.md)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BLOCK_HEADER = re.compile(
    r"^(?P<cat>[A-Za-z][A-Za-z.\-]*?)(?P<mon>" + "|".join(_MONTHS) + r") (?P<day>\d{1,2})"
    r"(?:, (?P<year>\d{4}))?(?P<code>Code)?$"
)
_METRICS: dict[str, tuple[re.Pattern[str], str]] = {
    "h_index": (re.compile(r"^h-index\s*(\d+)$", re.I), "int"),
    "paper_count": (re.compile(r"^(\d[\d,]*)\s*papers$", re.I), "int"),
    "citation_count": (re.compile(r"^(\d[\d,]*)\s*citations$", re.I), "int"),
    "novelty": (re.compile(r"^Novelty\s*(\d+(?:\.\d+)?)%$", re.I), "percent"),
    "ai_score": (re.compile(r"^AI Score\s*(\d+(?:\.\d+)?)$", re.I), "float"),
}
_PAPERS_HEADING = re.compile(r"^(\d[\d,]*) Papers$")
_ET_AL = re.compile(r",?\s+et\s+al\.?$", re.I)
_CODE_URL = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org|codeberg\.org"
    r"|sourceforge\.net|gitee\.com)/[^\s{}()<>\"'\[\]]+",
    re.I,
)
_UNDECODABLE = "\ufffd"  # stands for a line that did not decode (reported, never loaded)
_SNIFF_METRIC = re.compile(rb"^h-index\d+\r?$", re.M)
_SNIFF_PAPERS = re.compile(rb"^\d[\d,]*papers\r?$", re.M)


def sniff(head: bytes, path: Path) -> bool:
    return bool(_SNIFF_METRIC.search(head) and _SNIFF_PAPERS.search(head))


def parse(
    path: Path, *, as_of: date | int | None = None, **_: object
) -> Iterator[Record | ParseIssue]:
    """The profile's ``AuthorProfile`` then its papers."""
    year = as_of.year if isinstance(as_of, date) else (as_of or CAPTURE_YEAR)
    as_of_text = as_of.isoformat() if isinstance(as_of, date) else str(year)
    file = str(path)
    lines: list[tuple[int, str]] = []
    undecodable: dict[int, ParseIssue] = {}
    try:
        for line in numbered_lines(path):  # one page, a few dozen lines
            if isinstance(line, ParseIssue):
                number = line.location.line or 0
                undecodable[number] = line
                lines.append((number, _UNDECODABLE))  # keeps the paragraph structure
            else:
                lines.append(line)
    except (OSError, EOFError) as e:
        yield ParseIssue(Location(file), f"cannot read profile page: {e}", fatal=True)
        return
    start = _first_block(lines)
    header = [(n, text.strip()) for n, text in lines[:start] if text.strip()]
    if not header:
        yield ParseIssue(Location(file, line=1), "no profile header (name) found", fatal=True)
        return
    if start == len(lines) and not any(_is_figure(text) for _, text in header[1:]):
        yield ParseIssue(
            Location(file, line=header[0][0]),
            "not a profile page: no h-index / papers / citations figures and no paper block "
            "(<CAT><Mon> <D>) found; nothing read",
            fatal=True,
        )
        return
    header_end = lines[start][0] if start < len(lines) else lines[-1][0] + 1
    in_header = [issue for number, issue in undecodable.items() if number < header_end]
    if in_header:
        yield replace(
            in_header[0],
            reason=f"{in_header[0].reason}: it is in the profile header (owner and figures "
            "unknown), so nothing is read",
            fatal=True,
        )
        return
    owner_name = header[0][1]
    try:
        owner = AuthorRef(name=owner_name)
    except ValueError as e:
        yield ParseIssue(Location(file, line=header[0][0]), f"bad owner name: {e}", fatal=True)
        return
    listed: int | None = None
    for item in _profile(owner, header[1:], as_of_text, file):
        if isinstance(item, int):
            listed = item
        else:
            yield item
    found = 0
    blocks = list(_blocks(lines[start:]))
    ends = [first for first, _ in blocks[1:]] + [lines[-1][0] + 1]
    for (first_line, block), end in zip(blocks, ends, strict=True):
        found += 1
        bad = [issue for number, issue in undecodable.items() if first_line <= number < end]
        if bad:
            yield from bad
            yield ParseIssue(
                Location(file, line=first_line, index=found),
                "paper block skipped: it holds a line that is not valid UTF-8",
            )
            continue
        try:
            yield _paper(block, owner, year)
        except ValueError as e:
            yield ParseIssue(Location(file, line=first_line, index=found), str(e))
    if listed is not None and listed != found:
        yield ParseIssue(
            Location(file), f"header announces {listed} papers but {found} blocks were found"
        )


def _is_figure(text: str) -> bool:
    """A header line holding one of the page's figures (or the "N Papers" heading)."""
    return bool(_PAPERS_HEADING.match(text) or _metric(text))


def _first_block(lines: list[tuple[int, str]]) -> int:
    for i, (_, text) in enumerate(lines):
        if _BLOCK_HEADER.match(text.strip()):
            return i
    return len(lines)


def _profile(
    owner: AuthorRef, header: list[tuple[int, str]], as_of: str, file: str
) -> Iterator[AuthorProfile | ParseIssue | int]:
    """The ``AuthorProfile`` from the header lines (and the announced paper count, as int)."""
    reported: list[tuple[str, float]] = []
    primary: CategoryRef | None = None
    for number, text in header:
        heading = _PAPERS_HEADING.match(text)
        if heading:
            yield int(heading.group(1).replace(",", ""))
            continue
        metric = _metric(text)
        if metric:
            reported.append(metric)
        elif primary is None and re.fullmatch(r"[A-Za-z][A-Za-z.\-]*", text):
            primary = arxiv_taxonomy.category(_arxiv_code(text))
        else:
            yield ParseIssue(Location(file, line=number), f"unrecognised header line {text!r}")
    yield AuthorProfile(
        author=owner, source=SOURCE, as_of=as_of, primary_category=primary, reported=tuple(reported)
    )


def _metric(text: str) -> tuple[str, float] | None:
    for name, (pattern, kind) in _METRICS.items():
        m = pattern.match(text)
        if m:
            value = float(m.group(1).replace(",", ""))
            if kind == "percent":
                value = round(value / 100, 6)
            return name, value
    return None


def _arxiv_code(code: str) -> str:
    """``CL`` → ``cs.CL`` (the site lists Computer Science codes without their prefix)."""
    if "." in code or "-" in code or arxiv_taxonomy.is_known(code):
        return code
    return f"cs.{code.upper()}"


def _blocks(lines: list[tuple[int, str]]) -> Iterator[tuple[int, list[list[str]]]]:
    """(header line number, [header, paragraph, paragraph, ...]) per paper block."""
    first = 0
    paragraphs: list[list[str]] = []
    for number, raw in lines:
        text = raw.strip()
        if _BLOCK_HEADER.match(text):
            if paragraphs:
                yield first, paragraphs
            first, paragraphs = number, [[text], []]
        elif not text:
            if paragraphs and paragraphs[-1]:
                paragraphs.append([])
        elif paragraphs:
            paragraphs[-1].append(text)
    if paragraphs:
        yield first, paragraphs


def _paper(block: list[list[str]], owner: AuthorRef, capture_year: int) -> Paper:
    header = _BLOCK_HEADER.match(block[0][0])
    assert header is not None  # _blocks only starts a block on a header line
    parts = [" ".join(p) for p in block[1:] if p]
    if len(parts) < 2:
        raise ValueError("paper block needs a title and an author line")
    title, author_line, abstract = parts[0], parts[1], " ".join(parts[2:]) or None
    year = int(header["year"]) if header["year"] else capture_year
    when = date(year, _MONTHS.index(header["mon"]) + 1, int(header["day"]))
    authors, complete = _authors(author_line, owner)
    code_url = _code_url(abstract)
    cat = arxiv_taxonomy.category(_arxiv_code(header["cat"]))
    return Paper(
        ids=PaperIds(title_key=ids.title_key(title, year)),
        source=SOURCE,
        title=title,
        abstract=abstract,
        year=year,
        date=when.isoformat(),
        has_code=bool(header["code"] or code_url),
        code_url=code_url,
        authors=authors,
        authors_complete=complete,
        categories=(cat,),
        primary_category=cat.id,
    )


def _authors(line: str, owner: AuthorRef) -> tuple[tuple[Authorship, ...], bool]:
    truncated = bool(_ET_AL.search(line))
    names = [n.strip() for n in _ET_AL.sub("", line).split(",") if n.strip()]
    authors = [
        Authorship(AuthorRef(name=name), position=i, raw_name=name)
        for i, name in enumerate(names, start=1)
    ]
    owner_key = owner.key()
    if all(a.author.key() != owner_key for a in authors):
        # The owner wrote every listed paper; hidden behind "et al." here.
        authors.append(Authorship(owner, position=None))
        truncated = True
    return tuple(authors), not truncated


def _code_url(abstract: str | None) -> str | None:
    if not abstract:
        return None
    m = _CODE_URL.search(abstract)
    return m.group(0).rstrip(".,;:") if m else None
