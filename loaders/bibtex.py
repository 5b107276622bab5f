"""BibTeX (``.bib``) → canonical records.

Format: ``@type{key, field = value, …}`` entries, ``@string{name = value}`` macros,
``@preamble`` and ``@comment`` blocks; text outside blocks is a comment. A value is a ``#``
concatenation of ``{braced}`` / ``"quoted"`` literals, bare numbers and macro names.

Library choice: **bibtexparser 2.x** (``bibtexparser>=2.1,<3``) splits the files into blocks:
it is fast (≈0.4 s for the 1.6 MB IRIDIA repository, against ≈8 s for 1.4.4), reports the line
of every entry and field, and isolates a malformed entry as a ``ParsingFailedBlock`` so its
neighbours survive. bibtexparser 1.4.4 was rejected: one undefined macro or one syntax error
raises and loses the whole file, and entries carry no line numbers. Neither version evaluates
``#`` concatenations of macros the way BibTeX does (2.x leaves them raw; 1.4.4 does, but see
above), so this module evaluates values itself (``_Evaluator``), resolves ``crossref`` itself
and uses 2.x's BibTeX-compatible name splitting (``split_multiple_persons_names`` — brace-aware
``and`` — and ``parse_single_name_into_parts`` — "First von Last" / "von Last, Jr, First").

Quirks handled (the IRIDIA repository is the reference, see its SOURCE.md):

* **Macros across files**: ``parse_many(paths)`` reads every file first, collects all
  ``@string`` definitions (later definitions win, like BibTeX's sequential overwrite when the
  string files come first), then evaluates entries. ``parse(directory)`` loads every ``.bib``
  in it, string-only files first (``abbrev``, ``journals``, ``authors`` in that order, then
  others alphabetically). ``parse(file, macros_from=[…])`` takes macros (and crossref parents)
  from other files without emitting their entries. An undefined macro expands to nothing, as
  in BibTeX, and is reported as a non-fatal ``ParseIssue`` (the entry is still emitted).
* **Only the files given are read.** The Emacs mode line (``bibtex-string-files: ("abbrev.bib"
  …)``) names string files, but a name in an input must never make the loader open another
  path (``"/etc/passwd"``, ``"../../secret.bib"``): when the mode line names files that were not
  given, one non-fatal issue says so and how to give them. ``@preamble`` is only rendered,
  ``\\input``/``\\include`` in values produce nothing (pylatexenc has no input directory), and
  no bibtexparser middleware that could touch the file system runs.
* **Encoding**: decoded line by line, UTF-8 with a Latin-1 fallback for the lines that are
  not UTF-8 (reported once per file with the first such line), so one stray byte does not
  change how the rest of the file reads.
* **``#`` concatenation**: ``Abramson_D #and# {Amoorthy, Mohan Krishna and Dang, Henry}`` is
  " David Abramson " + " and " + "Amoorthy, Mohan Krishna and Dang, Henry": the braces of a
  literal are its delimiters, so the ``and`` inside it separates names — three authors, as
  BibTeX sees them. Only braces *inside* a literal protect (``{{AAAI}}`` is one name).
* **crossref**: a child inherits every field it lacks from its parent (BibTeX semantics; keys
  case-insensitive) except the book's own identity (``doi``, ``url``, ``title``, ``isbn`` …:
  a chapter must not become its book); parents may be in any of the files given together.
* **LaTeX**: accents and commands decoded with pylatexenc (``{\\'a}``, ``\\'{A}``, ``\\ss``, math),
  case-protecting braces dropped, the repository's ``@preamble`` macros (``\\MaxMinAntSystem``,
  ``\\rpackage{…}`` …) rendered, ``\\url{…}`` unwrapped; whitespace and line breaks collapsed.
* **Months**: the BibTeX month macros (``jan`` … ``dec``) → ``Paper.date`` "YYYY-MM".
* **Names**: "Last, First" and "First Last" orders, padded macro values, ``and others`` →
  ``authors_complete=False``. ``raw_name`` keeps the name as written (LaTeX included).

Records: every bibliographic entry becomes a ``Paper`` (parents ``@book``/``@proceedings`` in
``crossref.bib`` are works too), ``source="bibtex"``, ``doc_type`` = entry type. Ids: the DOI
when the ``doi`` field holds one, else ``title_key(title, year)``. Authors come from
``author`` only (editors are not authors). Venue: ``journal`` → journal; ``booktitle`` →
conference for ``@inproceedings``, book for ``@incollection``; publishers are not venues. No
categories, no citations (BibTeX has none). An entry without a title, an unparsable block and
a duplicate key are ``ParseIssue``s naming file and line. The ``ids`` field (old keys) is
ignored.

Not streamed: BibTeX semantics need the whole file set (macros and crossref parents may be
anywhere), so the files are read whole; bibliographies are small (the IRIDIA repository,
one of the largest public ones, is 1.6 MB).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from graph import ids
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
)

FORMAT = "bibtex"
SOURCE = "bibtex"

STRING_FILE_ORDER = ("abbrev", "journals", "authors")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_MACROS = {m: name.capitalize() for m, name in zip(MONTHS, _MONTH_NAMES, strict=True)}

_SNIFF = re.compile(
    rb"^[ \t]*@[ \t]*(article|inproceedings|incollection|book|inbook|proceedings|misc|"
    rb"techreport|phdthesis|mastersthesis|manual|unpublished|conference|booklet|online|"
    rb"string|preamble|comment)[ \t]*[{(]",
    re.IGNORECASE | re.MULTILINE,
)
_MODE_LINE = re.compile(r"bibtex-string-files:\s*\(([^)]*)\)")
_QUOTED = re.compile(r'"([^"]+)"')
_YEAR = re.compile(r"\b(\d{4})\b")
_URL_MACRO = re.compile(r"^\\url\s*\{(.*)\}$", re.DOTALL)
_ONLY_STRINGS_TYPES = frozenset({"string", "preamble", "comment"})
# identity and per-work fields stay the child's own: a chapter must not take its book's DOI
_NOT_INHERITED = frozenset({"crossref", "ids", "key", "doi", "url", "title", "isbn", "pdf", "epub"})


def sniff(head: bytes, path: Path) -> bool:
    """BibTeX: a line starting with ``@article{`` / ``@string{`` … in the first bytes."""
    return bool(_SNIFF.search(head))


# --------------------------------------------------------------------------- LaTeX


def _latex_converter() -> LatexNodes2Text:
    db = get_default_latex_context_db()
    db.add_context_category(
        "bib-preamble",
        prepend=True,
        macros=[
            MacroTextSpec("MaxMinAntSystem", simplify_repl="MAX–MIN Ant System"),
            MacroTextSpec("cite", simplify_repl=""),
        ],
    )
    return LatexNodes2Text(latex_context=db)


_LATEX = _latex_converter()
_LATEX_CHARS = frozenset("\\{}$~")


def latex_to_text(value: str) -> str:
    """LaTeX → plain text, whitespace collapsed (no-op fast path for plain strings)."""
    if _LATEX_CHARS.intersection(value):
        value = _LATEX.latex_to_text(value)
    return " ".join(value.split())


# --------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Source:
    """One parsed file."""

    path: Path
    library: Library
    emit: bool
    latin1_lines: list[int] = field(default_factory=list)  # lines read as Latin-1
    string_files: tuple[str, ...] = ()  # named by the mode line, never opened


@dataclass(slots=True)
class _Parsed:
    """One entry with its raw fields and where it came from."""

    entry: Entry
    path: Path
    emit: bool
    fields: dict[str, str] = field(default_factory=dict)  # evaluated, keys lower-case
    undefined: set[str] = field(default_factory=set)


def _read(path: Path) -> _Source:
    """The file's blocks (``emit`` is set by the caller)."""
    parts: list[str] = []
    latin1: list[int] = []
    with open_binary(path) as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                parts.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                parts.append(raw.decode("latin-1"))
                latin1.append(number)
    text = "".join(parts)
    first = text.split("\n", 1)[0]
    return _Source(path, parse_string(text, parse_stack=[]), True, latin1, _mode_line_names(first))


def _unread_string_files(sources: list[_Source]) -> Iterator[ParseIssue]:
    given = {s.path.name.removesuffix(".gz") for s in sources}
    for source in sources:
        missing = [n for n in source.string_files if Path(n).name.removesuffix(".gz") not in given]
        if source.emit and missing:
            yield ParseIssue(
                Location(str(source.path), line=1),
                f"the mode line names string files {', '.join(missing)}: not read (only the "
                "files given are read); give them together with this file to define their "
                "macros",
            )


def _is_string_file(library: Library) -> bool:
    return not library.entries and bool(library.strings)


def _ordered_directory(directory: Path) -> list[Path]:
    """The ``.bib`` files of a folder: string-only files first in the usual order."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and _is_bib_name(p))
    rank = {name: i for i, name in enumerate(STRING_FILE_ORDER)}
    return sorted(files, key=lambda p: rank.get(p.name.split(".")[0], len(rank)))


def _is_bib_name(path: Path) -> bool:
    return path.name.endswith((".bib", ".bib.gz"))


def _mode_line_names(first_line: str) -> tuple[str, ...]:
    """String files named in an Emacs mode line (``bibtex-string-files: ("abbrev.bib" …)``);
    names only: they are never opened (see the module docstring)."""
    m = _MODE_LINE.search(first_line)
    return tuple(_QUOTED.findall(m.group(1))) if m else ()


def parse(
    path: Path, macros_from: Iterable[Path] | None = None, **options: object
) -> Iterator[Record | ParseIssue]:
    """Papers of one ``.bib`` file, or of every ``.bib`` file of a directory."""
    if path.is_dir():
        yield from parse_many(_ordered_directory(path))
        return
    helpers = list(macros_from or ())
    yield from _parse_sources([(p, False) for p in helpers] + [(path, True)])


def parse_many(paths: list[Path]) -> Iterator[Record | ParseIssue]:
    """Papers of several ``.bib`` files loaded together: macros and crossref parents shared."""
    yield from _parse_sources([(p, True) for p in paths])


def _parse_sources(paths: list[tuple[Path, bool]]) -> Iterator[Record | ParseIssue]:
    sources: list[_Source] = []
    for path, emit in paths:
        try:
            source = _read(path)
        except (OSError, EOFError) as e:
            yield ParseIssue(Location(str(path)), f"cannot read: {e}", fatal=True)
            continue
        source.emit = emit
        if source.latin1_lines and emit:
            n = len(source.latin1_lines)
            yield ParseIssue(
                Location(str(path), line=source.latin1_lines[0]),
                f"{n} line(s) not valid UTF-8, read as Latin-1 (the first is line "
                f"{source.latin1_lines[0]})",
            )
        sources.append(source)
    yield from _unread_string_files(sources)
    # string files first, whatever order the caller gave
    sources.sort(key=lambda s: not _is_string_file(s.library))
    evaluator = _Evaluator(_collect_strings(sources))
    parsed: list[_Parsed] = []
    for source in sources:
        yield from _block_issues(source)
        for entry in source.library.entries:
            item = _Parsed(entry, source.path, source.emit)
            item.fields = {
                f.key.lower(): evaluator.value(f.value, item.undefined) for f in entry.fields
            }
            parsed.append(item)
    by_key = {p.entry.key.lower(): p for p in parsed}
    for item in parsed:
        if item.emit:
            yield from _entry_records(item, by_key)


def _block_issues(source: _Source) -> Iterator[ParseIssue]:
    if not source.emit:
        return
    for block in source.library.failed_blocks:
        where = Location(str(source.path), line=_line(block.start_line))
        if isinstance(block, DuplicateBlockKeyBlock):
            yield ParseIssue(where, f"duplicate key {block.key!r}; the first entry is kept")
        elif isinstance(block, ParsingFailedBlock):
            yield ParseIssue(where, f"unparsable block: {_first_line(str(block.error))}")


def _line(start_line: int | None) -> int | None:
    """bibtexparser counts lines from 0; ``Location`` from 1."""
    return None if start_line is None else start_line + 1


def _first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[:2])


def _collect_strings(sources: list[_Source]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for source in sources:
        for string in source.library.strings:
            assert isinstance(string, String)
            raw[string.key.lower()] = string.value
    return raw


# --------------------------------------------------------------------------- values


class _Evaluator:
    """Evaluates BibTeX values: ``#`` concatenation of literals, numbers and macros."""

    def __init__(self, raw_strings: dict[str, str]) -> None:
        self._raw = raw_strings
        self._done: dict[str, str] = dict(_MONTH_MACROS)
        self._active: set[str] = set()

    def value(self, raw: str, undefined: set[str]) -> str:
        return "".join(self._part(part, undefined) for part in _split_concatenation(raw))

    def _part(self, part: str, undefined: set[str]) -> str:
        part = part.strip()
        if len(part) >= 2 and part[0] + part[-1] in ("{}", '""'):
            return part[1:-1]
        if part.isdigit():
            return part
        return self._macro(part.lower(), undefined)

    def _macro(self, name: str, undefined: set[str]) -> str:
        if name in self._done:
            return self._done[name]
        if name not in self._raw or name in self._active:
            undefined.add(name)
            return ""
        self._active.add(name)
        try:
            text = self.value(self._raw[name], undefined)
        finally:
            self._active.discard(name)
        self._done[name] = text
        return text


def _split_concatenation(raw: str) -> list[str]:
    """Split a raw value at ``#`` outside braces and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, ch in enumerate(raw):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return [p for p in parts if p.strip()]


# --------------------------------------------------------------------------- records


def _entry_records(item: _Parsed, by_key: dict[str, _Parsed]) -> Iterator[Paper | ParseIssue]:
    where = Location(str(item.path), line=_line(item.entry.start_line))
    key = item.entry.key
    fields = dict(item.fields)
    undefined = set(item.undefined)
    parent_key = fields.get("crossref", "").strip().lower()
    if parent_key:
        parent = by_key.get(parent_key)
        if parent is None:
            yield ParseIssue(where, f"{key}: crossref parent {parent_key!r} not found")
        else:
            for name, value in parent.fields.items():
                if name not in _NOT_INHERITED and name not in fields:
                    fields[name] = value
            undefined |= parent.undefined
    if undefined:
        names = ", ".join(sorted(undefined))
        yield ParseIssue(where, f"{key}: undefined macro(s) {names} expanded to nothing")
    try:
        yield _paper(item.entry.entry_type.lower(), fields)
    except ValueError as e:
        yield ParseIssue(where, f"{key}: {e}")


def _paper(entry_type: str, fields: dict[str, str]) -> Paper:
    title = latex_to_text(fields.get("title", ""))
    if not title:
        raise ValueError("no title")
    year = _year(fields.get("year"))
    doi = ids.normalize_doi(fields["doi"]) if fields.get("doi") else None
    paper_ids = PaperIds(doi=doi) if doi else PaperIds(title_key=ids.title_key(title, year))
    authors, complete = _authors(fields.get("author", ""))
    return Paper(
        ids=paper_ids,
        source=SOURCE,
        title=title,
        year=year,
        date=_date(year, fields.get("month")),
        url=_url(fields.get("url")),
        doc_type=entry_type,
        authors=authors,
        authors_complete=complete,
        venue=_venue(entry_type, fields),
    )


def _year(value: str | None) -> int | None:
    if not value:
        return None
    m = _YEAR.search(value)
    return int(m.group(1)) if m else None


def _date(year: int | None, month: str | None) -> str | None:
    if year is None or not month:
        return None
    word = month.strip().lower()
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if word in (name, name[:3]) or word == str(number):
            return f"{year:04d}-{number:02d}"
    return None


def _url(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    m = _URL_MACRO.match(value)
    url = (m.group(1) if m else value).strip()
    return url or None


def _authors(value: str) -> tuple[tuple[Authorship, ...], bool]:
    """Authorships from an evaluated ``author`` value; False when it ends in ``and others``."""
    names = [" ".join(n.split()) for n in split_multiple_persons_names(value) if n.strip()]
    complete = True
    if names and names[-1].lower() == "others":
        names.pop()
        complete = False
    authorships = tuple(
        Authorship(author=AuthorRef(name=display_name(raw)), position=i, raw_name=raw)
        for i, raw in enumerate(names, start=1)
    )
    return authorships, complete


def display_name(raw: str) -> str:
    """``"St{\\"u}tzle, Thomas"`` → ``"Thomas Stützle"`` (First von Last, Jr)."""
    parts = parse_single_name_into_parts(raw, strict=False)
    name = " ".join(parts.first + parts.von + parts.last)
    if parts.jr:
        name = f"{name}, {' '.join(parts.jr)}"
    return latex_to_text(name)


def _venue(entry_type: str, fields: dict[str, str]) -> VenueRef | None:
    journal = latex_to_text(fields.get("journal", ""))
    if journal:
        return VenueRef(name=journal, type="journal")
    booktitle = latex_to_text(fields.get("booktitle", ""))
    if booktitle and entry_type == "inproceedings":
        return VenueRef(name=booktitle, type="conference")
    if booktitle and entry_type == "incollection":
        return VenueRef(name=booktitle, type="book")
    return None
