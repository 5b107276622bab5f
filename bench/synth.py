"""A seeded synthetic scholarly corpus written as OpenAlex works JSONL (``loaders/openalex.py``).

The generator grows a bibliography paper by paper in publication order, in blocks of papers
drawn with numpy, and streams each work as one JSON line (gzip when the name ends in ``.gz``),
so memory stays bounded by a few integer arrays over papers and authorships (about 100 MB for
one million papers), never by the output.

Mechanisms (every parameter lives in ``SynthConfig``):

* **Time.** Papers per year grow by ``growth`` a year from ``first_year`` to ``last_year``;
  publication dates are non-decreasing with the paper index, so "earlier" is well defined.
* **Team sizes** are power-law: with probability ``p_solo`` one author, otherwise
  ``floor(2 * (1 + Lomax(team_alpha)))`` (tail density ~ k^-(alpha+1)), capped at
  ``max_team`` (OpenAlex truncates author lists at 100).
* **Author productivity** follows Simon's preferential attachment: each author slot is a new
  author with probability ``p_new_author``; otherwise, with probability ``p_repeat`` it is a
  member of the first author's previous team (repeat collaborators, so the co-authorship graph
  has clusters) and else an earlier authorship drawn uniformly (so proportional to the number
  of papers an author already has).
* **Citations** point only to earlier papers: the number of references is Poisson-lognormal
  (mean about ``mean_refs``); a fraction ``p_external`` cites works outside the corpus (they
  become stub papers, as in a real OpenAlex slice); the rest pick, with probability ``p_pa``, an
  earlier citation target uniformly (preferential attachment by in-degree), with ``p_recent`` a
  paper from the last ``recent_years`` years (ageing) and else any earlier paper.
* **Categories** are OpenAlex topics with their subfield → field → domain chain (the 26 real
  fields and 4 domains, synthetic subfields and topics). Topic popularity is Zipf
  (``topic_zipf``); a paper whose first author is not new keeps that author's home topic with
  probability ``p_home_topic``; 0–2 secondary topics come from the same subfield.
* **Venues** are journals, conferences and repositories with valid ISSN-L check digits, Zipf
  popularity within the paper's field.
* **Ids** look like OpenAlex's: ``W…`` (10 digits), ``A5…``, ``S…``, ``T1…``, ``I…``; a fraction
  ``p_orcid`` of authors carry an ORCID with a valid ISO 7064 check digit; ``p_doi`` of the
  works a DOI.

The same seed and configuration give byte-identical output. ``python -m bench.synth --papers
100000 --seed 7 --out /tmp/synth-100k.jsonl.gz --stats`` writes a corpus and prints its degree
distributions side by side with the Paperscape arXiv 1991–1996 set (``paperscape_stats``).
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import orjson

OPENALEX = "https://openalex.org/"
PAPERSCAPE = Path(__file__).resolve().parents[2] / "shared" / "data" / "paperscape-arxiv-1991-1996"

# W ids of corpus papers start here (10 digits like real ones); external (cited, not in the
# corpus) works use a disjoint lower range.
W_BASE = 2_100_000_000
W_STEP = 37
W_EXTERNAL_BASE = 1_000_000_000
A_BASE = 5_000_000_000

# The 26 OpenAlex fields (ASJC) and their domains: 1 Life, 2 Social, 3 Physical, 4 Health.
FIELDS: tuple[tuple[int, str, int], ...] = (
    (11, "Agricultural and Biological Sciences", 1), (12, "Arts and Humanities", 2),
    (13, "Biochemistry, Genetics and Molecular Biology", 1),
    (14, "Business, Management and Accounting", 2), (15, "Chemical Engineering", 3),
    (16, "Chemistry", 3), (17, "Computer Science", 3), (18, "Decision Sciences", 2),
    (19, "Earth and Planetary Sciences", 3), (20, "Economics, Econometrics and Finance", 2),
    (21, "Energy", 3), (22, "Engineering", 3), (23, "Environmental Science", 3),
    (24, "Immunology and Microbiology", 1), (25, "Materials Science", 3), (26, "Mathematics", 3),
    (27, "Neuroscience", 1), (28, "Nursing", 4),
    (29, "Pharmacology, Toxicology and Pharmaceutics", 1), (30, "Physics and Astronomy", 3),
    (31, "Psychology", 2), (32, "Social Sciences", 2), (33, "Veterinary", 4), (34, "Dentistry", 4),
    (35, "Health Professions", 4), (36, "Medicine", 4),
)  # fmt: skip
DOMAINS = {1: "Life Sciences", 2: "Social Sciences", 3: "Physical Sciences", 4: "Health Sciences"}

_GIVEN = [
    "Wei",
    "Li",
    "Maria",
    "Jose",
    "Anna",
    "David",
    "Michael",
    "Jun",
    "Yuki",
    "Hiroshi",
    "Olga",
    "Ivan",
    "Fatima",
    "Ahmed",
    "Sara",
    "Laura",
    "Thomas",
    "Peter",
    "Chen",
    "Xin",
    "Priya",
    "Rahul",
    "Amir",
    "Elena",
    "Pablo",
    "Lucas",
    "Emma",
    "Noah",
    "Mei",
    "Kenji",
    "Sofia",
    "Marco",
    "Giulia",
    "Jan",
    "Eva",
    "Lars",
    "Ingrid",
    "Omar",
    "Leila",
    "Daniel",
    "Rachel",
    "Kwame",
    "Amara",
    "Tariq",
    "Nadia",
    "Hugo",
    "Chloe",
    "Felix",
    "Mila",
]
_FAMILY = [
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Smith",
    "Garcia",
    "Müller",
    "Rossi",
    "Kim",
    "Park",
    "Nguyen",
    "Tanaka",
    "Suzuki",
    "Ivanov",
    "Kowalski",
    "Silva",
    "Santos",
    "Dubois",
    "Martin",
    "Brown",
    "Jones",
    "Patel",
    "Singh",
    "Kumar",
    "Cohen",
    "Levi",
    "Haddad",
    "Okafor",
    "Mensah",
    "Andersen",
    "Johansson",
    "Novak",
    "Horvat",
    "Popescu",
    "Yilmaz",
    "Demir",
    "Ali",
    "Khan",
    "Hassan",
    "Lopez",
    "Fernández",
    "Costa",
    "Ferreira",
    "O'Brien",
    "Murphy",
    "Schmidt",
    "Weber",
    "Fischer",
    "Tremblay",
    "Roy",
    "Sato",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Gao",
    "Luo",
    "Zheng",
    "Liang",
    "Song",
    "Tang",
    "Han",
    "Feng",
    "Deng",
    "Cao",
    "Peng",
    "Zeng",
    "Xiao",
    "Tian",
    "Dong",
    "Pan",
    "Yuan",
    "Cai",
    "Jiang",
    "Yu",
    "Du",
    "Ye",
    "Cheng",
    "Wei",
    "Su",
    "Lu",
    "Ding",
    "Ren",
    "Shen",
    "Yao",
]
_WORDS = [
    "analysis",
    "model",
    "network",
    "learning",
    "quantum",
    "field",
    "theory",
    "dynamics",
    "structure",
    "protein",
    "cell",
    "gene",
    "expression",
    "neural",
    "deep",
    "graph",
    "data",
    "system",
    "control",
    "optimal",
    "stochastic",
    "process",
    "equation",
    "nonlinear",
    "spectral",
    "phase",
    "transition",
    "magnetic",
    "thermal",
    "energy",
    "catalyst",
    "surface",
    "polymer",
    "climate",
    "ocean",
    "soil",
    "species",
    "population",
    "health",
    "clinical",
    "patient",
    "therapy",
    "cancer",
    "immune",
    "response",
    "social",
    "policy",
    "market",
    "risk",
    "price",
    "labor",
    "education",
    "cognitive",
    "memory",
    "language",
    "semantic",
    "inference",
    "bayesian",
    "estimation",
    "robust",
    "sparse",
    "distributed",
    "algorithm",
    "complexity",
    "bound",
    "lattice",
    "gauge",
    "symmetry",
    "black",
    "hole",
    "cosmology",
    "galaxy",
    "star",
    "planetary",
    "seismic",
    "fluid",
    "flow",
    "turbulence",
    "material",
    "composite",
    "alloy",
    "battery",
    "solar",
    "wind",
    "grid",
    "sensor",
    "wireless",
    "imaging",
    "signal",
    "detection",
    "classification",
    "regression",
    "survey",
    "review",
    "evidence",
    "trial",
    "cohort",
    "risk",
    "factor",
    "association",
    "effect",
    "mechanism",
    "role",
    "novel",
    "efficient",
    "scalable",
    "adaptive",
    "multi-scale",
    "high-dimensional",
]
_INSTITUTIONS = ("University of Tokyo", "Tsinghua University", "University of Oxford",
                 "Massachusetts Institute of Technology", "Max Planck Society", "CNRS",
                 "Stanford University", "University of São Paulo", "ETH Zurich",
                 "National University of Singapore", "University of Cape Town",
                 "Indian Institute of Science", "University of Toronto", "Sorbonne Université",
                 "Peking University", "Seoul National University", "University of Melbourne",
                 "Karolinska Institutet", "University of Nairobi", "Universidad de Buenos Aires",
                 "Technical University of Munich", "KU Leuven", "McGill University",
                 "Weizmann Institute of Science", "University of Warsaw")  # fmt: skip


@dataclass(frozen=True, slots=True)
class SynthConfig:
    papers: int = 100_000
    seed: int = 7
    first_year: int = 1990
    last_year: int = 2024
    growth: float = 0.05  # papers per year grow 5 %/year
    p_solo: float = 0.12
    team_alpha: float = 2.2  # Lomax shape of team sizes beyond solo papers
    max_team: int = 100
    p_new_author: float = 0.30
    p_repeat: float = 0.35
    p_orcid: float = 0.10
    mean_refs: float = 10.0  # about 8.5 in-corpus: OpenAlex has ~2B citations over ~250M works
    refs_sigma: float = 0.8
    max_refs: int = 250
    p_external: float = 0.15
    p_pa: float = 0.55
    p_recent: float = 0.30
    recent_years: int = 3
    topics: int = 1500
    subfields_per_field: int = 10
    topic_zipf: float = 1.0
    p_home_topic: float = 0.7
    venues: int = 0  # 0: one per 250 papers, at least 52
    venue_zipf: float = 1.1
    p_doi: float = 0.85
    p_venue: float = 0.92
    abstracts: bool = False
    p_name_only: float = 0.0  # authorships printed without an author id (the slot's roll)

    def __post_init__(self) -> None:
        if self.papers < 1:
            raise ValueError(f"papers must be >= 1, got {self.papers}")
        if self.last_year < self.first_year:
            raise ValueError("last_year is before first_year")
        for name in ("p_solo", "p_new_author", "p_repeat", "p_orcid", "p_external", "p_pa",
                     "p_recent", "p_home_topic", "p_doi", "p_venue", "p_name_only"):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability, got {value}")
        if self.p_pa + self.p_recent > 1.0:
            raise ValueError("p_pa + p_recent must be <= 1")


# -- ids ----------------------------------------------------------------------------------------
def work_id(index: int) -> str:
    return f"W{W_BASE + index * W_STEP}"


def orcid_for(author: int) -> str:
    """A deterministic ORCID in the 0000-0002-… block with a valid ISO 7064 MOD 11-2 digit."""
    base = f"{200_000_000_000_00 + author * 7:015d}"
    total = 0
    for ch in base:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    digits = base + ("X" if check == 10 else str(check))
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def issn_for(venue: int) -> str:
    """A deterministic ISSN with a valid check digit (modulus 11)."""
    body = f"{2000000 + venue * 13:07d}"
    total = sum(int(d) * w for d, w in zip(body, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{body[:4]}-{body[4:]}{'X' if check == 10 else check}"


def _name_only(paper: int, position: int, share: float) -> bool:
    """Whether an authorship is printed without an author id: a hash of the paper and the
    position, so the choice does not depend on how the corpus is chunked."""
    return share > 0.0 and ((paper * 131 + position) * 2_654_435_761) % 10_007 < share * 10_007


def _has_orcid(author: int, share: float) -> bool:
    """A fixed property of the author (a multiplicative hash), the same on every paper."""
    return (author * 2_654_435_761) % 10_007 < share * 10_007


def author_name(author: int) -> str:
    given = _GIVEN[(author * 7919) % len(_GIVEN)]
    family = _FAMILY[((author * 104_729) // 7) % len(_FAMILY)]
    return f"{given} {family}"


# -- categories and venues ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Taxonomy:
    topic_json: list[dict[str, Any]]  # OpenAlex topic objects with subfield/field/domain
    topic_subfield: np.ndarray  # topic → subfield index
    subfield_topics: list[np.ndarray]  # subfield index → topics
    topic_field: np.ndarray  # topic → field index (0..25)
    topic_p: np.ndarray  # popularity (Zipf over a random ranking)


def _taxonomy(cfg: SynthConfig, rng: np.random.Generator) -> _Taxonomy:
    n_sub = len(FIELDS) * cfg.subfields_per_field
    sub_json = []
    for f, (fid, fname, dom) in enumerate(FIELDS):
        for k in range(cfg.subfields_per_field):
            sub_json.append(
                (
                    f,
                    {"id": f"{OPENALEX}subfields/{fid * 100 + k + 1}",
                     "display_name": f"{fname}: area {k + 1}"},
                    {"id": f"{OPENALEX}fields/{fid}", "display_name": fname},
                    {"id": f"{OPENALEX}domains/{dom}", "display_name": DOMAINS[dom]},
                )
            )  # fmt: skip
    # Subfields themselves are skewed: some areas hold far more topics than others.
    sub_weight = 1.0 / np.arange(1, n_sub + 1) ** 0.6
    sub_weight = rng.permutation(sub_weight)
    topic_subfield = rng.choice(n_sub, size=cfg.topics, p=sub_weight / sub_weight.sum())
    topic_subfield[:n_sub] = np.arange(n_sub)[: min(n_sub, cfg.topics)]  # every subfield used
    topic_json = []
    for t in range(cfg.topics):
        _f, sub, field, domain = sub_json[int(topic_subfield[t])]
        words = [_WORDS[(t * 31 + j * 17) % len(_WORDS)] for j in range(3)]
        topic_json.append(
            {"id": f"{OPENALEX}T{10000 + t}", "display_name": " ".join(words).capitalize(),
             "score": 0.99, "subfield": sub, "field": field, "domain": domain}
        )  # fmt: skip
    popularity = 1.0 / np.arange(1, cfg.topics + 1) ** cfg.topic_zipf
    popularity = rng.permutation(popularity)
    return _Taxonomy(
        topic_json=topic_json,
        topic_subfield=topic_subfield,
        subfield_topics=[np.flatnonzero(topic_subfield == s) for s in range(n_sub)],
        topic_field=np.array([sub_json[int(s)][0] for s in topic_subfield]),
        topic_p=popularity / popularity.sum(),
    )


def _venues(cfg: SynthConfig, n: int) -> list[dict[str, Any]]:
    out = []
    for v in range(n):
        kind = "repository" if v % 23 == 0 else "conference" if v % 5 == 0 else "journal"
        word = _WORDS[(v * 13) % len(_WORDS)].capitalize()
        field = FIELDS[v % len(FIELDS)][1].split(",")[0]
        name = {
            "journal": f"Journal of {word} {field} {v // len(FIELDS) + 1}",
            "conference": f"International Conference on {word} {field} {v // len(FIELDS) + 1}",
            "repository": f"{word} {field} Preprints {v // len(FIELDS) + 1}",
        }[kind]
        out.append(
            {"id": f"{OPENALEX}S{1_900_000_000 + v * 101}", "display_name": name,
             "issn_l": issn_for(v) if kind != "repository" else None,
             "type": kind, "is_oa": kind == "repository"}
        )  # fmt: skip
    return out


# -- a growable int32 buffer --------------------------------------------------------------------
class _Buffer:
    def __init__(self, capacity: int) -> None:
        self.data = np.empty(max(capacity, 16), dtype=np.int64)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.size + len(values)
        if need > len(self.data):
            grown = np.empty(max(need, 2 * len(self.data)), dtype=np.int64)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : need] = values
        self.size = need

    def view(self) -> np.ndarray:
        return self.data[: self.size]


# -- the generator ------------------------------------------------------------------------------
def _years(cfg: SynthConfig) -> np.ndarray:
    span = np.arange(cfg.first_year, cfg.last_year + 1)
    weight = (1.0 + cfg.growth) ** (span - cfg.first_year)
    counts = np.floor(cfg.papers * weight / weight.sum()).astype(np.int64)
    counts[-1] += cfg.papers - counts.sum()
    return np.repeat(span, counts)


def _dates(years: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Non-decreasing ISO dates: each year's papers get sorted random days of that year."""
    out: list[str] = []
    for year in np.unique(years):
        n = int((years == year).sum())
        days = np.sort(rng.integers(0, 365, size=n))
        start = np.datetime64(f"{year}-01-01")
        out.extend(str(d) for d in (start + days.astype("timedelta64[D]")))
    return out


def _team_sizes(cfg: SynthConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    sizes = np.floor(2.0 * (1.0 + rng.pareto(cfg.team_alpha, size=n))).astype(np.int64)
    sizes[rng.random(n) < cfg.p_solo] = 1
    return np.minimum(sizes, cfg.max_team)


def _ref_counts(cfg: SynthConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    mu = math.log(cfg.mean_refs) - cfg.refs_sigma**2 / 2
    lam = rng.lognormal(mu, cfg.refs_sigma, size=n)
    return np.minimum(rng.poisson(lam), cfg.max_refs).astype(np.int64)


def _block_size(n: int) -> int:
    return int(min(5000, max(50, n // 200)))


def generate(cfg: SynthConfig) -> Iterator[dict[str, Any]]:
    """Yield OpenAlex work objects in publication order (deterministic for a config)."""
    rng = np.random.default_rng(cfg.seed)
    tax = _taxonomy(cfg, rng)
    n_venues = cfg.venues or max(52, cfg.papers // 250)
    venues = _venues(cfg, n_venues)
    venue_by_field = [np.arange(f, n_venues, len(FIELDS)) for f in range(len(FIELDS))]
    years = _years(cfg)
    dates = _dates(years, rng)
    n = cfg.papers
    first_of_year = {int(y): int(np.searchsorted(years, y)) for y in np.unique(years)}

    auth = _Buffer(4 * n)  # authorship slots in paper order (author index per slot)
    auth_off = np.zeros(n + 1, dtype=np.int64)  # paper → first slot
    cites = _Buffer(12 * n)  # in-corpus citation targets (preferential attachment pool)
    n_authors = 0
    author_topic = _Buffer(2 * n)  # author → home topic
    last_paper = _Buffer(2 * n)  # author → index of their latest paper
    topic_cdf = np.cumsum(tax.topic_p)
    block = _block_size(n)

    for start in range(0, n, block):
        end = min(n, start + block)
        m = end - start
        # -- authors ------------------------------------------------------------------------
        sizes = _team_sizes(cfg, rng, m)
        total = int(sizes.sum())
        paper_of_slot = np.repeat(np.arange(m), sizes)
        first_slot = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        is_first = np.zeros(total, dtype=bool)
        is_first[first_slot] = True
        prior = auth.size  # authorships available for preferential picks
        u = rng.random(total)
        new = (u < cfg.p_new_author) | (prior == 0)
        slots = np.empty(total, dtype=np.int64)
        n_new = int(new.sum())
        slots[new] = np.arange(n_authors, n_authors + n_new)
        old = ~new
        if prior:
            slots[old] = auth.view()[rng.integers(0, prior, size=int(old.sum()))]
        # repeat collaborators: non-first slots copy a member of the first author's last team
        first_author = slots[first_slot][paper_of_slot]
        repeat = old & ~is_first & (rng.random(total) < cfg.p_repeat)
        lp_all = last_paper.view()
        fa_old = first_author < len(lp_all)
        cand = repeat & fa_old
        if cand.any():
            lp = lp_all[first_author[cand]]
            lo, hi = auth_off[lp], auth_off[lp + 1]
            pick = lo + np.floor(rng.random(len(lp)) * (hi - lo)).astype(np.int64)
            slots[cand] = auth.view()[pick]
        # -- topics ---------------------------------------------------------------------------
        primary = np.searchsorted(topic_cdf, rng.random(m) * topic_cdf[-1])
        primary = np.minimum(primary, cfg.topics - 1)
        fa = slots[first_slot]
        known = fa < author_topic.size
        keep_home = known & (rng.random(m) < cfg.p_home_topic)
        primary[keep_home] = author_topic.view()[fa[keep_home]]
        n_secondary = rng.choice(3, size=m, p=[0.35, 0.4, 0.25])
        new_topics = primary[paper_of_slot[new]]  # a new author's home topic: this paper's
        author_topic.extend(new_topics)
        n_authors += n_new
        # -- venues ---------------------------------------------------------------------------
        field = tax.topic_field[primary]
        has_venue = rng.random(m) < cfg.p_venue
        vrank = np.minimum(rng.zipf(cfg.venue_zipf + 0.5, size=m) - 1, 10**6)
        # -- references -----------------------------------------------------------------------
        counts = np.minimum(_ref_counts(cfg, rng, m), max(start, 0) + 0)
        counts = np.where(start > 0, counts, 0)
        n_refs = int(counts.sum())
        ext = rng.random(n_refs) < cfg.p_external
        kind = rng.random(n_refs)
        targets = np.empty(n_refs, dtype=np.int64)
        pool = cites.size
        use_pa = (~ext) & (kind < cfg.p_pa) & (pool > 0)
        recent_from = first_of_year.get(int(years[start]) - cfg.recent_years, 0)
        use_recent = (~ext) & ~use_pa & (kind < cfg.p_pa + cfg.p_recent)
        use_uniform = (~ext) & ~use_pa & ~use_recent
        if pool:
            targets[use_pa] = cites.view()[rng.integers(0, pool, size=int(use_pa.sum()))]
        lo_recent = min(recent_from, max(start - 1, 0))
        targets[use_recent] = rng.integers(lo_recent, max(start, 1), size=int(use_recent.sum()))
        targets[use_uniform] = rng.integers(0, max(start, 1), size=int(use_uniform.sum()))
        ext_ids = (rng.zipf(1.4, size=int(ext.sum())) - 1) % max(1000, n // 4)
        targets[ext] = -1 - ext_ids  # negative: an external work
        cites.extend(targets[~ext])
        # -- emit -----------------------------------------------------------------------------
        ref_off = np.concatenate(([0], np.cumsum(counts)))
        title_words = rng.integers(0, len(_WORDS), size=(m, 10))
        title_len = rng.integers(4, 11, size=m)
        has_doi = rng.random(m) < cfg.p_doi
        raw_short = rng.random(total) < 0.2
        with_inst = rng.random(total) < 0.8
        sec_roll = rng.random((m, 2))
        for i in range(m):
            idx = start + i
            team = list(dict.fromkeys(slots[first_slot[i] : first_slot[i] + sizes[i]].tolist()))
            authorships = []
            for pos, a in enumerate(team):
                slot = first_slot[i] + pos
                name = author_name(a)
                author: dict[str, Any] = {"id": f"{OPENALEX}A{A_BASE + a}", "display_name": name}
                author["orcid"] = (
                    f"https://orcid.org/{orcid_for(a)}" if _has_orcid(a, cfg.p_orcid) else None
                )
                if _name_only(idx, pos, cfg.p_name_only):
                    author["id"] = author["orcid"] = None
                given, _, family = name.partition(" ")
                raw = f"{given[0]}. {family}" if raw_short[slot] else name
                inst = (
                    [{"id": f"{OPENALEX}I{400_000_000 + a % 997}",
                      "display_name": _INSTITUTIONS[(a * 7) % len(_INSTITUTIONS)]}]
                    if with_inst[slot] else []
                )  # fmt: skip
                authorships.append(
                    {"author_position": "first" if pos == 0 else
                        "last" if pos == len(team) - 1 else "middle",
                     "author": author, "institutions": inst, "raw_author_name": raw}
                )  # fmt: skip
            p = int(primary[i])
            chosen = [p]
            siblings = tax.subfield_topics[int(tax.topic_subfield[p])]
            for j in range(int(n_secondary[i])):
                t = int(siblings[int(sec_roll[i, j] * len(siblings))])
                if t not in chosen:
                    chosen.append(t)
            topics = [tax.topic_json[t] for t in chosen]
            location = None
            if has_venue[i]:
                pool_v = venue_by_field[int(field[i])]
                venue = venues[int(pool_v[int(vrank[i]) % len(pool_v)])]
                location = {"is_oa": venue["is_oa"], "landing_page_url": None, "source": venue}
            refs = targets[ref_off[i] : ref_off[i + 1]].tolist()
            referenced = list(
                dict.fromkeys(
                    f"{OPENALEX}W{W_BASE + r * W_STEP}" if r >= 0
                    else f"{OPENALEX}W{W_EXTERNAL_BASE - 1 - r}"
                    for r in refs
                )
            )  # fmt: skip
            words = [_WORDS[w] for w in title_words[i, : title_len[i]].tolist()]
            title = " ".join(words).capitalize()
            venue_type = location["source"]["type"] if location else None
            work: dict[str, Any] = {
                "id": f"{OPENALEX}{work_id(idx)}",
                "doi": f"https://doi.org/10.{5000 + idx % 4000}/synth.{idx}"
                if has_doi[i]
                else None,
                "title": title,
                "display_name": title,
                "publication_year": int(years[idx]),
                "publication_date": dates[idx],
                "type": "preprint" if venue_type == "repository" else "article",
                "primary_location": location,
                "authorships": authorships,
                "primary_topic": topics[0],
                "topics": topics,
                "referenced_works": referenced,
                "abstract_inverted_index": _abstract(words) if cfg.abstracts else None,
            }
            yield work
        # -- bookkeeping for later blocks ------------------------------------------------------
        auth.extend(slots)
        auth_off[start + 1 : end + 1] = auth_off[start] + np.cumsum(sizes)
        if last_paper.size < n_authors:
            last_paper.extend(np.zeros(n_authors - last_paper.size, dtype=np.int64))
        last_paper.data[slots] = start + paper_of_slot  # later papers overwrite earlier ones


def _abstract(words: list[str]) -> dict[str, list[int]]:
    text = ["We", "study", *words, "and", "report", "results", "on", *reversed(words), "."]
    index: dict[str, list[int]] = {}
    for pos, w in enumerate(text):
        index.setdefault(w, []).append(pos)
    return index


def _open_out(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=3))
    return path.open("wb")


def write_corpus(cfg: SynthConfig, out: Path) -> dict[str, Any]:
    """Write the corpus as JSONL (gzip if ``out`` ends in .gz); returns counts and timing."""
    t0 = time.perf_counter()
    papers = authorships = refs = 0
    with _open_out(out) as fh:
        buf: list[bytes] = []
        for work in generate(cfg):
            papers += 1
            authorships += len(work["authorships"])
            refs += len(work["referenced_works"])
            buf.append(orjson.dumps(work))
            if len(buf) >= 2000:
                fh.write(b"\n".join(buf) + b"\n")
                buf.clear()
        if buf:
            fh.write(b"\n".join(buf) + b"\n")
    return {
        "path": str(out),
        "papers": papers,
        "authorships": authorships,
        "references": refs,
        "bytes": out.stat().st_size,
        "seconds": round(time.perf_counter() - t0, 2),
        "config": asdict(cfg),
    }


# -- statistics ---------------------------------------------------------------------------------
def _dist(values: Iterable[int]) -> dict[str, Any]:
    """Summary of a count distribution: mean, quantiles, max, Gini, zero share, tail exponent."""
    x = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    if x.size == 0:
        return {"n": 0}
    xs = np.sort(x)
    cum = np.cumsum(xs)
    gini = float(1 - 2 * np.sum(cum) / (xs.size * cum[-1]) + 1 / xs.size) if cum[-1] else 0.0
    q = np.percentile(xs, [50, 90, 99])
    return {
        "n": int(xs.size),
        "mean": round(float(xs.mean()), 3),
        "median": round(float(q[0]), 2),
        "p90": round(float(q[1]), 2),
        "p99": round(float(q[2]), 2),
        "max": int(xs[-1]),
        "zero_share": round(float((xs == 0).mean()), 4),
        "gini": round(gini, 3),
        "tail_alpha": _tail_alpha(xs),
    }


def _tail_alpha(xs: np.ndarray) -> float | None:
    """Discrete power-law exponent (Clauset et al. approximation) above the 90th percentile."""
    xmin = max(2.0, float(np.percentile(xs, 90)))
    tail = xs[xs >= xmin]
    if tail.size < 20:
        return None
    return round(float(1 + tail.size / np.sum(np.log(tail / (xmin - 0.5)))), 2)


def _stats(
    teams: list[int], productivity: Counter[str], refs_in: list[int], indeg: Counter[str],
    papers: list[str], refs_total: int, topics: Counter[str],
) -> dict[str, Any]:  # fmt: skip
    in_degree = np.array([indeg.get(p, 0) for p in papers], dtype=np.int64)
    n_in = sum(refs_in)
    share = sorted(topics.values(), reverse=True)
    total_topics = sum(share) or 1
    return {
        "papers": len(papers),
        "authors": len(productivity),
        "authorships": sum(teams),
        "citations_in_corpus": n_in,
        "references_total": refs_total,
        "in_corpus_share": round(n_in / refs_total, 4) if refs_total else None,
        "team_size": _dist(teams),
        "papers_per_author": _dist(np.fromiter(productivity.values(), dtype=np.int64)),
        "references_per_paper": _dist(refs_in),
        "citations_per_paper": _dist(in_degree),
        "categories": len(topics),
        "top_category_share": round(share[0] / total_topics, 4) if share else None,
        "top10_category_share": round(sum(share[:10]) / total_topics, 4) if share else None,
    }


def corpus_stats(path: Path) -> dict[str, Any]:
    """Stream an OpenAlex JSONL corpus and measure its distributions (in-corpus citations)."""
    opener = gzip.open if path.suffix == ".gz" else open
    teams: list[int] = []
    productivity: Counter[str] = Counter()
    indeg: Counter[str] = Counter()
    refs_in: list[int] = []
    papers: list[str] = []
    topics: Counter[str] = Counter()
    all_refs: list[list[str]] = []
    with opener(path, "rb") as fh:
        for line in fh:
            work = orjson.loads(line)
            papers.append(work["id"])
            teams.append(len(work["authorships"]))
            for a in work["authorships"]:
                productivity[a["author"]["id"]] += 1
            if work.get("primary_topic"):
                topics[work["primary_topic"]["id"]] += 1
            all_refs.append(work["referenced_works"])
    known = set(papers)
    refs_total = 0
    for refs in all_refs:
        inside = [r for r in refs if r in known]
        refs_total += len(refs)
        refs_in.append(len(inside))
        indeg.update(inside)
    return _stats(teams, productivity, refs_in, indeg, papers, refs_total, topics)


def paperscape_stats(folder: Path = PAPERSCAPE) -> dict[str, Any]:
    """The same measures on the Paperscape arXiv 1991–1996 files (parsed directly)."""
    teams: list[int] = []
    productivity: Counter[str] = Counter()
    indeg: Counter[str] = Counter()
    refs_in: list[int] = []
    papers: list[str] = []
    topics: Counter[str] = Counter()
    refs_lists: list[list[str]] = []
    refs_total = 0
    for path in sorted(folder.glob("pscp-*.csv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split(";", 6)
            papers.append(fields[0])
            topics[fields[1].split(",")[0]] += 1
            refs_total += int(fields[3] or 0)
            refs_lists.append([r for r in fields[4].split(",") if r])
            authors = [a for a in fields[5].split(",") if a]
            teams.append(len(authors))
            productivity.update(authors)
    known = set(papers)
    for refs in refs_lists:
        inside = [r for r in refs if r in known]
        refs_in.append(len(inside))
        indeg.update(inside)
    return _stats(teams, productivity, refs_in, indeg, papers, refs_total, topics)


_COMPARED = ("team_size", "papers_per_author", "references_per_paper", "citations_per_paper")
_MEASURES = ("mean", "median", "p90", "p99", "max", "zero_share", "gini", "tail_alpha")


def compare(synthetic: dict[str, Any], real: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Rows (measure, synthetic, Paperscape) for the shared distribution measures."""
    rows: list[tuple[str, Any, Any]] = []
    for key in ("papers", "authors", "authorships", "citations_in_corpus", "in_corpus_share",
                "categories", "top_category_share", "top10_category_share"):  # fmt: skip
        rows.append((key, synthetic.get(key), real.get(key)))
    for dist in _COMPARED:
        for measure in _MEASURES:
            rows.append(
                (f"{dist}.{measure}", synthetic[dist].get(measure), real[dist].get(measure))
            )
    return rows


def format_comparison(rows: list[tuple[str, Any, Any]]) -> str:
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure':<{width}}  {'synthetic':>12}  {'paperscape':>12}"]
    lines += [f"{name:<{width}}  {s!s:>12}  {p!s:>12}" for name, s, p in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.synth", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="output .jsonl or .jsonl.gz")
    parser.add_argument("--abstracts", action="store_true", help="add short abstracts")
    parser.add_argument("--stats", action="store_true",
                        help="print distributions vs Paperscape (reads --out back)")  # fmt: skip
    parser.add_argument("--stats-json", type=Path, help="also write the comparison as JSON")
    parser.add_argument("--stats-only", action="store_true",
                        help="do not generate: measure an existing --out file")  # fmt: skip
    args = parser.parse_args(argv)
    if args.out is None:
        parser.error("--out is required")
    if not args.stats_only:
        cfg = SynthConfig(papers=args.papers, seed=args.seed, abstracts=args.abstracts)
        summary = write_corpus(cfg, args.out)
        print(orjson.dumps({k: v for k, v in summary.items() if k != "config"}).decode())
    if args.stats or args.stats_only:
        synthetic = corpus_stats(args.out)
        real = paperscape_stats()
        print(format_comparison(compare(synthetic, real)))
        if args.stats_json:
            args.stats_json.write_bytes(
                orjson.dumps({"synthetic": synthetic, "paperscape": real},
                             option=orjson.OPT_INDENT_2)
            )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
