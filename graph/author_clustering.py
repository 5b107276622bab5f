"""Name-only authorships clustered by evidence: which person is this printed name?

Pure functions and small value types, no database. The writers (``graph.ingest``,
``graph.bulk``) and the relink to strong-id authors (``graph.author_links``) all decide with the
one scorer here, :func:`score`, against the one threshold, ``Weights.threshold``.

* **Blocking.** A mention is only compared with clusters under its blocking key
  (``graph.ids.match_key``: transliterated surname + first initial).
* **Given names.** A mention joins a cluster only when its given names fit every printed form the
  cluster holds (:func:`given_names_compatible`: "R. Cole" fits "Richard Cole", "Xin-Nian" fits
  "Xinnian", "Xingya" does not fit "Xiaolei").
* **Evidence** between a mention and a cluster's profile (bounded counters of what the
  cluster's mentions carried): shared co-authors (compatible names), venue, categories, content
  words of title and abstract, the same title (a work printed twice), affiliation words (the
  institution's own words: boilerplate, department fields and their abbreviations left out),
  and the distance in years. Each kind adds a fixed, interpretable weight (:class:`Weights`);
  years apart subtract.
* **Precision first.** A mention joins the best cluster only when the score reaches the
  threshold, which one shared co-author reaches, or the same title, or venue plus topic, or
  affiliation plus topic; words or a venue alone do not. Otherwise it starts a cluster of its own.
* **Name prior (optional).** With ``name_stats`` (:class:`graph.name_stats.NameStats`,
  counts of first given names and surnames over every printed name loaded so far), a mention
  whose full name is expected to be borne by at most ``Weights.rare_people`` people joins a
  cluster that printed the same full first name at ``Weights.rare_threshold`` (venue or words
  are then enough), and the cluster it lands in absorbs the block's clusters of that first
  name whose profiles score ``Weights.rare_merge_threshold`` against it (:func:`profile_score`).
  Initial-only forms never get the prior. Without ``name_stats`` nothing changes.
* **Late attachment.** A mention that came before its person's cluster had grown started a
  cluster of its own; once a later mention lands in the grown cluster, that cluster takes in
  the block's clusters of at most ``Weights.attach_max`` mentions sharing a feature with the
  later mention whose evidence, scored as one mention (:func:`attach_score`), now reaches
  ``Weights.attach_threshold`` (the ordinary threshold) against it.
* **Incremental and deterministic.** :func:`assign` takes the stored profiles of the blocks
  and a batch's mentions in record order, attaches each to the best profile (ties: the smaller
  cluster id) or starts one, and updates that profile as it goes, so the result is a function
  of the sequence of mentions alone, wherever a batch ends. A mention that fits two clusters
  well joins them. Memory is linear: a mention is scored against the profiles that share at
  least one feature with it (an inverted index per block), never against every other mention,
  and every profile is bounded.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Protocol

import orjson

from graph.ids import fold, match_key, normalize_name, venue_key
from graph.name_stats import NameStats

# -- given names ---------------------------------------------------------------------------------


def split_name(name_key: str) -> tuple[tuple[str, ...], str]:
    """``x n wang`` → (("x", "n"), "wang"): given-name tokens and surname of a name key."""
    tokens = name_key.split()
    if not tokens:
        return (), ""
    return tuple(tokens[:-1]), tokens[-1]


def _given_fit(a: Sequence[str], b: Sequence[str], pending: bool = False) -> bool:
    """Token-by-token fit of two given-name lists. An initial fits any token with its letter;
    a full token fits an equal one, or a run of the other side's tokens that spell it
    ("xinnian" = "xin" + "nian"). A side may lack trailing (middle) names, except in the middle
    of spelling out a split token (``pending``)."""
    if not a or not b:
        return not pending
    x, y = a[0], b[0]
    if len(x) == 1 or len(y) == 1:
        return not pending and x[0] == y[0] and _given_fit(a[1:], b[1:])
    if x == y:
        return _given_fit(a[1:], b[1:])
    if x.startswith(y):
        return _given_fit((x[len(y) :], *a[1:]), b[1:], pending=True)
    if y.startswith(x):
        return _given_fit(a[1:], (y[len(x) :], *b[1:]), pending=True)
    return False


def given_names_compatible(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two lists of given-name tokens can name one person (surnames already equal).

    ``("r",)`` ~ ``("richard",)``; ``("richard", "j")`` ~ ``("richard",)``; ``("xin", "nian")``
    ~ ``("xinnian",)``; ``("j", "p")`` ~ ``("jean", "pierre")``; ``("xingya",)`` ≁
    ``("xiaolei",)``; ``("xin",)`` ≁ ``("xinran",)``. A name without given names fits any."""
    return _given_fit_cached(tuple(a), tuple(b))


@lru_cache(maxsize=1 << 16)
def _given_fit_cached(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """:func:`_given_fit`, remembered: a block asks about the same few forms again and again."""
    return _given_fit(a, b)


@lru_cache(maxsize=1 << 16)
def _given_tokens(form: str) -> tuple[str, ...]:
    """The tokens of a profile's given-name form (``Profile.names`` keys are space-joined)."""
    return tuple(form.split())


# -- mentions -----------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z0-9]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words and words of scholarly prose that say nothing about a topic.
STOP_WORDS = _words(
    """a about above after again against all also among an and any are as at be been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    more most no nor not now of off on once only or other our out over own same she should so
    some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with within without
    would you your via using use used based new novel approach approaches method methods study
    studies analysis result results paper toward towards two one three first second large small
    high low efficient effective improved improving general problem problems case model models
    system systems application applications technique techniques framework performance data
    algorithm algorithms design evaluation issue issues research report proposed propose present
    show shows shown work works different various well several many however while thus therefore
    introduction review survey part note notes et al vs non multi"""
)
# Words of an affiliation that every institution shares.
AFFILIATION_STOP_WORDS = STOP_WORDS | _words(
    """university univ department dept institute inst school college faculty laboratory lab
    labs center centre research science sciences engineering technology national state key
    division group graduate academy usa china japan uk germany france korea india canada italy
    spain email road street"""
)
# Fields a department is named after: shared by people of every institution.
AFFILIATION_FIELD_WORDS = _words(
    """computer computing computation computational electrical electronic electronics
    information informatics mathematics mathematical applied physics chemistry biology software
    automation control communication communications telecommunication telecommunications
    mechanical industrial medical medicine business management economics statistics
    intelligent intelligence artificial technological polytechnic"""
)
_AFFILIATION_BOILERPLATE = (AFFILIATION_STOP_WORDS - STOP_WORDS) | AFFILIATION_FIELD_WORDS
# ... and their abbreviations ("comput", "electr", "eng", "sch", "sci", "technol")
_AFFILIATION_ABBREVIATIONS = frozenset(
    w[:k] for w in _AFFILIATION_BOILERPLATE for k in range(3, len(w))
)
MAX_TERMS = 40  # content words kept per mention (title first, then abstract)


def _stem(word: str) -> str:
    """A light plural fold, enough to meet "networks" with "network"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(
    text: str | None, stop: frozenset[str] = STOP_WORDS, limit: int | None = None
) -> list[str]:
    """Folded, lightly stemmed words of a text without stop words, in first-seen order (the
    first ``limit`` of them when given)."""
    if not text:
        return []
    out: dict[str, None] = {}
    for w in _WORD.findall(fold(text)):
        if len(w) >= 3 and w not in stop and not w.isdigit():
            out.setdefault(_stem(w), None)
            if limit is not None and len(out) >= limit:
                break
    return list(out)


def affiliation_words(text: str | None) -> list[str]:
    """Content words of an affiliation without institution boilerplate ("university",
    "department", country names), the fields departments are named after ("computer",
    "electrical"), or abbreviations of either ("comput", "sch", "technol"): what is left names
    the institution or its place ("tsinghua", "nanyang", "chicago")."""
    words = content_words(text, AFFILIATION_STOP_WORDS)
    return [
        w for w in words if w not in AFFILIATION_FIELD_WORDS and w not in _AFFILIATION_ABBREVIATIONS
    ]


@lru_cache(maxsize=1 << 17)
def coauthor_key(name: str) -> str | None:
    """``Mukesh K. Mohania`` → ``mohania mukesh``: surname and first given token (an initial
    stays an initial); compared with :func:`coauthor_keys_fit`. None for an empty name."""
    given, surname = split_name(normalize_name(name))
    if not surname:
        return None
    return f"{surname} {given[0]}" if given else surname


def _initial_form(key: str) -> str:
    """``wang zhi`` → ``wang z`` (a surname alone stays itself): two keys that fit
    (:func:`coauthor_keys_fit`) have the same initial form."""
    space = key.find(" ")
    return key if space < 0 else key[: space + 2]


def coauthor_keys_fit(a: str, b: str) -> bool:
    """Two co-author keys name one person: same surname, and first given tokens equal or one an
    initial of the other."""
    if a == b:
        return True
    sa, _, ga = a.partition(" ")
    sb, _, gb = b.partition(" ")
    if sa != sb or not ga or not gb:
        return False
    return (len(ga) == 1 or len(gb) == 1) and ga[0] == gb[0]


@dataclass(frozen=True, slots=True)
class Mention:
    """One name-only authorship and the evidence its paper carries."""

    id: str  # stable and unique: the paper's node id and the printed position or name
    paper: str  # the paper's node id (two mentions of one paper are never one person)
    name: str  # as printed
    given: tuple[str, ...]
    surname: str
    block: str  # ``graph.ids.match_key`` of the name key
    coauthors: frozenset[str]  # co-author keys (:func:`coauthor_key`) of the other authors
    venue: str | None
    categories: frozenset[str]
    terms: frozenset[str]
    affiliation: frozenset[str]
    year: int | None
    title: str | None = None  # digest of the title's content words (:func:`title_digest`)

    def __post_init__(self) -> None:
        if not self.id or not self.surname:
            raise ValueError(f"a mention needs an id and a surname (id={self.id!r})")


@dataclass(frozen=True, slots=True)
class PaperEvidence:
    """What one paper gives each of its mentions, computed once per paper: the co-author key
    of every printed author, the venue key, categories, words and title digest."""

    paper: str
    keys: tuple[str | None, ...]  # :func:`coauthor_key` of each printed author, in order
    key_set: frozenset[str]  # the keys that are not None (a paper of 500 authors: once, not 500×)
    venue: str | None
    categories: frozenset[str]
    terms: frozenset[str]
    title: str | None
    year: int | None


def paper_evidence(
    paper: str,
    names: Sequence[str],
    *,
    title: str | None = None,
    abstract: str | None = None,
    venue: str | None = None,
    categories: Iterable[str] = (),
    year: int | None = None,
) -> PaperEvidence:
    """The evidence of a paper whose author list prints ``names``."""
    title_words = content_words(title)
    words = title_words[:MAX_TERMS]
    if len(words) < MAX_TERMS:  # the abstract's first words fill up to MAX_TERMS distinct ones
        words += content_words(abstract, limit=MAX_TERMS)
    keys = tuple(coauthor_key(n) for n in names)
    return PaperEvidence(
        paper=paper,
        keys=keys,
        key_set=frozenset(k for k in keys if k),
        venue=venue_key(venue),
        categories=frozenset(categories),
        terms=frozenset(list(dict.fromkeys(words))[:MAX_TERMS]),
        title=_words_digest(title_words),
        year=year,
    )


def mention_on(
    ev: PaperEvidence, index: int, mention_id: str, name: str, affiliation: str | None = None
) -> Mention:
    """The mention of the author printed ``name`` at ``index`` of ``ev``'s author list."""
    name_key = normalize_name(name)
    given, surname = split_name(name_key)
    own = ev.keys[index]
    keys = ev.key_set - {own}  # every other author's key but this author's own
    return Mention(
        id=mention_id,
        paper=ev.paper or mention_id.rpartition("#")[0] or mention_id,
        name=name,
        given=given,
        surname=surname,
        block=match_key(name_key),
        coauthors=frozenset(keys),
        venue=ev.venue,
        categories=ev.categories,
        terms=ev.terms,
        affiliation=frozenset(affiliation_words(affiliation)),
        year=ev.year,
        title=ev.title,
    )


def make_mention(
    mention_id: str,
    name: str,
    *,
    paper: str = "",
    coauthors: Iterable[str] = (),
    title: str | None = None,
    abstract: str | None = None,
    venue: str | None = None,
    categories: Iterable[str] = (),
    affiliation: str | None = None,
    year: int | None = None,
) -> Mention:
    """A mention from what a paper record prints (``coauthors``: the other printed names)."""
    ev = paper_evidence(
        paper, [name, *coauthors], title=title, abstract=abstract, venue=venue,
        categories=categories, year=year,
    )  # fmt: skip
    return mention_on(ev, 0, mention_id, name, affiliation)


MIN_TITLE_WORDS = 3  # content words a title needs for its digest (not "Editorial", "Preface")


def title_digest(title: str | None) -> str | None:
    """8 hex digits of SHA-1 of a title's content words (:func:`content_words`, in order), or
    None for a title of fewer than ``MIN_TITLE_WORDS`` of them: two papers printing one title
    ("Web Data Mining: Exploring Hyperlinks, Contents, and Usage Data" in two years) meet."""
    return _words_digest(content_words(title))


def _words_digest(words: list[str]) -> str | None:
    if len(words) < MIN_TITLE_WORDS:
        return None
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()[:8]


# -- cluster profiles ---------------------------------------------------------------------------

#: Bounds of a profile's counters (most frequent kept; ties by value), so a cluster's evidence
#: stays small on its node whatever the number of mentions.
PROFILE_LIMITS: Mapping[str, int] = {
    "coauthors": 300,
    "venues": 60,
    "categories": 60,
    "terms": 400,
    "affiliation": 60,
    "names": 12,
}


MAX_PAPERS = 1000  # paper digests kept per profile (two mentions of one paper never join)


@lru_cache(maxsize=1 << 16)
def paper_digest(paper: str) -> str:
    """8 hex digits of SHA-1 of a paper node id: enough to tell a cluster's papers apart."""
    return hashlib.sha1(paper.encode("utf-8")).hexdigest()[:8]


def _bounded(counter: Counter[str], limit: int) -> Counter[str]:
    if len(counter) <= limit:
        return counter
    kept = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return Counter(dict(kept))


@dataclass(slots=True)
class Profile:
    """What a cluster's mentions carried, as bounded counters: the evidence a later mention is
    scored against. ``names`` holds the given-name forms seen (space-joined tokens)."""

    id: str
    block: str
    size: int = 0
    names: Counter[str] = field(default_factory=Counter)
    coauthors: Counter[str] = field(default_factory=Counter)
    venues: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    terms: Counter[str] = field(default_factory=Counter)
    affiliation: Counter[str] = field(default_factory=Counter)
    first_year: int | None = None
    last_year: int | None = None
    papers: set[str] = field(default_factory=set)  # digests of its mentions' papers (bounded)
    titles: set[str] = field(default_factory=set)  # digests of their titles (bounded)
    retired: set[str] = field(default_factory=set)  # ids of the clusters it absorbed
    never: set[str] = field(default_factory=set)  # authors it is never joined with (overrides)
    _term_norm: float | None = field(default=None, repr=False, compare=False)
    _forms: frozenset[str] | None = field(default=None, repr=False, compare=False)

    @property
    def coauthor_forms(self) -> frozenset[str]:
        """Every co-author key in its initial form (``wang zhi`` → ``wang z``, a surname alone
        itself; kept until the profile changes): what an initial-only key is checked against,
        and a key that fits one of them has its initial form here."""
        if self._forms is None:
            self._forms = frozenset(_initial_form(k) for k in self.coauthors)
        return self._forms

    @property
    def term_norm(self) -> float:
        """The Euclidean norm of ``terms`` (kept until the profile changes)."""
        if self._term_norm is None:
            self._term_norm = sum(c * c for c in self.terms.values()) ** 0.5
        return self._term_norm

    def has_paper(self, m: Mention) -> bool:
        return paper_digest(m.paper) in self.papers

    def add(self, m: Mention) -> None:
        self._term_norm = None
        coauthors, forms = self.coauthors, self._forms
        self.size += 1
        if len(self.papers) < MAX_PAPERS:
            self.papers.add(paper_digest(m.paper))
        if m.title is not None and len(self.titles) < MAX_PAPERS:
            self.titles.add(m.title)
        self.names[" ".join(m.given)] += 1
        self.coauthors.update(m.coauthors)
        if m.venue:
            self.venues[m.venue] += 1
        self.categories.update(m.categories)
        self.terms.update(m.terms)
        self.affiliation.update(m.affiliation)
        if m.year is not None:
            self.first_year = m.year if self.first_year is None else min(self.first_year, m.year)
            self.last_year = m.year if self.last_year is None else max(self.last_year, m.year)
        for attr, limit in PROFILE_LIMITS.items():
            setattr(self, attr, _bounded(getattr(self, attr), limit))
        if self.coauthors is not coauthors:  # the bound cut some: built again when asked
            self._forms = None
        elif forms is not None and m.coauthors:
            self._forms = forms.union(map(_initial_form, m.coauthors))

    def merge(self, other: Profile) -> None:
        """Takes in another cluster's evidence (the two were shown to be one person)."""
        self._term_norm = self._forms = None
        self.size += other.size
        self.retired |= other.retired | {other.id}
        self.never |= other.never
        self.papers |= set(sorted(other.papers)[: max(0, MAX_PAPERS - len(self.papers))])
        self.titles |= set(
            sorted(other.titles - self.titles)[: max(0, MAX_PAPERS - len(self.titles))]
        )
        for attr, limit in PROFILE_LIMITS.items():
            counter: Counter[str] = getattr(self, attr)
            counter.update(getattr(other, attr))
            setattr(self, attr, _bounded(counter, limit))
        years = [y for y in (self.first_year, self.last_year, other.first_year, other.last_year)
                 if y is not None]  # fmt: skip
        if years:
            self.first_year, self.last_year = min(years), max(years)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (stored on the cluster node)."""
        out: dict[str, Any] = {"size": self.size, "years": [self.first_year, self.last_year],
                               "papers": sorted(self.papers)}  # fmt: skip
        if self.retired:
            out["retired"] = sorted(self.retired)
        if self.titles:
            out["titles"] = sorted(self.titles)
        for attr in PROFILE_LIMITS:
            counter: Counter[str] = getattr(self, attr)
            out[attr] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        return out

    @classmethod
    def from_dict(cls, cluster_id: str, block: str, data: Mapping[str, Any]) -> Profile:
        first, last = data.get("years") or (None, None)
        profile = cls(cluster_id, block, int(data.get("size", 0)), first_year=first,
                      last_year=last)  # fmt: skip
        for attr in PROFILE_LIMITS:
            setattr(profile, attr, Counter({str(k): int(v) for k, v in data.get(attr, [])}))
        profile.papers = set(data.get("papers", []))
        profile.retired = set(data.get("retired", []))
        profile.titles = set(data.get("titles", []))  # absent in profiles stored before
        return profile

    @classmethod
    def of(cls, cluster_id: str, mentions: Iterable[Mention]) -> Profile:
        """The profile of a set of mentions (a strong-id author's papers, for instance)."""
        profile: Profile | None = None
        for m in mentions:
            profile = profile or cls(cluster_id, m.block)
            profile.add(m)
        if profile is None:
            raise ValueError(f"no mentions for profile {cluster_id!r}")
        return profile


# -- the score ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weights:
    """The rule's weights (a point each unless said otherwise) and its threshold."""

    coauthor: float = 3.0  # the first shared co-author
    coauthor_more: float = 1.0  # each further one (up to ``coauthor_cap`` in all)
    coauthor_cap: int = 3
    venue: float = 1.0  # the mention's venue is among the cluster's ...
    venue_share: float = 0.1  # ... for at least this share of its mentions
    category: float = 0.5  # a shared category
    term: float = 7.0  # times the cosine of the mention's words and the cluster's word counts
    term_cap: float = 2.0
    same_title: float = 3.0  # the mention's title is one of the cluster's titles
    affiliation: float = 1.5  # a shared affiliation word (beyond institution boilerplate)
    year_slack: int = 10  # years outside the cluster's span that cost nothing
    year_penalty: float = 0.25  # per year beyond the slack
    threshold: float = 3.0
    bridge: bool = True  # a mention that fits several clusters joins them ...
    bridge_threshold: float = 3.5  # ... when it reaches this score with each
    # The name prior (only with ``name_stats``, :mod:`graph.name_stats`): a mention whose full
    # name is expected to be borne by at most ``rare_people`` people joins a cluster that
    # printed the same full first name at ``rare_threshold`` (and bridges at that plus the
    # bridge margin) instead of ``threshold`` ...
    rare_people: float = 0.03
    rare_threshold: float = 1.5
    # ... and the cluster it lands in absorbs the block's clusters of the same full first name
    # whose profile scores at least this against its own (:func:`profile_score`; inf: never).
    rare_merge_threshold: float = 2.0
    # Any name: the cluster a mention lands in absorbs the block's clusters whose profiles
    # score at least this against its own (names fitting; inf: never).
    merge_threshold: float = float("inf")
    # The cluster a mention lands in takes in the block's small clusters (at most
    # ``attach_max`` mentions) that share a feature with the mention and whose evidence, scored
    # as one mention (:func:`attach_score`), now reaches this against it (inf: never).
    attach_threshold: float = 3.0
    attach_max: int = 2


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a mention was (or was not) put with a cluster: the score and what agreed."""

    score: float
    coauthors: tuple[str, ...] = ()
    venue: bool = False
    categories: int = 0
    terms: float = 0.0
    affiliation: int = 0
    year_gap: int = 0
    names_fit: bool = True
    title: bool = False  # the mention's title is one of the cluster's titles

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 3),
            "coauthors": list(self.coauthors),
            "venue": self.venue,
            "categories": self.categories,
            "terms": round(self.terms, 3),
            "affiliation": self.affiliation,
            "year_gap": self.year_gap,
            "title": self.title,
        }


NO_FIT = Evidence(score=float("-inf"), names_fit=False)


class Rule:
    """How an authorship came to its author (``AUTHORED.match_rule``)."""

    ID = "id"  # the record carried a strong author id (ORCID, OpenAlex, S2, dblp)
    SAME_SLOT = "same-slot"  # a strong-id author already holds this slot of the paper
    PROFILE_OWNER = "profile-owner"  # a profile page's owner on the page's own papers
    NEW_CLUSTER = "new-cluster"  # no cluster of the name reached the threshold: a new person
    EVIDENCE = "evidence"  # joined the cluster its evidence reached the threshold with
    RELINKED = "relinked"  # moved to a strong-id author by the same evidence and threshold
    OVERRIDE = "override"  # put there by the overrides file


@dataclass(frozen=True, slots=True)
class Match:
    """Why an authorship is on its author: the rule, and for scored rules the score and what
    agreed. Stored on the ``AUTHORED`` relationship (``row()``), read by the API and the CLI."""

    rule: str
    evidence: Evidence | None = None

    def row(self) -> dict[str, Any]:
        ev = self.evidence
        return {
            "match_rule": self.rule,
            "match_score": None if ev is None else round(ev.score, 3),
            "match_evidence": None if ev is None else _evidence_json(ev),
        }


NO_MATCH_ROW: dict[str, Any] = {"match_rule": None, "match_score": None, "match_evidence": None}


def _evidence_json(ev: Evidence) -> str:
    """The stored form of an evidence (``AUTHORED.match_evidence``): JSON, keys sorted."""
    return orjson.dumps(ev.as_dict(), option=orjson.OPT_SORT_KEYS).decode()


def names_fit(m: Mention, p: Profile) -> bool:
    return all(_given_fit_cached(m.given, _given_tokens(g)) for g in p.names)


def coauthor_in(key: str, p: Profile) -> bool:
    """Whether a co-author key fits one of ``p``'s (:func:`coauthor_keys_fit`), by lookups
    instead of a scan: the key itself; for an initial (``wang z``), any key of that surname and
    letter; for a full given name (``wang zhi``), its initial form."""
    if key in p.coauthors:
        return True
    space = key.find(" ")
    if space < 0:  # a surname alone fits only itself
        return False
    if len(key) == space + 2:
        return key in p.coauthor_forms
    return key[: space + 2] in p.coauthors


def _shared_coauthors(m: Mention, p: Profile) -> tuple[str, ...]:
    return tuple(key for key in sorted(m.coauthors) if coauthor_in(key, p))


def _term_similarity(m: Mention, p: Profile) -> float:
    """Cosine of the mention's word set and the cluster's word counts: a word that many of the
    cluster's papers use counts more than one that a single paper used once."""
    if not m.terms or not p.terms:
        return 0.0
    shared = sum(p.terms[t] for t in m.terms if t in p.terms)
    if not shared:
        return 0.0
    return float(shared / (len(m.terms) ** 0.5 * p.term_norm))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(c * b[t] for t, c in a.items() if t in b)
    if not dot:
        return 0.0
    na = sum(c * c for c in a.values()) ** 0.5
    nb = sum(c * c for c in b.values()) ** 0.5
    return float(dot / (na * nb))


def profile_score(a: Profile, b: Profile, w: Weights = DEFAULT_WEIGHTS) -> float:
    """The evidence between two clusters' profiles, on the scale of :func:`score`: a shared
    co-author, a shared venue, shared categories, the cosine of their word counts, a shared
    affiliation word, minus the years between their spans beyond the slack."""
    total = 0.0
    shared = []
    if not a.coauthor_forms.isdisjoint(b.coauthor_forms):
        shared = [k for k in sorted(a.coauthors) if coauthor_in(k, b)]
    if shared:
        total += w.coauthor + w.coauthor_more * (min(len(shared), w.coauthor_cap) - 1)
    total += w.venue * bool(a.venues.keys() & b.venues.keys())
    total += w.category * min(len(a.categories.keys() & b.categories.keys()), 2)
    total += min(w.term * _cosine(a.terms, b.terms), w.term_cap)
    total += w.affiliation * bool(a.affiliation.keys() & b.affiliation.keys())
    if None not in (a.first_year, a.last_year, b.first_year, b.last_year):
        gap = max(0, b.first_year - a.last_year, a.first_year - b.last_year)  # type: ignore[operator]
        total -= w.year_penalty * max(0, gap - w.year_slack)
    return total


def profile_mention(p: Profile, near: Profile | None = None) -> Mention:
    """A small cluster's evidence as one mention, to score it against another cluster (``near``)
    with :func:`score`: its co-authors, words, affiliation words, categories and titles, its most
    frequent given-name form and venue, and of its years the one nearest ``near``'s span."""
    given = min(p.names, key=lambda g: (-p.names[g], g)) if p.names else ""
    year = p.first_year if p.first_year is not None else p.last_year
    if p.first_year is not None and p.last_year is not None and near is not None:
        if near.last_year is not None and near.last_year < p.first_year:
            year = p.first_year
        elif near.first_year is not None and near.first_year > p.last_year:
            year = p.last_year
        elif near.first_year is not None:
            year = min(max(near.first_year, p.first_year), p.last_year)
    return Mention(
        id=p.id,
        paper=p.id,
        name=p.id,
        given=tuple(given.split()),
        surname=p.block.split()[0] if p.block else p.id,
        block=p.block,
        coauthors=frozenset(p.coauthors),
        venue=min(p.venues, key=lambda v: (-p.venues[v], v)) if p.venues else None,
        categories=frozenset(p.categories),
        terms=frozenset(p.terms),
        affiliation=frozenset(p.affiliation),
        year=year,
        title=min(p.titles) if len(p.titles) == 1 else None,
    )


def attach_score(small: Profile, p: Profile, w: Weights = DEFAULT_WEIGHTS) -> float:
    """:func:`score` of a small cluster, as one mention (:func:`profile_mention`), against ``p``;
    a title of ``small`` among ``p``'s titles counts as a shared title."""
    ev = score(profile_mention(small, p), p, w)
    if not ev.names_fit:
        return ev.score
    return ev.score + w.same_title * (not ev.title and bool(small.titles & p.titles))


_SLACK = 1e-9  # what a sum of the evidence may lose to rounding (``next_may_reach``)


def next_may_reach(
    smalls: Sequence[Profile], start: int, p: Profile, need: float, w: Weights = DEFAULT_WEIGHTS
) -> int:
    """The position of the first of ``smalls[start:]`` whose :func:`attach_score` against ``p``
    may reach ``need`` (``len(smalls)``: none), from an upper bound of it built by lookups alone
    (names not compared, no mention built): the co-authors that fit, any venue, category,
    affiliation word or title in common, then (only when they can still decide it) the words'
    cosine. Most of a large block's small clusters fall below it and are never scored. The
    bound adds its parts in another order than :func:`score`, so it is given a little slack
    (``_SLACK``) against rounding."""
    need -= _SLACK
    forms, venues, categories = p.coauthor_forms, p.venues.keys(), p.categories.keys()
    affiliation, titles, terms, norm = p.affiliation.keys(), p.titles, p.terms, p.term_norm
    for i in range(start, len(smalls)):
        small = smalls[i]
        total = 0.0
        if not small.coauthor_forms.isdisjoint(forms):
            shared = sum(1 for k in small.coauthors if coauthor_in(k, p))
            if shared:
                total = w.coauthor + w.coauthor_more * (min(shared, w.coauthor_cap) - 1)
        if small.venues and not venues.isdisjoint(small.venues):
            total += w.venue
        if small.categories:
            total += w.category * min(len(categories & small.categories.keys()), 2)
        if small.affiliation and not affiliation.isdisjoint(small.affiliation):
            total += w.affiliation
        if small.titles and not small.titles.isdisjoint(titles):
            total += w.same_title
        if total < need <= total + w.term_cap and small.terms and terms:
            dot = sum(map(terms.__getitem__, terms.keys() & small.terms.keys()))
            total += min(w.term * dot / (len(small.terms) ** 0.5 * norm), w.term_cap)
        if total >= need:
            return i
    return len(smalls)


def year_gap(m: Mention, p: Profile) -> int:
    if m.year is None or p.first_year is None or p.last_year is None:
        return 0
    return max(0, p.first_year - m.year, m.year - p.last_year)


def score(m: Mention, p: Profile, w: Weights = DEFAULT_WEIGHTS) -> Evidence:
    """The pairwise evidence between a mention and a cluster profile."""
    if not names_fit(m, p):
        return NO_FIT
    coauthors = _shared_coauthors(m, p)
    venue = m.venue is not None and p.venues[m.venue] >= max(1.0, w.venue_share * p.size)
    categories = len(m.categories & p.categories.keys())
    terms = _term_similarity(m, p)
    affiliation = len(m.affiliation & p.affiliation.keys())
    gap = year_gap(m, p)
    total = 0.0
    if coauthors:
        total += w.coauthor + w.coauthor_more * (min(len(coauthors), w.coauthor_cap) - 1)
    title = m.title is not None and m.title in p.titles
    total += w.venue * venue
    total += w.same_title * title
    total += w.category * min(categories, 2)
    total += min(w.term * terms, w.term_cap)
    total += w.affiliation * (affiliation > 0)
    total -= w.year_penalty * max(0, gap - w.year_slack)
    return Evidence(total, coauthors, venue, categories, terms, affiliation, gap, title=title)


# -- assignment ---------------------------------------------------------------------------------


class Apart:
    """Pairs of authors never joined (``[[never]]`` of the overrides file, and the two sides
    of every ``[[split]]``), by author id; a cluster also answers for the ids it absorbed."""

    def __init__(self, pairs: Iterable[Iterable[str]]) -> None:
        self.partners: dict[str, set[str]] = {}
        for pair in pairs:
            ids = sorted(set(pair))
            for a in ids:
                self.partners.setdefault(a, set()).update(i for i in ids if i != a)

    def __bool__(self) -> bool:
        return bool(self.partners)

    def __call__(self, a: Iterable[str], b: Iterable[str]) -> bool:
        """Whether some id of ``a`` is kept apart from some id of ``b``."""
        if not self.partners:
            return False
        others = set(b)
        return any(self.partners.get(i, set()) & others for i in a)


@dataclass(frozen=True, slots=True)
class IdentityRules:
    """What the writers apply to name-only authorships: the clustering (off: one author per
    printed name, the rule before it, kept to measure what the clustering costs), the authors
    never joined (``graph.overrides``) and the name prior's counts (``graph.name_stats``: the
    names printed so far in the graph; updated in place batch by batch, None: no prior)."""

    cluster: bool = True
    apart: Apart | None = None
    name_stats: NameStats | None = None
    kept: KeptProfiles | None = None  # a load's profiles kept from batch to batch


DEFAULT_RULES = IdentityRules()


@dataclass(frozen=True, slots=True)
class Assignment:
    mention: str
    cluster: str
    evidence: Evidence | None  # None when the mention started the cluster
    new_cluster: bool


def _post(index: dict[str, set[str]], values: Iterable[str], pid: str) -> None:
    """Adds ``pid`` to the posting of every value (one set allocated per new value only)."""
    for v in values:
        ids = index.get(v)
        if ids is None:
            index[v] = {pid}
        else:
            ids.add(pid)


class _BlockIndex:
    """Profiles of one block and, per kind of feature, an inverted index value → profile ids:
    co-author surnames and the co-author keys' initial forms (:func:`_initial_form`), venues,
    words, affiliation words, categories and title digests."""

    __slots__ = ("profiles", "surnames", "forms", "venues", "terms", "affiliation",
                 "categories", "titles")  # fmt: skip
    KINDS = ("surnames", "forms", "venues", "terms", "affiliation", "categories", "titles")

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self.profiles: dict[str, Profile] = {}
        self.surnames: dict[str, set[str]] = {}
        self.forms: dict[str, set[str]] = {}
        self.venues: dict[str, set[str]] = {}
        self.terms: dict[str, set[str]] = {}
        self.affiliation: dict[str, set[str]] = {}
        self.categories: dict[str, set[str]] = {}
        self.titles: dict[str, set[str]] = {}
        for p in profiles:
            self.put(p)

    @staticmethod
    def features(p: Profile) -> dict[str, set[str]]:
        """What :meth:`put` indexes ``p`` under, by kind (a kind of :attr:`KINDS`)."""
        return {
            "surnames": {k.partition(" ")[0] for k in p.coauthors},
            "forms": set(p.coauthor_forms),
            "venues": set(p.venues),
            "terms": set(p.terms),
            "affiliation": set(p.affiliation),
            "categories": set(p.categories),
            "titles": set(p.titles),
        }

    def _put(
        self, pid: str, coauthors: Iterable[str], venues: Iterable[str], terms: Iterable[str],
        affiliation: Iterable[str], categories: Iterable[str], titles: Iterable[str],
    ) -> None:  # fmt: skip
        forms = {_initial_form(k) for k in coauthors}
        _post(self.forms, forms, pid)
        _post(self.surnames, {f.partition(" ")[0] for f in forms}, pid)
        _post(self.venues, venues, pid)
        _post(self.terms, terms, pid)
        _post(self.affiliation, affiliation, pid)
        _post(self.categories, categories, pid)
        _post(self.titles, titles, pid)

    def put(self, p: Profile) -> None:
        self.profiles[p.id] = p
        self._put(p.id, p.coauthors, p.venues, p.terms, p.affiliation, p.categories, p.titles)

    def put_mention(self, p: Profile, m: Mention) -> None:
        """Index what ``m`` just added to ``p`` (indexed before it): the entries :meth:`put`
        would add, without walking the whole profile again."""
        self._put(
            p.id,
            [k for k in m.coauthors if k in p.coauthors],
            [m.venue] if m.venue and m.venue in p.venues else (),
            [t for t in m.terms if t in p.terms],
            [a for a in m.affiliation if a in p.affiliation],
            [c for c in m.categories if c in p.categories],
            [m.title] if m.title is not None and m.title in p.titles else (),
        )

    def put_merged(self, survivor: Profile, gone: Profile) -> None:
        """Index what ``gone`` brought to ``survivor`` (both indexed before the merge)."""
        s = survivor
        self._put(
            s.id,
            [k for k in gone.coauthors if k in s.coauthors],
            [v for v in gone.venues if v in s.venues],
            [t for t in gone.terms if t in s.terms],
            [a for a in gone.affiliation if a in s.affiliation],
            [c for c in gone.categories if c in s.categories],
            [t for t in gone.titles if t in s.titles],
        )

    def drop(self, cluster_id: str) -> None:
        self.profiles.pop(cluster_id, None)  # index entries are filtered on lookup

    def _sharing(
        self, coauthors: Iterable[str], venues: Iterable[str], affiliation: Iterable[str],
        categories: Iterable[str],
    ) -> set[str]:  # fmt: skip
        """Ids of the profiles sharing a co-author surname (a key's initial form implies it),
        a venue, an affiliation word or a category."""
        ids: set[str] = set()
        for index, values in (
            (self.surnames, {k.partition(" ")[0] for k in coauthors}),
            (self.venues, venues), (self.affiliation, affiliation),
            (self.categories, categories),
        ):  # fmt: skip
            for v in values:
                found = index.get(v)
                if found:
                    ids |= found
        return ids

    def _worded(self, terms: Iterable[str]) -> set[str]:
        ids: set[str] = set()
        index = self.terms
        for t in terms:
            found = index.get(t)
            if found:
                ids |= found
        return ids

    def similar(self, p: Profile) -> list[Profile]:
        """The other profiles sharing a feature with ``p`` (by id)."""
        ids = self._sharing(p.coauthors, p.venues, p.affiliation, p.categories)
        ids |= self._worded(p.terms)
        ids.discard(p.id)
        return [self.profiles[i] for i in sorted(ids) if i in self.profiles]

    def reachable(
        self,
        m: Mention,
        needed: Callable[[Profile], float],
        w: Weights = DEFAULT_WEIGHTS,
        lowest: float | None = None,
    ) -> list[Profile]:
        """The profiles (by id) whose score with ``m`` may reach ``needed(profile)``: each
        profile's bound from the features it shares with ``m`` (every co-author key of ``m``
        with the initial form of one of the profile's (:func:`_initial_form`), the venue, up to
        two categories, an affiliation word, the title, any shared word at the words' cap),
        which :func:`score` never exceeds. A large block holds many profiles that share only a
        venue, a category or a few common words with a mention and could never reach the
        threshold; they are not scored at all. ``lowest``: the least ``needed`` can be (None:
        ``w.threshold``); above the words' cap, the profiles sharing only words cannot reach
        it, so the words' postings (a large block's common words name most of its profiles)
        are not walked: a profile's words are looked at only when they decide its bound."""
        bound: dict[str, float] = {}
        forms = self.forms
        shared: Counter[str] = Counter()  # co-author keys whose initial form the profile has
        for key in m.coauthors:
            found = forms.get(_initial_form(key))
            if found:
                shared.update(found)
        for i, n in shared.items():
            bound[i] = w.coauthor + w.coauthor_more * (min(n, w.coauthor_cap) - 1)
        if m.categories:
            categories: Counter[str] = Counter()
            for c in m.categories:
                found = self.categories.get(c)
                if found:
                    categories.update(found)
            for i, n in categories.items():
                bound[i] = bound.get(i, 0.0) + w.category * min(n, 2)
        for value, index, gain in (
            (m.venue, self.venues, w.venue), (m.title, self.titles, w.same_title),
        ):  # fmt: skip
            for i in index.get(value, ()) if value else ():
                bound[i] = bound.get(i, 0.0) + gain
        if m.affiliation:
            affiliated: set[str] = set()
            for a in m.affiliation:
                found = self.affiliation.get(a)
                if found:
                    affiliated |= found
            for i in affiliated:
                bound[i] = bound.get(i, 0.0) + w.affiliation
        walk_words = (w.threshold if lowest is None else lowest) <= w.term_cap
        if walk_words:
            for i in self._worded(m.terms):
                bound[i] = bound.get(i, 0.0) + w.term_cap
        found_profiles = []
        profiles = self.profiles
        for i in sorted(bound):
            p = profiles.get(i)
            if p is None:
                continue
            need = needed(p)
            b = bound[i]
            if b >= need or (
                not walk_words and b + w.term_cap >= need and any(t in p.terms for t in m.terms)
            ):
                found_profiles.append(p)
        return found_profiles

    def candidates(self, m: Mention, max_size: int) -> list[Profile]:
        """The profiles of at most ``max_size`` mentions sharing a feature with ``m``, by id."""
        ids = self._sharing(m.coauthors, (m.venue,) if m.venue else (), m.affiliation,
                            m.categories)  # fmt: skip
        ids |= self._worded(m.terms)
        profiles = self.profiles
        small = {i: p for i in ids if (p := profiles.get(i)) is not None and p.size <= max_size}
        return [small[i] for i in sorted(small)]


def matches(
    m: Mention,
    profiles: Iterable[Profile],
    w: Weights = DEFAULT_WEIGHTS,
    people: float | None = None,
) -> list[tuple[Profile, Evidence]]:
    """Every profile ``m`` reaches the threshold with, best first (ties: smaller id).
    ``people``: the name prior of ``m`` (:func:`join_threshold`; None: ``w.threshold``)."""
    found = [
        (p, ev) for p in profiles if (ev := score(m, p, w)).score >= join_threshold(m, p, w, people)
    ]
    return sorted(found, key=lambda pe: (-pe[1].score, pe[0].id))


def full_first_name(m: Mention) -> str | None:
    """The mention's first given name when printed in full (not an initial)."""
    return m.given[0] if m.given and len(m.given[0]) > 1 else None


def join_threshold(m: Mention, p: Profile, w: Weights, people: float | None) -> float:
    """The score ``m`` needs to join ``p``: ``w.threshold``, or ``w.rare_threshold`` when the
    name prior (``people``: expected people sharing the mention's printed full name, from
    :class:`graph.name_stats.NameStats`) is at most ``w.rare_people`` and the cluster printed
    the same full first name (an initial-only cluster may be another person of the initial)."""
    if people is None or people > w.rare_people:
        return w.threshold
    first = full_first_name(m)
    if first is None or not any(g.split()[:1] == [first] for g in p.names):
        return w.threshold
    return min(w.threshold, w.rare_threshold)


def best_match(
    m: Mention, profiles: Iterable[Profile], w: Weights = DEFAULT_WEIGHTS
) -> tuple[Profile, Evidence] | None:
    """The profile ``m`` belongs to, if any reaches the threshold (ties: smaller id)."""
    found = matches(m, profiles, w)
    return found[0] if found else None


@dataclass(slots=True)
class Outcome:
    """What :func:`assign` decided: the cluster of every mention, the clusters a mention showed
    to be one person (``merges``: survivor, absorbed), and every profile touched."""

    assignments: list[Assignment] = field(default_factory=list)
    merges: list[tuple[str, str]] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    absorbed: dict[str, str] = field(default_factory=dict)  # absorbed cluster → survivor
    created: set[str] = field(default_factory=set)  # clusters a mention of the batch started
    keep: set[str] = field(default_factory=set)  # clusters never absorbed
    apart: Apart = field(default_factory=lambda: Apart(()))  # pairs never joined

    def can_join(self, a: Profile, b: Profile) -> bool:
        """Two clusters may join: not both kept, not kept apart (the overrides file), names
        that fit, no paper in common."""
        return (
            not (a.id in self.keep and b.id in self.keep)
            and not self.apart({a.id, *a.retired}, {b.id, *b.retired})
            and not a.never & {b.id, *b.retired}
            and not b.never & {a.id, *a.retired}
            and profiles_fit(a, b)
            and not a.papers & b.papers
        )

    def join(self, block: _BlockIndex, a: Profile, b: Profile) -> Profile:
        """One of two clusters absorbs the other: a kept one survives, then the larger, then
        the smaller id."""
        survivor, gone = sorted((a, b), key=lambda p: (p.id not in self.keep, -p.size, p.id))
        indexed = all(block.profiles.get(p.id) is p for p in (a, b))
        survivor.merge(gone)
        block.drop(gone.id)
        if indexed:
            block.put_merged(survivor, gone)
        else:
            block.put(survivor)
        self.profiles.pop(gone.id, None)
        self.profiles[survivor.id] = survivor
        self.merges.append((survivor.id, gone.id))
        self.absorbed[gone.id] = survivor.id
        return survivor

    def cluster_of(self, cluster: str) -> str:
        while cluster in self.absorbed:
            cluster = self.absorbed[cluster]
        return cluster


def assign(
    mentions: Iterable[Mention],
    profiles: Iterable[Profile],
    new_cluster_id: Any,
    w: Weights = DEFAULT_WEIGHTS,
    keep: set[str] | None = None,
    apart: Apart | None = None,
    prior: Mapping[str, float | None] | None = None,
    indexes: dict[str, _BlockIndex] | None = None,
) -> Outcome:
    """Attach each mention (in the order given) to the best profile of its block or start one.

    ``profiles``: the existing clusters of the mentions' blocks (updated in place as mentions
    join). ``new_cluster_id(mention) -> str`` names a cluster a mention starts. A mention that
    reaches the threshold with several clusters of compatible names joins them into one (the
    survivor is the best match). Clusters in ``keep`` (nodes a stronger rule named) are never
    absorbed, nor joined with each other. Assignments name the cluster at the time; follow
    ``Outcome.cluster_of`` for the final one. ``prior``: mention id → expected people sharing
    its printed name (:class:`graph.name_stats.NameStats`; absent or None: no prior), which
    lowers the threshold for rare full names (:func:`join_threshold`). ``indexes``: block →
    inverted index kept by the caller from one batch to the next (``MemoryClusters``); it must
    index ``profiles`` as they are (a profile changed outside ``assign`` is put again)."""
    by_block: dict[str, _BlockIndex] = {} if indexes is None else indexes
    for p in profiles:
        block = by_block.get(p.block)
        if block is None:
            block = by_block[p.block] = _BlockIndex(())
        if block.profiles.get(p.id) is not p:
            block.put(p)
    out = Outcome(keep=keep or set(), apart=apart or Apart(()))
    for m in mentions:
        block = by_block.get(m.block)
        if block is None:
            block = by_block[m.block] = _BlockIndex(())
        people = prior.get(m.id) if prior else None

        def threshold_of(p: Profile, m: Mention = m, people: float | None = people) -> float:
            return join_threshold(m, p, w, people)

        lowest = w.threshold
        if people is not None and people <= w.rare_people and full_first_name(m) is not None:
            lowest = min(w.threshold, w.rare_threshold)  # what join_threshold may lower it to
        candidates = block.reachable(m, threshold_of, w, lowest)
        found = [(p, ev) for p, ev in matches(m, candidates, w, people) if not p.has_paper(m)]
        if not found:
            profile = Profile(str(new_cluster_id(m)), m.block)
            out.created.add(profile.id)
            evidence = None
        else:
            profile, evidence = found[0]
            if w.bridge:
                for other, ev in found[1:]:
                    lowered = join_threshold(m, other, w, people)
                    needed = w.bridge_threshold
                    if lowered < w.threshold:  # the name prior lowers the bridge by as much
                        needed = lowered + w.bridge_threshold - w.threshold
                    if ev.score >= needed and out.can_join(profile, other):
                        profile = out.join(block, profile, other)
        indexed = block.profiles.get(profile.id) is profile
        profile.add(m)
        if indexed:  # every feature it had is in the index already
            block.put_mention(profile, m)
        else:
            block.put(profile)
        out.profiles[profile.id] = profile
        out.assignments.append(Assignment(m.id, profile.id, evidence, not found))
        if w.merge_threshold < float("inf"):
            for other in block.similar(profile):
                if (
                    out.can_join(profile, other)
                    and profile_score(profile, other, w) >= w.merge_threshold
                ):
                    profile = out.join(block, profile, other)
        if w.attach_threshold < float("inf"):
            smalls = block.candidates(m, w.attach_max)
            i = next_may_reach(smalls, 0, profile, w.attach_threshold, w)
            while i < len(smalls):
                other = smalls[i]
                if (
                    other.id != profile.id
                    and out.can_join(profile, other)
                    and attach_score(other, profile, w) >= w.attach_threshold
                ):
                    profile = out.join(block, profile, other)
                i = next_may_reach(smalls, i + 1, profile, w.attach_threshold, w)
        first = full_first_name(m)
        if (
            people is not None
            and people <= w.rare_people
            and first is not None
            and w.rare_merge_threshold < float("inf")
        ):
            for other in block.similar(profile):
                if (
                    any(g.split()[:1] == [first] for g in other.names)
                    and out.can_join(profile, other)
                    and profile_score(profile, other, w) >= w.rare_merge_threshold
                ):
                    profile = out.join(block, profile, other)
    return out


def profiles_fit(a: Profile, b: Profile) -> bool:
    return all(
        _given_fit_cached(_given_tokens(x), _given_tokens(y)) for x in a.names for y in b.names
    )


# -- from the writer's rows ---------------------------------------------------------------------


def cluster_id(m: Mention) -> str:
    """The id of the cluster a mention starts: ``name:<name key>#<12 hex digits of a hash of the
    mention id>`` (paper node id and printed position). A function of the first mention alone,
    so re-running a load names every cluster the same; still a ``name:`` id (name-only)."""
    digest = hashlib.sha1(m.id.encode("utf-8")).hexdigest()[:12]
    return f"name:{' '.join((*m.given, m.surname))}#{digest}"


def mention_id(paper_node: str, position: int | None, name_key: str) -> str:
    """A name-only authorship's id: its paper node and printed position (or name key)."""
    return f"{paper_node}#{position if position is not None else name_key}"


def paper_mentions(
    row: Mapping[str, Any], paper_node: str, takes: Callable[[str], bool] | None = None
) -> list[tuple[int, Mention]]:
    """The name-only authorships of one paper row (``loaders.writer.paper_row`` shape) as
    mentions, with the index of each in ``row["authors"]``. ``takes``: the blocks whose mentions
    get their evidence (``BatchAuthorships.takes``); the others carry only their names."""
    authors: Sequence[Mapping[str, Any]] = row.get("authors") or ()
    props: Mapping[str, Any] = row.get("props") or {}
    ev: PaperEvidence | None = None
    out: list[tuple[int, Mention]] = []
    for i, a in enumerate(authors):
        if a.get("ids") or not a.get("name_key"):
            continue
        if takes is not None:
            name_key = normalize_name(a["name"])
            if not takes(match_key(name_key)):
                mid = mention_id(paper_node, a.get("position"), a["name_key"])
                out.append((i, _named_only(mid, paper_node, a["name"], name_key)))
                continue
        if ev is None:  # once per paper, for all its name-only authors
            ev = paper_evidence(
                paper_node, [b["name"] for b in authors], title=props.get("title"),
                abstract=props.get("abstract"), venue=(row.get("venue") or {}).get("name"),
                categories=[c["id"] for c in row.get("categories") or ()],
                year=props.get("year"),
            )  # fmt: skip
        mid = mention_id(paper_node, a.get("position"), a["name_key"])
        out.append((i, mention_on(ev, i, mid, a["name"], a.get("affiliation"))))
    return out


def _named_only(mention: str, paper: str, name: str, name_key: str) -> Mention:
    """A mention with its name and no evidence (a block another clustering decides)."""
    given, surname = split_name(name_key)
    return Mention(
        id=mention, paper=paper or mention.rpartition("#")[0] or mention, name=name,
        given=given, surname=surname, block=match_key(name_key), coauthors=frozenset(),
        venue=None, categories=frozenset(), terms=frozenset(), affiliation=frozenset(), year=None,
    )  # fmt: skip


@dataclass(slots=True)
class BatchClusters:
    """The clusters of a write batch's name-only authorships."""

    node_of: dict[tuple[int, int], str]  # (paper index, author index) → cluster node id
    evidence: dict[tuple[int, int], Evidence | None]  # why it joined (None: it started one)
    merges: list[tuple[str, str]]  # (survivor, absorbed): clusters of earlier loads joined
    profiles: dict[str, Profile]  # every cluster touched, to store
    settled: dict[tuple[int, int], Match] = field(default_factory=dict)  # by a stronger rule
    rows: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # :meth:`build_rows`

    def build_rows(self) -> None:
        """:meth:`match_row` of every authorship this batch decided, built ahead (a writer
        builds them in its worker thread while the server writes the batch's papers)."""
        for key in (*self.settled, *self.evidence):
            self.rows[key] = self._row(key)

    def match_row(self, key: tuple[int, int]) -> dict[str, Any]:
        """:meth:`match` of ``key`` as the match properties of its ``AUTHORED`` row."""
        row = self.rows.get(key)
        return row if row is not None else self._row(key)

    def _row(self, key: tuple[int, int]) -> dict[str, Any]:
        match = self.match(key)
        return NO_MATCH_ROW if match is None else match.row()

    def match(self, key: tuple[int, int]) -> Match | None:
        """Why the authorship ``key`` went where it did (None: not decided by this batch, as
        an authorship a re-run finds already written)."""
        if key in self.settled:
            return self.settled[key]
        if key not in self.evidence:
            return None
        ev = self.evidence[key]
        return Match(Rule.NEW_CLUSTER) if ev is None else Match(Rule.EVIDENCE, ev)


class ClusterNames:
    """Names a cluster a mention starts: ``name:<name key>`` while no node holds that id and no
    cluster ever held it (so the first person of a name keeps the id one node per name had),
    else ``cluster_id``. The id of an absorbed cluster is never given again (the survivor's
    ``Profile.retired`` keeps it), so names do not depend on where batches end."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)

    def __call__(self, m: Mention) -> str:
        plain = plain_id(m)
        if plain not in self.taken:
            self.taken.add(plain)
            return plain
        return cluster_id(m)


def plain_id(m: Mention) -> str:
    return f"name:{' '.join((*m.given, m.surname))}"


@dataclass(frozen=True, slots=True)
class BatchAuthorships:
    """A write batch as the clustering sees it: its paper rows (``loaders.writer.paper_row``)
    and their paper nodes, and the name-only authorships that are not the clustering's to
    decide, by (paper index, author index). ``decided``: settled already (the same authorship
    already in the graph, a strong-id author in the same slot), left alone. ``pinned``: put on
    a known node by a stronger rule (a profile page's owner on the page's papers): they go
    there and their evidence joins that node's profile. ``part``: ``(k, n)``, only the
    blocks of part ``k`` of ``n`` (:func:`block_part`) are this clustering's; the others are
    left to the clusterings of the other parts (None: every block)."""

    papers: Sequence[Mapping[str, Any]]
    paper_nodes: Sequence[str]
    decided: Mapping[tuple[int, int], str] = field(default_factory=dict)
    pinned: Mapping[tuple[int, int], str] = field(default_factory=dict)
    part: tuple[int, int] | None = None

    def takes(self, block: str) -> bool:
        return self.part is None or block_part(block, self.part[1]) == self.part[0]


def block_part(block: str, parts: int) -> int:
    """Which of ``parts`` parts a blocking key falls in (the same in every process). No
    decision of the clustering looks across blocks (a cluster id is spelled from its block's
    printed name), so the parts can be clustered apart, each with the name prior of every row
    (:mod:`graph.name_stats`), and give the clusters of clustering them together."""
    return zlib.crc32(block.encode("utf-8")) % parts


class StoredClusters(Protocol):
    """The stored side of the clustering, as a batch reads it: the graph (``graph.author_links``),
    what was read of it ahead (:class:`ReadAhead`), or memory (:class:`MemoryClusters`)."""

    def profiles_of(self, blocks: Iterable[str]) -> list[Profile]:
        """The stored clusters under these blocking keys."""
        ...

    def taken(self, ids: Iterable[str]) -> list[str]:
        """Which of these author ids are not free: a node holds it, or a stored cluster
        absorbed it (``Profile.retired``: the id of an absorbed cluster is never given
        again)."""
        ...


@dataclass(slots=True)
class PreparedBatch:
    """A batch's name-only mentions with everything :func:`assign` needs read from the stored
    side (:func:`prepare_rows`); :meth:`run` is pure, so a writer may run it while it sends
    other writes of the batch (``graph.ingest``), and :meth:`finish` gives the result."""

    mentions: list[Mention]
    where: dict[str, list[tuple[int, int]]]  # mention id → its authorships
    stored: list[Profile]  # the stored clusters of the mentions' blocks
    touched: dict[str, Profile]
    names: ClusterNames | None
    pinned: Mapping[tuple[int, int], str]
    w: Weights
    apart: Apart | None
    prior: dict[str, float | None] | None
    indexes: dict[str, _BlockIndex] | None

    def run(self) -> Outcome | None:
        """:func:`assign` of the mentions (None: nothing to assign)."""
        if self.names is None:
            return None
        return assign(
            self.mentions, self.stored, self.names, self.w,
            keep=set(self.pinned.values()), apart=self.apart, prior=self.prior,
            indexes=self.indexes,
        )  # fmt: skip

    def finish(self, outcome: Outcome | None) -> BatchClusters:
        """The batch's clusters from what :meth:`run` decided."""
        if outcome is None:
            return BatchClusters({}, {}, [], {})
        node_of = {key: outcome.cluster_of(node) for key, node in self.pinned.items()}
        settled = dict.fromkeys(self.pinned, Match(Rule.PROFILE_OWNER))
        evidence: dict[tuple[int, int], Evidence | None] = {}
        for a in outcome.assignments:
            for key in self.where[a.mention]:
                node_of[key] = outcome.cluster_of(a.cluster)
                evidence[key] = a.evidence
        merges = [(outcome.cluster_of(s), g) for s, g in outcome.merges if g not in outcome.created]
        touched = dict(self.touched)
        for survivor, gone in outcome.merges:
            touched.pop(gone, None)
            touched.pop(survivor, None)
        touched.update(outcome.profiles)
        return BatchClusters(node_of, evidence, merges, touched, settled)


def prepare_rows(
    batch: BatchAuthorships,
    stored_side: StoredClusters,
    w: Weights = DEFAULT_WEIGHTS,
    apart: Apart | None = None,
    name_stats: NameStats | None = None,
    indexes: dict[str, _BlockIndex] | None = None,
) -> PreparedBatch:
    """The first half of :func:`cluster_rows`: the batch's mentions, the name prior of each,
    the stored profiles of their blocks and the ids in use (every read of the stored side)."""
    mentions: list[Mention] = []
    pins: list[tuple[str, Mention]] = []
    where: dict[str, list[tuple[int, int]]] = {}
    seen_pins: set[str] = set()
    first: dict[tuple[str, str], str] = {}  # (paper, name key) → its first mention's id
    slot: dict[str, Mention] = {}  # mention id → the first mention given it
    prior: dict[str, float | None] = {}
    decided, pinned = batch.decided, batch.pinned
    for pi, (row, node) in enumerate(zip(batch.papers, batch.paper_nodes, strict=False)):
        if row.get("stub"):
            continue
        if name_stats is not None:
            name_stats.add_row(row, node)
        for ai, m in paper_mentions(row, node, batch.takes if batch.part else None):
            name = " ".join((*m.given, m.surname))
            held = slot.setdefault(m.id, m)
            if held.surname != m.surname or not given_names_compatible(held.given, m.given):
                # two printings of one work in the batch put two people at one position (a
                # compatible name there is the same person: one authorship); the id by position
                # is taken, so this one is named by its name
                m = replace(m, id=mention_id(node, None, name))
                slot.setdefault(m.id, m)
            if not batch.takes(m.block):
                continue
            if name_stats is not None and m.id not in prior:
                prior[m.id] = name_stats.expected_people(m.given, m.surname)
            if (pi, ai) in decided:
                continue
            if (pi, ai) in pinned:
                if m.id not in seen_pins:
                    seen_pins.add(m.id)
                    pins.append((pinned[(pi, ai)], m))
                continue
            # one name printed twice in one author list is one authorship
            mid = first.setdefault((node, name), m.id)
            if mid not in where:
                mentions.append(m)
            where.setdefault(mid, []).append((pi, ai))
    prepared = PreparedBatch(mentions, where, [], {}, None, pinned, w, apart,
                             prior if name_stats is not None else None, indexes)  # fmt: skip
    if not mentions and not pins:
        return prepared
    blocks = sorted({m.block for m in mentions} | {m.block for _n, m in pins})
    stored = prepared.stored = stored_side.profiles_of(blocks)
    touched = prepared.touched
    by_id = {p.id: p for p in stored} if pins else {}
    for node, m in sorted(pins, key=lambda nm: (nm[0], nm[1].id)):
        profile = by_id.get(node) or touched.get(node) or Profile(node, m.block)
        index = indexes.get(profile.block) if indexes is not None else None
        indexed = index is not None and index.profiles.get(profile.id) is profile
        profile.add(m)
        if index is not None and indexed:
            index.put_mention(profile, m)
        if node not in by_id:
            by_id[node] = profile
            stored.append(profile)
        touched[node] = profile
    prepared.names = ClusterNames(
        [*stored_side.taken(sorted({plain_id(m) for m in mentions})), *pinned.values()]
    )
    return prepared


def stored_names(batch: BatchAuthorships) -> tuple[list[str], list[str]]:
    """What :func:`prepare_rows` may ask the stored side for, from the printed names alone (no
    evidence built): the blocks of the batch's undecided name-only authorships (pinned ones
    included), and the plain ids (:func:`plain_id`) of the ones not pinned. A superset: a name
    that :func:`prepare_rows` folds into another authorship (one slot printed twice) is here."""
    blocks: set[str] = set()
    plain: set[str] = set()
    for pi, row in enumerate(batch.papers):
        if row.get("stub"):
            continue
        for ai, a in enumerate(row.get("authors") or ()):
            if a.get("ids") or not a.get("name_key") or (pi, ai) in batch.decided:
                continue
            name_key = normalize_name(a["name"])  # as :func:`mention_on` makes it
            block = match_key(name_key)
            if not batch.takes(block):
                continue
            blocks.add(block)
            if (pi, ai) not in batch.pinned:
                plain.add(f"name:{' '.join(name_key.split())}")
    return sorted(blocks), sorted(plain)


@dataclass(frozen=True, slots=True)
class ReadAhead:
    """The stored side of a batch read before its mentions are built (:func:`read_ahead`):
    :func:`prepare_rows` gets it as its two readers, so it may then run where the transaction
    is not (the transactional writer builds the mentions in its worker thread). Each answer is
    what a read of the graph would give: the part of what was read that was asked for."""

    blocks: list[str]
    profiles: list[Profile]
    ids: list[str]
    in_use: list[str]

    def profiles_of(self, blocks: Iterable[str]) -> list[Profile]:
        wanted = _read_ahead("profiles of blocks", blocks, self.blocks)
        return [p for p in self.profiles if p.block in wanted]

    def taken(self, ids: Iterable[str]) -> list[str]:
        wanted = _read_ahead("ids", ids, self.ids)
        return [i for i in self.in_use if i in wanted]


def _read_ahead(what: str, asked: Iterable[str], read: list[str]) -> set[str]:
    wanted = set(asked)
    if not wanted.issubset(read):
        missing = sorted(wanted.difference(read))
        raise ValueError(f"{what} not read ahead: {missing[:5]} ({len(missing)} in all)")
    return wanted


def read_ahead(batch: BatchAuthorships, stored_side: StoredClusters) -> ReadAhead:
    """Every read of the stored side :func:`prepare_rows` may make for this batch, made now
    (none when it has no undecided name-only authorship, as :func:`prepare_rows`)."""
    blocks, ids = stored_names(batch)
    if not blocks:
        return ReadAhead([], [], [], [])
    profiles = stored_side.profiles_of(blocks)
    asked = set(ids)
    retired = {i for p in profiles if p.retired for i in p.retired if i in asked}
    in_use = sorted(retired.union(stored_side.taken(ids)))
    return ReadAhead(blocks, profiles, ids, in_use)


def cluster_rows(
    batch: BatchAuthorships,
    stored_side: StoredClusters,
    w: Weights = DEFAULT_WEIGHTS,
    apart: Apart | None = None,
    name_stats: NameStats | None = None,
    indexes: dict[str, _BlockIndex] | None = None,
) -> BatchClusters:
    """Clusters the name-only authorships of a batch's paper rows (both writers call this):
    :func:`prepare_rows`, then :meth:`PreparedBatch.run` and :meth:`PreparedBatch.finish`.

    ``stored_side``: the stored clusters of the blocks and the ids in use.
    ``name_stats``: the name counts of every record before this batch (None: no name prior);
    the batch's rows are added to it here, in order, and each mention is judged with the counts
    of the records up to and including its own paper (:mod:`graph.name_stats`), so the result
    does not depend on where batches end. It is updated in place."""
    prepared = prepare_rows(batch, stored_side, w, apart, name_stats, indexes)
    return prepared.finish(prepared.run())


class StrongCandidates:
    """The strong-id authors of one blocking key, indexed by what a mention can share with
    them (co-author surnames, venues, words, affiliation words, categories, titles). A
    name-only mention is scored only against those whose bound (:meth:`_BlockIndex.reachable`)
    reaches the threshold; the others cannot, so :func:`strong_link` decides as it would
    against every candidate, without scoring every mention of a large block against every
    strong-id author in it."""

    def __init__(self, profiles: Iterable[Profile], w: Weights = DEFAULT_WEIGHTS) -> None:
        self._index = _BlockIndex(profiles)
        self._w = w

    def of(self, m: Mention) -> list[Profile]:
        return self._index.reachable(m, lambda _p: self._w.threshold, self._w)


def strong_link(
    m: Mention, candidates: Iterable[Profile], w: Weights = DEFAULT_WEIGHTS
) -> tuple[Profile, Evidence] | None:
    """The strong-id author a name-only mention is, judged by the clustering's own evidence and
    threshold (``candidates``: profiles of the strong-id authors under its blocking key, built
    from their papers). Precision first: exactly one candidate must reach the threshold."""
    found = matches(m, candidates, w)
    return found[0] if len(found) == 1 else None


class MemoryClusters:
    """The stored side of :func:`cluster_rows` kept in memory (the bulk import, offline
    measurement): profiles by blocking key, the author ids in use (every id ever given, the
    absorbed ones included), and which cluster absorbed which. Batch by batch it gives what the
    transactional writer gets from the graph."""

    def __init__(
        self,
        w: Weights = DEFAULT_WEIGHTS,
        apart: Apart | None = None,
        name_stats: NameStats | None = None,
        part: tuple[int, int] | None = None,
    ) -> None:
        self.w = w
        self.apart = apart
        self.name_stats = name_stats  # the name prior's counts, updated batch by batch
        self.part = part  # only these blocks (``BatchAuthorships.part``)
        self.profiles: dict[str, Profile] = {}
        self.by_block: dict[str, dict[str, Profile]] = {}
        self.ids: set[str] = set()
        self.absorbed: dict[str, str] = {}
        self.indexes: dict[str, _BlockIndex] = {}  # kept from batch to batch (``assign``)

    def profiles_of(self, blocks: Iterable[str]) -> list[Profile]:
        """The profiles of ``blocks`` (in no particular order: ``assign`` indexes them)."""
        return [p for b in blocks for p in self.by_block.get(b, {}).values()]

    def taken(self, ids: Iterable[str]) -> list[str]:
        return [i for i in ids if i in self.ids]

    def batch(
        self,
        papers: Sequence[Mapping[str, Any]],
        paper_nodes: Sequence[str],
        decided: Mapping[tuple[int, int], str] | None = None,
        pinned: Mapping[tuple[int, int], str] | None = None,
        other_ids: Iterable[str] = (),
    ) -> BatchClusters:
        """One write batch; ``other_ids``: author ids in use outside the clusters."""
        self.ids.update(other_ids)
        batch = BatchAuthorships(papers, paper_nodes, decided or {}, pinned or {}, self.part)
        out = cluster_rows(batch, self, self.w, self.apart, self.name_stats, self.indexes)
        for survivor, gone in out.merges:
            self.absorbed[gone] = survivor
            old = self.profiles.pop(gone, None)
            if old is not None:
                self.by_block[old.block].pop(gone, None)
        for p in out.profiles.values():
            self.profiles[p.id] = p
            self.by_block.setdefault(p.block, {})[p.id] = p
            self.ids.add(p.id)
            self.ids.update(p.retired)  # absorbed in this batch, or carried by a survivor
        self.ids.update(out.node_of.values())
        return out

    def final(self, cluster: str) -> str:
        while cluster in self.absorbed:
            cluster = self.absorbed[cluster]
        return cluster


_UNSEEN = object()  # no stamp known (``KeptProfiles``)


@dataclass(frozen=True, slots=True)
class StoredState:
    """What the graph holds for one cluster profile without the profile itself: its id,
    block, token (None: stored before tokens were) and the authors it is never joined with."""

    id: str
    block: str
    token: str | None
    never: tuple[str, ...] = ()


class KeptProfiles:
    """A transactional load's cluster profiles and their block indexes, kept in memory from
    one write batch to the next so a batch re-reads only what changed.

    Two checks, the cheaper first:

    * **The stamp.** Every write transaction that may change cluster nodes (a load's batch, an
      overrides run) ends by writing a new random stamp (``graph.stamp``)
      and reads the one it replaced. When that is the stamp this load's memory agrees with, no
      other writer committed in between, and the next batch takes the blocks it knows in full
      (:attr:`blocks`) from memory without reading anything (:meth:`known`).
    * **The tokens.** Every stored profile carries a token, a digest of its stored form
      (``graph.author_links.profile_token``). The other blocks, and every block once another
      writer has written, read their tokens (:meth:`stale`): a profile kept under an equal token
      is the stored one; any other (changed by another writer or an overrides run, or not seen
      yet) is read again, and a block whose stored ids or profiles differ from its index's is
      indexed again.

    :meth:`begin` starts every batch's transaction (each attempt); a batch whose transaction
    does not commit leaves profiles changed in memory, so the next :meth:`begin` drops
    everything kept. Past ``limit`` profiles the memory is emptied (the load then reads its
    blocks again, as it would without it)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.profiles: dict[str, Profile] = {}
        self.tokens: dict[str, str] = {}
        self.indexes: dict[str, _BlockIndex] = {}
        self.blocks: dict[str, set[str]] = {}  # blocks whose stored clusters are all known
        self.in_use: dict[str, bool] = {}  # author id → a node holds it (under ``seen``)
        self.ids_asked = 0  # ids looked up in the graph (a measure of ``in_use``'s help)
        self.seen: object = _UNSEEN  # the stamp ``blocks`` agree with
        self.blocks_read = 0  # blocks whose tokens were read (a measure of the stamp's help)
        self._open = False  # a batch is under way
        self._written: dict[str, tuple[str, Profile]] = {}
        self._gone: dict[str, str | None] = {}  # cluster → its block, where the batch knew it
        self._stamp: object = _UNSEEN  # what ``seen`` becomes when the batch commits

    def begin(self) -> None:
        """A batch's transaction starts (each attempt)."""
        if self._open:  # the last batch did not commit
            self.clear()
        self._open, self._written, self._gone, self._stamp = True, {}, {}, _UNSEEN

    def clear(self) -> None:
        self.profiles.clear()
        self.tokens.clear()
        self.indexes.clear()
        self.blocks.clear()
        self.in_use.clear()
        self.seen = _UNSEEN

    def known(self, stamp: str | None, blocks: Iterable[str]) -> list[str]:
        """The ``blocks`` whose stored clusters this memory holds in full, given the ``stamp``
        the graph holds now (another writer's stamp: none)."""
        if stamp != self.seen:
            self.blocks.clear()
            self.in_use.clear()
            self.seen = stamp
        return sorted(b for b in blocks if b in self.blocks)

    def taken(self, ids: Iterable[str], look_up: Callable[[list[str]], Iterable[str]]) -> list[str]:
        """Which of ``ids`` a node holds: those this memory knows under the stamp :meth:`known`
        last saw (looked up by an earlier batch, or written or deleted by this load since), the
        rest by ``look_up`` (a read of the graph). Called after :meth:`known` in a batch."""
        ids = sorted(set(ids))
        unknown = [i for i in ids if i not in self.in_use]
        found = set(look_up(unknown)) if unknown else set()
        self.ids_asked += len(unknown)
        if self.seen is not _UNSEEN:
            self.in_use.update((i, i in found) for i in unknown)
        return [i for i in ids if self.in_use.get(i, i in found)]

    def of_known(self, blocks: Iterable[str]) -> list[Profile]:
        """The kept profiles of blocks :meth:`known` gave."""
        return [self.profiles[i] for b in blocks for i in sorted(self.blocks[b])]

    def stale(self, stored: Iterable[StoredState]) -> list[str]:
        """The ids among ``stored`` whose profile must be read from the graph."""
        return sorted(s.id for s in stored if s.token is None or self.tokens.get(s.id) != s.token)

    def profiles_of(
        self, stored: Iterable[StoredState], read: Mapping[str, Profile], blocks: Iterable[str] = ()
    ) -> list[Profile]:
        """The profiles of ``stored``, by id: the kept ones, else the ones just ``read``. The
        index of a block that no longer matches the graph is dropped (``assign`` builds it
        again from these profiles). ``blocks``: the blocks whose tokens ``stored`` holds in
        full (known from now on)."""
        ids_of: dict[str, set[str]] = {b: set() for b in blocks}
        self.blocks_read += len(ids_of)
        out = []
        for s in sorted(stored, key=lambda s: s.id):
            ids_of.setdefault(s.block, set()).add(s.id)
            if s.id in read:
                self.profiles[s.id] = read[s.id]
                self.tokens.pop(s.id, None)
                if s.token is not None:
                    self.tokens[s.id] = s.token
                self.indexes.pop(s.block, None)
            profile = self.profiles[s.id]
            profile.never = set(s.never)
            out.append(profile)
        for block, ids in ids_of.items():
            index = self.indexes.get(block)
            if index is not None and set(index.profiles) != ids:
                del self.indexes[block]
            if self.seen is not _UNSEEN:
                self.blocks[block] = ids
        return out

    def written(self, gone: Iterable[str], stored: Mapping[str, tuple[str, Profile]]) -> None:
        """The batch under way joined away the clusters ``gone`` and stored these profiles
        (id → (token, profile)); they are kept once it commits (a cluster it deleted before
        is not)."""
        for cid in gone:
            self._gone.setdefault(cid, None)
        for cid, entry in stored.items():
            if cid not in self._gone:
                self._written[cid] = entry
            elif self._gone[cid] is None:  # deleted before: now its block is known
                self._gone[cid] = entry[1].block

    def deleted(self, ids: Iterable[str]) -> None:
        """The batch under way deleted these cluster nodes (their last authorship moved to a
        strong-id author, or was superseded by one), before or after it stored profiles."""
        for cid in ids:
            entry = self._written.pop(cid, None)
            self._gone[cid] = entry[1].block if entry is not None else None

    def stamped(self, before: str | None, stamp: str) -> None:
        """The batch under way replaced the stamp ``before`` by ``stamp``: this memory agrees
        with it once the batch commits if ``before`` is the one it agreed with."""
        self._stamp = stamp if before == self.seen and self.seen is not _UNSEEN else _UNSEEN

    def settle(self) -> None:
        """The batch under way committed: what it stored is kept under its tokens."""
        if not self._open:
            return
        self._open = False
        for gone, block in self._gone.items():
            self.in_use[gone] = False
            old = self.profiles.pop(gone, None)
            self.tokens.pop(gone, None)
            block = old.block if old is not None else block
            if block is not None:  # a cluster this batch started and deleted has no old one
                self.blocks.get(block, set()).discard(gone)
                if (index := self.indexes.get(block)) is not None:
                    index.drop(gone)
        for cid, (token, profile) in self._written.items():
            self.profiles[cid] = profile
            self.tokens[cid] = token
            self.in_use[cid] = True
            if profile.block in self.blocks:
                self.blocks[profile.block].add(cid)
        self.seen = self._stamp
        self._written, self._gone, self._stamp = {}, {}, _UNSEEN
        if len(self.profiles) > self.limit:
            self.clear()
