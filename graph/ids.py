"""Identifier normalisation and parsing: the identity rules of the graph in one place.

Pure functions, no database. Loaders use them to normalise what sources print; the API uses
``parse_paper_id`` / ``parse_author_id`` to resolve any id form a user types.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from graph.errors import InvalidId

# Precedence order: the first one present becomes a new node's ``id``.
PAPER_ID_KINDS: tuple[str, ...] = ("doi", "arxiv", "openalex", "s2", "dblp", "aminer")
AUTHOR_ID_KINDS: tuple[str, ...] = ("orcid", "openalex", "s2", "dblp", "aminer")

# Node property holding each id kind (uniqueness-constrained).
PAPER_ID_PROPERTY: dict[str, str] = {
    "doi": "doi",
    "arxiv": "arxiv_id",
    "openalex": "openalex_id",
    "s2": "s2_id",
    "dblp": "dblp_key",
    "aminer": "aminer_id",
}
AUTHOR_ID_PROPERTY: dict[str, str] = {
    "orcid": "orcid",
    "openalex": "openalex_id",
    "s2": "s2_id",
    "dblp": "dblp_pid",
    "aminer": "aminer_id",
}

OPENALEX_PLACEHOLDER_AUTHOR = "A9999999999"

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")
_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:|https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE
)
_ORCID = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
_ORCID_PREFIX = re.compile(r"^(?:orcid:|https?://orcid\.org/)", re.IGNORECASE)
_OPENALEX_URL = re.compile(r"^(?:openalex:|https?://(?:api\.)?openalex\.org/(?:\w+/)?)", re.I)
_OPENALEX_ID = re.compile(r"^([WASITCPFV])(\d+)$", re.IGNORECASE)
_S2_PAPER = re.compile(r"^[0-9a-f]{40}$")


def normalize_doi(value: str) -> str | None:
    """``https://doi.org/10.1145/ABC`` → ``10.1145/abc``; None when it is not a DOI."""
    doi = _DOI_PREFIX.sub("", value.strip()).strip().lower()
    return doi if _DOI.match(doi) else None


def normalize_arxiv(value: str) -> str | None:
    """``arXiv:2405.01234v2`` → ``2405.01234``; ``hep-th/9201001v1`` → ``hep-th/9201001``."""
    raw = _ARXIV_PREFIX.sub("", value.strip())
    raw = raw.removesuffix(".pdf")
    m = _ARXIV_NEW.match(raw) or _ARXIV_OLD.match(raw)
    return m.group(1) if m else None


def is_valid_orcid(value: str) -> bool:
    """ISO 7064 MOD 11-2 check digit, on the dashed 16-character form."""
    m = _ORCID.match(value)
    if not m or value != "-".join(m.groups()):
        return False
    digits = "".join(m.groups())
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def normalize_orcid(value: str) -> str | None:
    """``https://orcid.org/0000-0002-1825-0097`` → ``0000-0002-1825-0097`` if its checksum holds."""
    m = _ORCID.match(_ORCID_PREFIX.sub("", value.strip()).upper())
    if not m:
        return None
    orcid = "-".join(m.groups())
    return orcid if is_valid_orcid(orcid) else None


def normalize_openalex(value: str) -> str | None:
    """``https://openalex.org/W2741809807`` → ``W2741809807``."""
    m = _OPENALEX_ID.match(_OPENALEX_URL.sub("", value.strip()))
    return (m.group(1).upper() + m.group(2)) if m else None


def fold(text: str) -> str:
    """Lower-case ASCII-ish folding: accents dropped, ``ß``/``ø``/``ł`` spelled out."""
    text = text.translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "ı": "i", "đ": "d"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def normalize_name(name: str) -> str:
    """The ``name:`` namespace key: folded, punctuation removed, initials split.

    ``S.D.Odintsov`` and ``S. D. Odintsov`` → ``s d odintsov``; ``Odintsov, S.D.`` → same.
    """
    name = name.strip()
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    return " ".join(_NON_WORD.sub(" ", fold(name)).split())


@lru_cache(maxsize=200_000)
def normalize_title(title: str) -> str:
    """Folded title with punctuation, LaTeX markup and spacing removed (for matching)."""
    return " ".join(_NON_WORD.sub(" ", fold(title)).split())


def title_key(title: str, year: int | None) -> str | None:
    norm = normalize_title(title)
    if not norm:
        return None
    return f"{norm}|{year if year is not None else ''}"


def match_key(name_key: str) -> str:
    """Surname and first initial (``s d odintsov`` → ``odintsov s``): the blocking key under
    which printed forms of one person's name meet (``names_compatible`` decides)."""
    tokens = name_key.split()
    if len(tokens) < 2:
        return name_key
    return f"{tokens[-1]} {tokens[0][0]}"


def names_compatible(a: str, b: str) -> bool:
    """Whether two printed names can be the same person: same surname, compatible initials."""
    ta, tb = normalize_name(a).split(), normalize_name(b).split()
    if not ta or not tb or ta[-1] != tb[-1]:
        return False
    fa, fb = ta[:-1], tb[:-1]
    if not fa or not fb:
        return True
    return fa[0][0] == fb[0][0]


@dataclass(frozen=True, slots=True)
class IdRef:
    """A parsed user-supplied id: the node property to look it up by, and its value."""

    kind: str  # "id", "doi", "arxiv", ...
    value: str

    @property
    def node_id(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_paper_id(raw: str) -> IdRef:
    """Any paper id form: ``doi:…``, bare DOIs and DOI URLs, ``arxiv:…`` (with or without
    version), arXiv URLs, ``openalex:W…`` and OpenAlex URLs, ``s2:``/bare S2 hashes, ``dblp:``,
    ``aminer:``, and the graph's own ``title:`` keys."""
    text = raw.strip()
    prefix, _, rest = text.partition(":")
    prefix = prefix.lower()
    if prefix == "doi" or text.lower().startswith(
        ("10.", "https://doi.org/", "http://doi.org/", "https://dx.doi.org/")
    ):
        doi = normalize_doi(rest if prefix == "doi" else text)
        if doi:
            return IdRef("doi", doi)
    if prefix == "arxiv" or "arxiv.org/" in text.lower():
        arxiv = normalize_arxiv(text)
        if arxiv:
            return IdRef("arxiv", arxiv)
    if prefix == "openalex" or "openalex.org/" in text.lower():
        oa = normalize_openalex(text)
        if oa and oa.startswith("W"):
            return IdRef("openalex", oa)
    if prefix == "s2" and rest:
        return IdRef("s2", rest.strip().lower())
    if _S2_PAPER.match(text.lower()):
        return IdRef("s2", text.lower())
    if prefix in ("dblp", "aminer", "title") and rest:
        return IdRef(prefix, rest.strip())
    bare = normalize_arxiv(text)
    if bare:
        return IdRef("arxiv", bare)
    raise InvalidId(
        "paper id",
        raw,
        "expected doi:…, a DOI or DOI URL, arxiv:… or an arXiv URL, openalex:W… or an OpenAlex "
        "URL, s2:…, dblp:…, aminer:…",
    )


def parse_author_id(raw: str) -> IdRef:
    """Any author id form: ``orcid:`` / ORCID URLs / bare ORCIDs, ``openalex:A…`` / OpenAlex
    URLs, ``s2:``, ``dblp:``, ``aminer:``, ``name:``."""
    text = raw.strip()
    prefix, _, rest = text.partition(":")
    prefix = prefix.lower()
    if prefix == "orcid" or "orcid.org/" in text.lower() or _ORCID.match(text):
        orcid = normalize_orcid(text)
        if orcid:
            return IdRef("orcid", orcid)
        raise InvalidId("author id", raw, "an ORCID with a valid check digit")
    if prefix == "openalex" or "openalex.org/" in text.lower():
        oa = normalize_openalex(text)
        if oa and oa.startswith("A"):
            return IdRef("openalex", oa)
    if prefix in ("s2", "dblp", "aminer") and rest.strip():
        return IdRef(prefix, rest.strip())
    if prefix == "name" and rest.strip():
        return IdRef("name", normalize_name(rest))
    raise InvalidId(
        "author id",
        raw,
        "expected orcid:… or an ORCID URL, openalex:A… or an OpenAlex URL, s2:…, dblp:…, "
        "aminer:…, name:…",
    )
