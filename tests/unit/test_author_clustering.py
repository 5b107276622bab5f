"""Evidence-based clustering of name-only authorships (graph/author_clustering.py), without a
database: given names, evidence, the threshold, incremental and deterministic assignment."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from graph.author_clustering import (
    DEFAULT_WEIGHTS,
    PROFILE_LIMITS,
    MemoryClusters,
    Mention,
    Profile,
    assign,
    cluster_id,
    coauthor_in,
    coauthor_key,
    coauthor_keys_fit,
    content_words,
    given_names_compatible,
    make_mention,
    score,
    split_name,
    strong_link,
)
from graph.cluster_metrics import blocked_scores
from graph.identity import paper_key
from graph.ids import normalize_name, parse_author_id
from graph.name_stats import NameStats
from loaders.labelled import read_mentions
from loaders.records import Paper
from loaders.writer import paper_row

DATA = Path(__file__).parents[2].parent / "shared" / "data"


def _fit(a: str, b: str) -> bool:
    return given_names_compatible(
        split_name(normalize_name(a))[0], split_name(normalize_name(b))[0]
    )


@pytest.mark.parametrize(
    ("a", "b", "fits"),
    [
        ("R. Cole", "Richard Cole", True),
        ("Richard J. Cole", "Richard Cole", True),
        ("Xin-Nian Wang", "Xinnian Wang", True),
        ("J. P. Serre", "Jean-Pierre Serre", True),
        ("D.K. Park", "Donghwi Park", True),  # compatible: only evidence can tell them apart
        ("Xingya Wang", "Xiaolei Wang", False),
        ("Xinran Wang", "Xiaolei Wang", False),
        ("Xin Wang", "Xinran Wang", False),  # a prefix is not a name
        ("Yujia Zheng", "Yong Zheng", False),
        ("Zijian Li", "Zhi Li", False),
        ("王成阳", "Chengyang Wang", True),  # the key of a Han name is in Latin order
    ],
)
def test_given_names(a: str, b: str, fits: bool) -> None:
    assert _fit(a, b) is fits
    assert _fit(b, a) is fits


def test_coauthor_keys_meet_across_initials_only() -> None:
    assert coauthor_key("Mukesh K. Mohania") == "mohania mukesh"
    assert coauthor_keys_fit("mohania m", "mohania mukesh")
    assert not coauthor_keys_fit("mohania manish", "mohania mukesh")
    assert not coauthor_keys_fit("gupta a", "mohania a")


def test_content_words_drop_stop_words_and_fold_plurals() -> None:
    words = content_words("A Novel Approach to Neural Networks for the Analysis of Proteins")
    assert words == ["neural", "network", "protein"]


def _m(mid: str, name: str = "Ke Li", **kw: object) -> Mention:
    return make_mention(mid, name, **kw)  # type: ignore[arg-type]


def test_one_shared_coauthor_reaches_the_threshold_words_alone_do_not() -> None:
    p = Profile.of("c", [_m("p1#1", coauthors=["Lizhu Zhang", "Ann Roe"], year=2020)])
    assert score(_m("p2#1", coauthors=["L. Zhang"], year=2021), p).score >= (
        DEFAULT_WEIGHTS.threshold
    )
    topic = Profile.of("t", [_m("p3#1", title="Evolutionary multiobjective optimisation")])
    same_words = _m("p4#1", title="Multiobjective evolutionary optimisation benchmarks")
    assert 0 < score(same_words, topic).score < DEFAULT_WEIGHTS.threshold


def test_years_apart_and_other_given_names_keep_people_apart() -> None:
    p = Profile.of("c", [_m("p1#1", "Donghwi Park", coauthors=["S. Kim"], year=2023)])
    old = _m("p2#1", "D.K. Park", coauthors=["Seung Kim"], year=1995)
    assert score(old, p).coauthors  # the co-author evidence is there ...
    assert score(old, p).score < DEFAULT_WEIGHTS.threshold  # ... 28 years apart outweighs it
    xiaolei = Profile.of("x", [_m("p3#1", "Xiaolei Wang", coauthors=["Ann Roe"], year=2020)])
    xingya = _m("p4#1", "Xingya Wang", coauthors=["Ann Roe"], year=2020)
    assert not score(xingya, xiaolei).names_fit
    assert strong_link(xingya, [xiaolei]) is None


def test_strong_link_needs_exactly_one_candidate() -> None:
    m = _m("p9#1", "J. Doe", coauthors=["C. Roe"], year=2020)
    jane = Profile.of("s2:1", [_m("p1#1", "Jane Doe", coauthors=["Carl Roe"], year=2020)])
    john = Profile.of("s2:2", [_m("p2#1", "John Doe", coauthors=["Cora Roe"], year=2020)])
    found = strong_link(m, [jane])
    assert found is not None and found[0].id == "s2:1"
    assert strong_link(m, [jane, john]) is None


def _corpus() -> list[Mention]:
    """Two people named Ke Li: one with LLM co-authors, one with evolutionary-computation
    co-authors; and a third mention with no evidence at all."""
    llm = ["Hugo Touvron", "Louis Martin", "Kevin Stone"]
    evo = ["Qingfu Zhang", "Kalyanmoy Deb", "Ran Cheng"]
    out = []
    for i in range(6):
        team = llm if i % 2 == 0 else evo
        out.append(
            _m(f"p{i}#2", coauthors=[team[i % 3], team[(i + 1) % 3]], year=2015 + i,
               title="Large language models" if team is llm else "Evolutionary multiobjective")
        )  # fmt: skip
    out.append(_m("p9#1", year=2010))
    return out


def _groups(landed: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for mention, cluster in landed.items():
        groups.setdefault(cluster, set()).add(mention)
    return {frozenset(g) for g in groups.values()}


def _partition(mentions: list[Mention], order: list[int]) -> set[frozenset[str]]:
    out = assign([mentions[i] for i in order], [], cluster_id)
    return _groups({a.mention: out.cluster_of(a.cluster) for a in out.assignments})


def test_two_people_of_one_name_split_and_each_stays_together() -> None:
    mentions = _corpus()
    parts = _partition(mentions, list(range(len(mentions))))
    assert parts == {
        frozenset({"p0#2", "p2#2", "p4#2"}),
        frozenset({"p1#2", "p3#2", "p5#2"}),
        frozenset({"p9#1"}),
    }


def test_the_people_found_do_not_depend_on_the_order_of_records_here() -> None:
    mentions = _corpus()
    first = _partition(mentions, list(range(len(mentions))))
    for seed in range(5):
        order = list(range(len(mentions)))
        random.Random(seed).shuffle(order)
        assert _partition(mentions, order) == first


def test_where_a_batch_ends_changes_nothing_and_a_rerun_names_clusters_the_same() -> None:
    """One pass, or two batches through stored profiles (JSON round trip, as the writer reads
    them back): the same clusters under the same ids."""
    mentions = _corpus()
    whole = assign(mentions, [], cluster_id)
    first = assign(mentions[:3], [], cluster_id)
    stored = [Profile.from_dict(p.id, p.block, p.to_dict()) for p in first.profiles.values()]
    second = assign(mentions[3:], stored, cluster_id)
    landed = {a.mention: first.cluster_of(a.cluster) for a in first.assignments}
    landed.update({a.mention: second.cluster_of(a.cluster) for a in second.assignments})
    assert landed == {a.mention: whole.cluster_of(a.cluster) for a in whole.assignments}
    assert assign(mentions, [], cluster_id).assignments == whole.assignments


def test_two_mentions_of_one_paper_never_share_a_cluster() -> None:
    a = _m("p1#1", "J. Suzuki", coauthors=["Kunihiko Kaneko"], year=1993)
    b = _m("p1#2", "Jun Suzuki", coauthors=["Kunihiko Kaneko"], year=1993)
    out = assign([a, b], [], cluster_id)
    assert len({out.cluster_of(x.cluster) for x in out.assignments}) == 2


def test_profiles_stay_bounded_and_a_big_block_is_not_quadratic() -> None:
    rng = random.Random(3)
    people = [[f"Co{p}x{j} Person{p}" for j in range(6)] for p in range(200)]
    mentions = [
        _m(f"w{i}#1", "Wei Wang", coauthors=rng.sample(people[i % 200], 2), year=2000 + i % 20,
           title=f"topic{i % 200} study{i % 7}")
        for i in range(5000)
    ]  # fmt: skip
    out = assign(mentions, [], cluster_id)
    assert len(out.assignments) == 5000
    for p in out.profiles.values():
        for attr, limit in PROFILE_LIMITS.items():
            assert len(getattr(p, attr)) <= limit
    # co-author teams never overlap between people here, so no cluster mixes two of them
    for p in out.profiles.values():
        teams = Counter(int(k.split()[0].removeprefix("person")) for k in p.coauthors)
        assert len(teams) == 1


def test_cluster_ids_are_name_only_ids_of_the_first_mention() -> None:
    m = _m("openalex:W1#3", "Ke Li")
    assert cluster_id(m).startswith("name:ke li#")
    assert cluster_id(m) == cluster_id(_m("openalex:W1#3", "Ke Li"))
    assert cluster_id(m) != cluster_id(_m("openalex:W2#3", "Ke Li"))


def test_clusters_beat_one_node_per_name_on_labelled_blocks() -> None:
    """The first 12 AMiner-110 blocks of shared/, as the writer's rows, one batch: precision
    stays high and B³ F1 is well above the one-node-per-printed-name rule."""
    labelled = read_mentions(DATA / "author-disambiguation" / "aminer110-half", limit_blocks=12)
    rows, nodes = [], []
    for rec in labelled.records:
        assert isinstance(rec, Paper)
        row = paper_row(rec)
        rows.append(row)
        nodes.append(paper_key(row["ids"], row["title_key"]))
    clusters = MemoryClusters().batch(rows, nodes)
    predicted = []
    for i, m in enumerate(labelled.mentions):
        j = next(j for j, a in enumerate(rows[i]["authors"]) if a["position"] == m.position)
        predicted.append(clusters.node_of[(i, j)])
    ours = blocked_scores(
        (m.block, m.gold, p) for m, p in zip(labelled.mentions, predicted, strict=True)
    ).pooled.bcubed
    by_name = blocked_scores(
        (m.block, m.gold, normalize_name(m.name)) for m in labelled.mentions
    ).pooled.bcubed
    assert ours.precision >= 0.95
    assert ours.f1 > by_name.f1 + 0.1


def test_a_cluster_id_is_an_author_id_a_user_can_type() -> None:
    m = _m("openalex:W1#3", "Ke Li")
    assert parse_author_id(cluster_id(m)).node_id == cluster_id(m)
    assert parse_author_id("name: Ke  Li").node_id == "name:ke li"


# -- the name prior (graph/name_stats.py) -------------------------------------------------------


def _rare_corpus() -> list[dict[str, object]]:
    """Paper rows: one person with a rare full name, papers on one topic with no co-author in
    common (the evidence stays below the threshold), and many common names around."""
    filler = [f"{g} {s}" for g in ("Lei", "Wei", "Yu", "Jun") for s in ("Wang", "Li", "Zhang")]
    topics = ["Sparse matrix computations on hypercubes",
              "Sparse solvers for parallel computers",
              "Sparse graph partitioning heuristics for meshes"]  # fmt: skip
    rows = []
    for i, title in enumerate(topics):
        rows.append({
            "authors": [{"name": "Robert Schreiber", "name_key": "robert schreiber",
                         "position": 1, "ids": {}},
                        {"name": filler[i], "name_key": filler[i].lower(), "position": 2,
                         "ids": {}}],
            "props": {"title": title, "year": 1990 + i},
            "venue": {"name": "SIAM J. Sci. Comput."},
            "categories": [],
        })  # fmt: skip
    return rows


def _filler_stats() -> NameStats:
    """Counts of 60 printed names none of which is Robert or Schreiber."""
    stats = NameStats(min_names=0)
    stats.add_rows([{"authors": [{"name": f"Ann Roe{i}"} for i in range(60)]}], ["filler"])
    return stats


def test_the_name_prior_joins_a_rare_full_name_on_topic_alone() -> None:
    rows = _rare_corpus()
    nodes = [f"paper{i}" for i in range(len(rows))]
    without = MemoryClusters().batch(rows, nodes)
    people = {without.node_of[(i, 0)] for i in range(len(rows))}
    assert len(people) > 1  # venue and words alone stay below the threshold
    store = MemoryClusters(name_stats=_filler_stats())
    out = store.batch(rows, nodes)
    assert len({store.final(out.node_of[(i, 0)]) for i in range(len(rows))}) == 1
    # a common name with the same evidence does not join
    common = NameStats(min_names=0)
    names = [f"Robert Roe{i}" for i in range(30)] + [f"Ann{i} Schreiber" for i in range(30)]
    common.add_rows([{"authors": [{"name": n} for n in names]}], ["filler"])
    store = MemoryClusters(name_stats=common)
    out = store.batch(rows, nodes)
    assert len({store.final(out.node_of[(i, 0)]) for i in range(len(rows))}) > 1


def test_without_name_stats_nothing_changes_and_batches_do_not_matter_with_them() -> None:
    rows = _rare_corpus()
    nodes = [f"paper{i}" for i in range(len(rows))]
    plain = MemoryClusters().batch(rows, nodes)
    assert MemoryClusters(name_stats=None).batch(rows, nodes).node_of == plain.node_of

    def run(cuts: list[int]) -> dict[int, str]:
        store = MemoryClusters(name_stats=_filler_stats())
        landed: dict[int, str] = {}
        for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True):
            out = store.batch(rows[a:b], nodes[a:b])
            landed.update({a + pi: c for (pi, _ai), c in out.node_of.items() if _ai == 0})
        return {i: store.final(c) for i, c in landed.items()}

    assert run([]) == run([1]) == run([1, 2])
    assert len(set(run([]).values())) == 1  # the prior did join them


def test_coauthor_lookups_answer_as_the_pairwise_rule_does() -> None:
    """``coauthor_in`` (lookups, and the profile's initials kept until it changes) says what
    scanning every co-author key with ``coauthor_keys_fit`` says."""
    rng = random.Random(5)

    def key() -> str:
        surname = rng.choice(["wang", "li", "park"])
        given = rng.choice(["", "z", "zhi", "zhang", "d", "dk", "x", "xin"])
        return f"{surname} {given}" if given else surname

    for _ in range(300):
        p = Profile("c", "wang z", coauthors=Counter(key() for _ in range(rng.randrange(6))))
        for _ in range(10):
            k = key()
            assert coauthor_in(k, p) == any(coauthor_keys_fit(k, o) for o in p.coauthors), (k, p)
        m = make_mention("m#1", "Zhi Wang", paper="m", coauthors=["Kim Park"])
        p.add(m)  # the initials follow the profile's change
        assert coauthor_in("park k", p)


def test_a_profile_keeps_its_coauthor_forms_up_to_date_as_mentions_come_past_the_bound() -> None:
    rng = random.Random(5)
    surnames = [f"sur{i}" for i in range(200)]
    profile = Profile("name:ada lovelace", "lovelace a")
    seen: set[str] = set()
    for i in range(150):
        names = [f"{g} {rng.choice(surnames)}" for g in rng.sample(["Ann", "Bo", "Cy", "Di"], 4)]
        assert profile.coauthor_forms is not None  # built, then kept up to date by each add
        m = make_mention(f"p{i}#0", "Ada Lovelace", paper=f"p{i}", coauthors=names)
        profile.add(m)
        seen |= m.coauthors
        fresh = Profile.from_dict(profile.id, profile.block, profile.to_dict())
        assert profile.coauthor_forms == fresh.coauthor_forms, i
    assert len(seen) > PROFILE_LIMITS["coauthors"] >= len(profile.coauthors)  # the bound cut
