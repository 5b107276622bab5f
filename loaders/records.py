"""Canonical records: what every parser yields and the shared writer consumes.

Parsers are pure: they turn a source file into a stream of these frozen records and
``ParseIssue`` values (a bad record, reported and counted, never fatal for its neighbours).
Identifiers inside records are already normalised (see ``loaders.ids``); the records check
their own invariants so a parser bug fails loudly at the place it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graph import ids
from graph.identity import paper_key

VenueType = Literal["journal", "conference", "repository", "book", "other"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record sits in its source file (whichever of line / offset / index applies)."""

    file: str
    line: int | None = None
    index: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.index is not None:
            where.append(f"record {self.index}")
        if self.offset is not None:
            where.append(f"offset {self.offset}")
        return ", ".join(where)


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A record the parser could not turn into canonical records, or a file-level problem."""

    location: Location
    reason: str
    fatal: bool = False  # True when the rest of the file cannot be read


@dataclass(frozen=True, slots=True)
class PaperIds:
    """Strong identifiers of a paper, normalised. Any one match means "the same paper"."""

    doi: str | None = None  # lower-case, no URL prefix
    arxiv: str | None = None  # no version suffix, e.g. "2405.01234" or "hep-th/9201001"
    openalex: str | None = None  # "W2741809807"
    s2: str | None = None  # 40-hex S2 paper id
    dblp: str | None = None  # "conf/kdd/X20"
    aminer: str | None = None  # AMiner numeric id as a string
    title_key: str | None = None  # weak key "normalised title|year", used only without strong ids

    def __post_init__(self) -> None:
        if self.doi is not None and self.doi != ids.normalize_doi(self.doi):
            raise ValueError(f"DOI not normalised: {self.doi!r}")
        if self.arxiv is not None and self.arxiv != ids.normalize_arxiv(self.arxiv):
            raise ValueError(f"arXiv id not normalised: {self.arxiv!r}")
        if not (self.strong() or self.title_key):
            raise ValueError("a paper needs a strong id or a title key")

    def strong(self) -> dict[str, str]:
        """The strong ids that are set, as ``{kind: value}`` in precedence order."""
        out = {}
        for kind in ids.PAPER_ID_KINDS:
            value = getattr(self, kind)
            if value:
                out[kind] = value
        return out

    def key(self) -> str:
        """The preferred node id (``graph.identity.paper_key``): the first strong id by
        precedence, else the title key."""
        return paper_key(self.strong(), self.title_key)


@dataclass(frozen=True, slots=True)
class AuthorRef:
    """An author as a source names them. Strong ids win over the name (see DESIGN identity)."""

    name: str  # display name, cleaned (LaTeX decoded, whitespace collapsed)
    orcid: str | None = None  # "0000-0002-1825-0097", checksum valid
    openalex: str | None = None  # "A5023888391"
    s2: str | None = None
    dblp: str | None = None  # dblp person name or pid, homonym suffix kept ("Markus Schmitt 0002")
    aminer: str | None = None
    affiliation: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("author name is empty")
        if self.orcid is not None and not ids.is_valid_orcid(self.orcid):
            raise ValueError(f"invalid ORCID {self.orcid!r}")
        if self.openalex == ids.OPENALEX_PLACEHOLDER_AUTHOR:
            raise ValueError("the OpenAlex placeholder author is not a person")
        if not ids.normalize_name(self.name):  # a name in any script has a (transliterated) key
            raise ValueError(f"author name has no letter or digit in any script: {self.name!r}")

    def strong(self) -> dict[str, str]:
        out = {}
        for kind in ids.AUTHOR_ID_KINDS:
            value = getattr(self, kind)
            if value:
                out[kind] = value
        return out

    def key(self) -> str:
        for kind, value in self.strong().items():
            return f"{kind}:{value}"
        return f"name:{ids.normalize_name(self.name)}"


@dataclass(frozen=True, slots=True)
class Authorship:
    author: AuthorRef
    position: int | None  # 1-based; None when the source does not say (e.g. hidden behind et al.)
    raw_name: str | None = None  # the name exactly as the source printed it on this paper

    def __post_init__(self) -> None:
        if self.position is not None and self.position < 1:
            raise ValueError(f"author position must be >= 1, got {self.position}")


@dataclass(frozen=True, slots=True)
class VenueRef:
    name: str
    type: VenueType = "other"
    issn: str | None = None  # ISSN-L preferred, "1234-5678"
    openalex: str | None = None  # "S123"
    dblp: str | None = None  # "conf/kdd", "journals/tkde", "series/hci"
    id: str | None = None  # explicit key when the source has its own (e.g. "arxiv")

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("venue name is empty")

    def key(self) -> str:
        if self.id:
            return self.id
        if self.issn:
            return f"issn:{self.issn}"
        if self.openalex:
            return f"openalex:{self.openalex}"
        if self.dblp:
            return f"dblp:{self.dblp}"
        return f"name:{ids.normalize_title(self.name)}"


@dataclass(frozen=True, slots=True)
class CategoryRef:
    """A category with its scheme; ``parent`` gives the hierarchy where the source has one."""

    id: str  # "arxiv:cs.CL", "openalex-topic:T10028", "s2-field:Computer Science"
    name: str
    scheme: str  # "arxiv", "openalex-topic", "openalex-subfield", ..., "s2-field", "aminer-fos"
    parent: CategoryRef | None = None

    def __post_init__(self) -> None:
        if ":" not in self.id:
            raise ValueError(f"category id needs a scheme prefix: {self.id!r}")


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as one source describes it, with its links."""

    ids: PaperIds
    source: str  # "openalex", "s2", "arxiv", "dblp", "aminer", "bibtex", "paperscape", "profile"
    title: str | None = None
    abstract: str | None = None
    year: int | None = None
    date: str | None = None  # ISO "YYYY-MM-DD" (or "YYYY-MM")
    url: str | None = None
    has_code: bool | None = None
    code_url: str | None = None
    source_citation_count: int | None = None
    counts_by_year: tuple[tuple[int, int], ...] = ()  # (year, cited_by_count) as the source reports
    doc_type: str | None = None
    journal_ref: str | None = None
    authors: tuple[Authorship, ...] = ()
    authors_complete: bool = True
    venue: VenueRef | None = None
    categories: tuple[CategoryRef, ...] = ()
    primary_category: str | None = None  # id of one of ``categories``
    references: tuple[PaperIds, ...] = ()  # papers this one cites
    stub: bool = False  # True when the source only knows the id (never overwrites real data)

    def __post_init__(self) -> None:
        if self.year is not None and not 1000 <= self.year <= 2100:
            raise ValueError(f"implausible year {self.year}")
        if self.primary_category is not None and self.primary_category not in {
            c.id for c in self.categories
        }:
            raise ValueError(
                f"primary category {self.primary_category} is not among the categories"
            )
        if not self.stub and not (self.title and self.title.strip()):
            raise ValueError("a paper needs a title")


@dataclass(frozen=True, slots=True)
class Citation:
    """A citation known only by the two papers' ids (e.g. S2 corpus ``inCitations``)."""

    citing: PaperIds
    cited: PaperIds
    source: str


@dataclass(frozen=True, slots=True)
class AuthorProfile:
    """Figures a source reports about an author (never confused with computed metrics)."""

    author: AuthorRef
    source: str
    as_of: str  # ISO date the figures were captured
    primary_category: CategoryRef | None = None
    reported: tuple[tuple[str, float], ...] = field(default=())  # (metric, value)


Record = Paper | Citation | AuthorProfile
