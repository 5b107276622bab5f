"""Identifier normalisation and parsing: the identity rules of the graph in one place.

Pure functions, no database. Loaders use them to normalise what sources print; the API uses
``parse_paper_id`` / ``parse_author_id`` to resolve any id form a user types.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

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
_CLUSTER_SUFFIX = re.compile(r"^[0-9a-fA-F]{12}$")  # ``name:<key>#<hex>`` (author clustering)


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
    """Lower-case ASCII folding for keys.

    Latin letters fold exactly as they always have (accents dropped, ``ß``/``ø``/``ł`` spelled
    out), so existing ``name:`` and title keys do not move. Letters of every other script are
    transliterated with ``anyascii``: Cyrillic, Greek, Arabic, kana and the like by runs
    (``Андрей`` → ``andrey``), Han and Hangul one syllable at a time, separated by spaces
    (``王成阳`` → ``wang cheng yang``; Japanese kanji get their Mandarin reading). Symbols and
    punctuation outside ASCII stay as they are (the key builders treat them as separators).
    """
    latin = _fold_latin(text)
    return latin if latin.isascii() else _transliterate(text)


def _fold_latin(text: str) -> str:
    if text.isascii():  # most text: nothing to decompose (the same result, 20× faster)
        return text.lower()
    text = text.translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "ı": "i", "đ": "d"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Unicode blocks whose letters keep the Latin fold above, even where it leaves a non-ASCII letter
# (``þ``, ``ð``, ``œ`` have always been separators in keys; changing that would re-key nodes).
_LATIN_BLOCKS = (
    (0x0000, 0x036F),  # ASCII, Latin-1, Latin Extended-A/B, IPA, modifiers, combining marks
    (0x1D00, 0x1DFF),  # phonetic extensions, combining supplement
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0xFB00, 0xFB06),  # Latin ligatures
)
# Scripts written one syllable per character: transliterated character by character.
_SYLLABIC_BLOCKS = (
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # CJK Extensions B-G
)
_KANA_BLOCK = (0x3040, 0x30FF)
_KATAKANA_MIDDLE_DOT = "\u30fb"  # separates the parts of a foreign name written in katakana


def _in(c: str, blocks: tuple[tuple[int, int], ...]) -> bool:
    cp = ord(c)
    return any(lo <= cp <= hi for lo, hi in blocks)


def _transliterate(text: str) -> str:
    out: list[str] = []
    run: list[str] = []  # consecutive letters of a non-Latin alphabet, transliterated together

    def flush() -> None:
        if run:
            out.append(anyascii("".join(run)).lower())
            run.clear()

    for c in text:
        if _in(c, _SYLLABIC_BLOCKS):
            flush()
            out.append(f" {anyascii(c).lower()} ")
            continue
        latin = _fold_latin(c)
        if run and unicodedata.combining(c):
            run.append(c)  # a mark on a letter of the run (virama, decomposed accent)
        elif latin.isascii() or _in(c, _LATIN_BLOCKS):
            flush()
            out.append(latin)
        elif unicodedata.category(c)[0] in "LMN":
            run.append(c)
        else:
            flush()
            out.append(latin)
    flush()
    return "".join(out)


def _is_east_asian_letter(c: str) -> bool:
    return _in(c, _SYLLABIC_BLOCKS) or (
        _KANA_BLOCK[0] <= ord(c) <= _KANA_BLOCK[1] and c != _KATAKANA_MIDDLE_DOT
    )


# Two-character family names (Chinese and Korean) that a name written without a space starts with.
_COMPOUND_SURNAMES = frozenset(
    {
        *("欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "尉迟", "公孙", "慕容"),
        *("长孙", "夏侯", "令狐", "宇文", "轩辕", "端木", "歐陽", "諸葛", "東方", "長孫"),
        *("軒轅", "남궁", "황보", "제갈", "선우", "독고", "사공", "서문"),
    }
)


def _east_asian_name(name: str) -> str | None:
    """``王成阳`` → ``chengyang wang``: a name written wholly in Han, Hangul or kana is printed
    family name first; its key puts the family name last (like ``Chengyang Wang``), the given
    name's syllables joined. Without a space the family name is the first character (or a known
    two-character one); a kana name without a space cannot be split and is left as it is."""
    parts = name.split()
    chars = "".join(parts)
    if not chars or not all(_is_east_asian_letter(c) for c in chars):
        return None
    if len(parts) == 1:
        if not all(_in(c, _SYLLABIC_BLOCKS) for c in chars):
            return None
        n = 2 if len(chars) >= 3 and chars[:2] in _COMPOUND_SURNAMES else 1
        family, given = chars[:n], chars[n:]
    else:
        family, given = parts[0], "".join(parts[1:])
    given_key, family_key = _NON_WORD.sub("", fold(given)), _NON_WORD.sub("", fold(family))
    if not given_key or not family_key:
        return None
    return f"{given_key} {family_key}"


@lru_cache(maxsize=200_000)
def normalize_name(name: str) -> str:
    """The ``name:`` namespace key: folded, transliterated, punctuation removed, initials split.

    ``S.D.Odintsov`` and ``S. D. Odintsov`` → ``s d odintsov``; ``Odintsov, S.D.`` → same;
    ``Андрей Колпаков`` → ``andrey kolpakov``; ``王成阳`` → ``chengyang wang``. Empty only when
    the name has no letter or digit in any script.
    """
    name = name.strip()
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    return _east_asian_name(name) or " ".join(_NON_WORD.sub(" ", fold(name)).split())


@lru_cache(maxsize=200_000)
def normalize_title(title: str) -> str:
    """Folded, transliterated title with punctuation, LaTeX markup and spacing removed (for
    matching): a title in any script has a key."""
    return " ".join(_NON_WORD.sub(" ", fold(title)).split())


def title_key(title: str, year: int | None) -> str | None:
    norm = normalize_title(title)
    if not norm:
        return None
    return f"{norm}|{year if year is not None else ''}"


def split_title_key(key: str) -> tuple[str, int | None]:
    """``title_key``'s parts: the normalised title and the year (None when it had none)."""
    title, _, year = key.rpartition("|")
    return title, int(year) if year.isdigit() else None


def nearby_title_keys(key: str, slack: int = 1) -> list[str]:
    """The title keys a work printed with ``key`` may carry elsewhere: the same title, the year
    within ``slack`` (a preprint and its journal version, a conference's year and its
    proceedings'). A key without a year is its own only."""
    title, year = split_title_key(key)
    if year is None:
        return [key]
    return [f"{title}|{y}" for y in range(year - slack, year + slack + 1)]


def surname_key(name: str | None) -> str | None:
    """The folded, transliterated surname of a printed name (``"Lee, Herbert K. H."`` → ``lee``,
    ``"J. Gratch"`` → ``gratch``): how two sources' first authors are compared."""
    tokens = normalize_name(name).split() if name else []
    return tokens[-1] if tokens else None


_VENUE_TOKEN = re.compile(r"[a-z][a-z0-9]*")
#: Words a venue's printed forms keep or drop at will ("Proceedings of the", "14th Annual").
VENUE_STOP_WORDS = frozenset(
    """a an and at de des for in of on the to th st nd rd proceedings proc annual""".split()  # noqa: SIM905
)
_VENUE_ABBREVIATIONS = {"j": "jou", "jnl": "jou", "intl": "int", "am": "ame"}
#: Venue keys of preprint servers: a preprint is compatible with any venue of its final version.
PREPRINT_VENUES = frozenset({"arxiv", "corr", "arx pre", "bio", "biorxiv", "medrxiv", "ssrn"})


def venue_key(name: str | None) -> str | None:
    """A venue name's key, equal for its full and abbreviated forms: every word cut to its first
    three letters, function words dropped ("IEEE Trans. Computers" and "IEEE Transactions on
    Computers" → ``iee tra com``; "J. Parallel Distrib. Comput." and "Journal of Parallel and
    Distributed Computing" → ``jou par dis com``), since abbreviations (ISO 4 and the usual
    ones) keep a word's beginning. A one-word name (an acronym: "ICML", "ICMLA") stays whole."""
    if not name:
        return None
    tokens = [t for t in _VENUE_TOKEN.findall(fold(name)) if t not in VENUE_STOP_WORDS]
    if len(tokens) <= 1:
        return tokens[0] if tokens else None
    return " ".join(_VENUE_ABBREVIATIONS.get(t, t[:3]) for t in tokens)


def venues_compatible(a: str | None, b: str | None) -> bool:
    """Two venue keys (:func:`venue_key`) can name where one work appeared: either unknown or
    a preprint server, equal, or one the acronym of the other ("JAIR" and "Journal of
    Artificial Intelligence Research")."""
    if a is None or b is None or a == b or a in PREPRINT_VENUES or b in PREPRINT_VENUES:
        return True
    for short, long in ((a, b), (b, a)):
        if " " not in short and " " in long and short == "".join(w[0] for w in long.split()):
            return True
    return False


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
        key, hash_sign, suffix = rest.strip().rpartition("#")
        if hash_sign and _CLUSTER_SUFFIX.match(suffix) and normalize_name(key):
            return IdRef("name", f"{normalize_name(key)}#{suffix.lower()}")  # a further cluster
        return IdRef("name", normalize_name(rest))
    raise InvalidId(
        "author id",
        raw,
        "expected orcid:… or an ORCID URL, openalex:A… or an OpenAlex URL, s2:…, dblp:…, "
        "aminer:…, name:…",
    )
