"""The clustering's recall rules (graph/author_clustering.py), without a database: affiliation
words without department boilerplate, the same title as evidence, and the late attachment of
small clusters to the cluster a later mention grows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from graph.author_clustering import (
    DEFAULT_WEIGHTS,
    MAX_PAPERS,
    MemoryClusters,
    Mention,
    Profile,
    affiliation_words,
    assign,
    attach_score,
    cluster_id,
    make_mention,
    next_may_reach,
    profile_mention,
    score,
    title_digest,
)
from graph.identity import paper_key
from loaders.labelled import read_mentions
from loaders.records import Paper
from loaders.writer import paper_row

SETS = Path(__file__).resolve().parents[3] / "shared" / "data" / "author-disambiguation"

NO_ATTACH = replace(DEFAULT_WEIGHTS, attach_threshold=float("inf"))


def _m(i: int, name: str = "Ada Lovelace", **kw: object) -> Mention:
    return make_mention(f"p{i}#0", name, paper=f"p{i}", **kw)  # type: ignore[arg-type]


def _clusters(mentions: list[Mention], w: object = DEFAULT_WEIGHTS) -> list[str]:
    out = assign(mentions, [], cluster_id, w)  # type: ignore[arg-type]
    return [out.cluster_of(a.cluster) for a in out.assignments]


# -- affiliation words ---------------------------------------------------------------------------


def test_affiliation_words_keep_the_institution_and_drop_departments_and_abbreviations() -> None:
    assert affiliation_words("Dept. of Comput. Sci. & Eng., Tsinghua Univ., Beijing, China") == [
        "tsinghua",
        "beijing",
    ]
    assert affiliation_words(
        "School of Electrical and Electronic Engineering, Nanyang Technological University"
    ) == ["nanyang"]
    assert affiliation_words(
        "Department of Computer Science, University of Illinois at Chicago"
    ) == [
        "illinois",
        "chicago",
    ]
    assert affiliation_words("Dept. of Computer Science and Engineering") == []
    assert affiliation_words(None) == []


def test_a_shared_department_is_no_evidence_a_shared_institution_is() -> None:
    a = _m(1, affiliation="Dept. of Comput. Sci., Tsinghua Univ.")
    b = _m(2, affiliation="Department of Computer Science, Stanford University")
    c = _m(3, affiliation="Department of Computer Science, Tsinghua University")
    assert score(b, Profile.of("x", [a])).affiliation == 0
    assert score(c, Profile.of("x", [a])).affiliation == 1


# -- the same title ------------------------------------------------------------------------------


def test_title_digest_is_the_title_words_and_short_titles_have_none() -> None:
    web = "Web Data Mining: Exploring Hyperlinks, Contents, and Usage Data"
    assert title_digest(web) == title_digest(
        "web data mining - exploring hyperlinks contents usage data"
    )
    assert title_digest(web) != title_digest("Web Data Mining: Exploring Hyperlinks")
    assert title_digest("Guest editorial") is None
    assert title_digest("Preface") is None
    assert title_digest(None) is None


def test_the_same_title_on_two_papers_joins_them_a_generic_title_does_not() -> None:
    title = "Web Data Mining: Exploring Hyperlinks, Contents, and Usage Data"
    a, b = _m(1, title=title, year=2006), _m(2, title=title, year=2007)
    ev = score(b, Profile.of("x", [a]))
    assert ev.title and ev.score >= DEFAULT_WEIGHTS.threshold
    assert ev.as_dict()["title"] is True
    assert len(set(_clusters([a, b]))) == 1
    c, d = _m(3, title="Guest editorial", year=2006), _m(4, title="Guest editorial", year=2007)
    assert not score(d, Profile.of("x", [c])).title
    assert len(set(_clusters([c, d]))) == 2


def test_profile_titles_round_trip_and_old_profiles_load_without_them() -> None:
    p = Profile.of("name:ada lovelace", [_m(1, title="Notes on the Analytical Engine of Babbage")])
    assert len(p.titles) == 1
    data = p.to_dict()
    back = Profile.from_dict(p.id, p.block, data)
    assert back.titles == p.titles
    old = {k: v for k, v in data.items() if k != "titles"}
    assert Profile.from_dict(p.id, p.block, old).titles == set()
    assert "titles" not in Profile.of("y", [_m(2, title="Notes")]).to_dict()


def test_merged_titles_stay_bounded() -> None:
    a, b = Profile("a", "lovelace a"), Profile("b", "lovelace a")
    a.titles = {f"{i:08x}" for i in range(MAX_PAPERS)}
    b.titles = {"ffffffff"}
    a.merge(b)
    assert len(a.titles) == MAX_PAPERS


# -- late attachment -----------------------------------------------------------------------------


def test_a_one_mention_cluster_scored_as_a_mention_scores_as_its_mention() -> None:
    first = _m(1, coauthors=["Carol Roe"], venue="Journal of Engines", year=1843)
    later = _m(2, coauthors=["Carol Roe", "Dan Poe"], venue="Journal of Engines", year=1850)
    grown = Profile.of("grown", [later])
    single = Profile.of("single", [first])
    assert profile_mention(single, grown).year == 1843
    assert attach_score(single, grown) == score(first, grown).score


def test_profile_mention_takes_the_year_nearest_the_other_span() -> None:
    small = Profile.of("s", [_m(1, year=1990), _m(2, year=1996)])
    assert profile_mention(small, Profile.of("o", [_m(3, year=2001)])).year == 1996
    assert profile_mention(small, Profile.of("o", [_m(4, year=1980)])).year == 1990
    assert profile_mention(small, Profile.of("o", [_m(5, year=1993)])).year == 1993
    assert profile_mention(small).year == 1990


def test_a_cluster_grown_later_takes_in_the_earlier_one_mention_cluster() -> None:
    # b comes before anything ties it to a: a cluster of its own; c then joins a (Carol Roe)
    # and brings Dan Poe, whom b shares: b's cluster is taken in.
    a = _m(1, coauthors=["Carol Roe"], title="Sketch of the analytical engine")
    b = _m(2, coauthors=["Dan Poe"], title="Poetical science of numbers")
    c = _m(3, coauthors=["Carol Roe", "Dan Poe"], title="Bernoulli numbers by machine")
    assert len(set(_clusters([a, b, c], NO_ATTACH))) == 2
    assert len(set(_clusters([a, b, c]))) == 1


def test_late_attachment_keeps_larger_clusters_and_other_names_apart() -> None:
    a = _m(1, coauthors=["Carol Roe"], title="Sketch of the analytical engine")
    b1 = _m(2, coauthors=["Dan Poe", "Eve Moe"], title="Poetical science of numbers")
    b2 = _m(3, coauthors=["Dan Poe", "Eve Moe"], title="Poetical science of letters")
    b3 = _m(4, coauthors=["Dan Poe", "Eve Moe"], title="Poetical science of music")
    c = _m(5, coauthors=["Carol Roe", "Dan Poe"], title="Analytical engine sketch notes")
    clusters = _clusters([a, b1, b2, b3, c])
    assert clusters[0] == clusters[4] and clusters[1] == clusters[2] == clusters[3]
    assert clusters[0] != clusters[1]  # three mentions: more than ``attach_max``
    other = _m(6, name="Alan Lovelace", coauthors=["Dan Poe"], title="Poetical engines")
    a2 = _m(7, coauthors=["Carol Roe", "Dan Poe"], title="Bernoulli numbers by machine")
    clusters = _clusters([a, other, a2])
    assert clusters[0] == clusters[2] != clusters[1]  # "Alan" does not fit "Ada"


def test_the_attachment_bound_never_skips_a_small_cluster_that_reaches_the_threshold() -> None:
    # Real clusters of Qian-DBLP blocks, clustered without the late attachment so that many
    # small ones are left: every (small, other) pair of a block is checked.
    s = read_mentions(SETS / "qian-dblp", limit_blocks=60)
    rows = [paper_row(r) for r in s.records if isinstance(r, Paper)]
    store = MemoryClusters(NO_ATTACH)
    for start in range(0, len(rows), 200):
        batch = rows[start : start + 200]
        store.batch(batch, [paper_key(r["ids"], r["title_key"]) for r in batch])
    w = DEFAULT_WEIGHTS
    reached = skipped = 0
    for need in (1.0, 2.0, w.attach_threshold):  # the bound holds for any threshold
        for ids in store.by_block.values():
            profiles = sorted(ids.values(), key=lambda p: p.id)
            smalls = [p for p in profiles if p.size <= w.attach_max]
            for p in profiles:
                found = [i for i, small in enumerate(smalls) if attach_score(small, p, w) >= need]
                maybe = [
                    i for i in range(len(smalls)) if next_may_reach(smalls, i, p, need, w) == i
                ]
                assert set(found) <= set(maybe), (need, p.id)  # an upper bound
                # from any start, the scan stops at the next candidate it keeps, or at the end
                ends = [*maybe, len(smalls)]
                for start in range(len(smalls) + 1):
                    assert next_may_reach(smalls, start, p, need, w) == min(
                        e for e in ends if e >= start
                    )
                reached += sum(1 for i in found if smalls[i].id != p.id)
                skipped += len(smalls) - len(maybe)
    assert reached > 50 and skipped > 2 * reached  # it finds some, and spares more
