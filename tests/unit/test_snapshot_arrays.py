"""The snapshot's array building (``graph.snapshot.build_snapshot``, pure numpy) against plain
Python definitions, on a random graph with the awkward parts a real export has: repeated
citation and authorship rows, internal node numbers dense or scattered, papers without a year,
a category hierarchy with a cycle."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from graph import snapshot
from graph.snapshot import NO_YEAR, build_snapshot

FINGERPRINT = (0,) * 9


def _columns(rng: random.Random, scattered: bool) -> dict[str, list]:  # type: ignore[type-arg]
    n_papers, n_authors = 300, 120
    keys = rng.sample(range(10**9 if scattered else 2 * (n_papers + n_authors + 10)),
                      n_papers + n_authors + 10)  # fmt: skip
    paper_keys, author_keys, cat_keys = keys[:n_papers], keys[n_papers:-10], keys[-10:]
    cites = [(rng.choice(paper_keys), rng.choice(paper_keys)) for _ in range(2500)]
    cites += cites[:200]  # the same citation twice (a source listing a reference twice)
    hub = paper_keys[0]
    cites += [(p, hub) for p in paper_keys[1:200]]
    authored = [(rng.choice(author_keys), rng.choice(paper_keys)) for _ in range(900)]
    in_cat = [(rng.choice(paper_keys), rng.choice(cat_keys)) for _ in range(400)]
    sub = [(cat_keys[i], cat_keys[i // 2]) for i in range(1, 10)] + [(cat_keys[0], cat_keys[3])]
    return {
        "paper_keys": paper_keys,
        "paper_ids": [f"p{rng.randrange(10**6):06d}-{i}" for i in range(n_papers)],
        "paper_years": [rng.choice([NO_YEAR, 1990, 2000, 2010]) for _ in range(n_papers)],
        "cite_src": [a for a, _ in cites],
        "cite_dst": [b for _, b in cites],
        "author_keys": author_keys,
        "author_ids": [f"a{i:04d}" for i in range(n_authors)],
        "auth_author": [a for a, _ in authored],
        "auth_paper": [p for _, p in authored],
        "cat_keys": cat_keys,
        "cat_ids": [f"c{i}" for i in range(10)],
        "in_paper": [p for p, _ in in_cat],
        "in_cat": [c for _, c in in_cat],
        "sub_child": [c for c, _ in sub],
        "sub_parent": [p for _, p in sub],
    }


def _similar(cols: dict[str, list], paper: str, first: int) -> list[tuple[str, int, int, int]]:  # type: ignore[type-arg]
    """The definition: co-citation = distinct papers citing both, coupling = distinct
    references in common, best first by their sum, then id."""
    id_of = dict(zip(cols["paper_keys"], cols["paper_ids"], strict=True))
    refs, citers = defaultdict(set), defaultdict(set)
    for a, b in zip(cols["cite_src"], cols["cite_dst"], strict=True):
        refs[id_of[a]].add(id_of[b])
        citers[id_of[b]].add(id_of[a])
    rows = []
    for other in id_of.values():
        if other == paper:
            continue
        co = len(citers[paper] & citers[other])
        cp = len(refs[paper] & refs[other])
        if co + cp:
            rows.append((other, co + cp, co, cp))
    return sorted(rows, key=lambda r: (-r[1], r[0]))[:first]


@pytest.mark.parametrize("scattered", [False, True])
@pytest.mark.parametrize("counting", ["dense", "sorted"])
def test_arrays_match_the_definitions(
    scattered: bool, counting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # similar papers count with per-paper counters or by sorting what was reached: both paths
    monkeypatch.setattr(snapshot, "SPARSE_REACH", 0 if counting == "dense" else 10**9)
    rng = random.Random(5 + scattered)
    cols = _columns(rng, scattered)
    snap = build_snapshot(FINGERPRINT, cols)
    id_of = dict(zip(cols["paper_keys"], cols["paper_ids"], strict=True))
    assert snap.paper_ids == sorted(id_of.values())
    pairs = sorted(
        (snap.paper_number(id_of[a]), snap.paper_number(id_of[b]))
        for a, b in zip(cols["cite_src"], cols["cite_dst"], strict=True)
    )
    assert list(zip(snap.src.tolist(), snap.dst.tolist(), strict=True)) == pairs
    for paper in [id_of[cols["paper_keys"][0]], *rng.sample(sorted(id_of.values()), 40)]:
        v = snap.paper_number(paper)
        assert v is not None
        got = [(snap.paper_ids[p], s, co, cp) for p, s, co, cp in snap.similar(v, 12)]
        assert got == _similar(cols, paper, 12), paper
    years = dict(zip(cols["paper_ids"], cols["paper_years"], strict=True))
    assert [int(y) for y in snap.year] == [years[p] for p in snap.paper_ids]


def test_a_row_naming_a_node_outside_the_export_is_refused() -> None:
    for scattered in (False, True):
        cols = _columns(random.Random(9), scattered)
        cols["cite_dst"][7] = max(cols["paper_keys"] + cols["author_keys"] + cols["cat_keys"]) + 1
        with pytest.raises(ValueError, match="outside the export"):
            build_snapshot(FINGERPRINT, cols)
