"""The offline measure of what the clustering leaves apart (``bench.identity_offline
--ceiling``), on real labelled blocks."""

from __future__ import annotations

from bench.common import DATA
from bench.identity_offline import _joined, ceiling
from graph.author_clustering import DEFAULT_WEIGHTS
from loaders.labelled import read_mentions


def test_joined_is_transitive_and_keeps_the_rest() -> None:
    out = _joined(["a", "b", "c", "d", "a"], [("c", "b"), ("b", "a")])
    assert out[0] == out[1] == out[2] == out[4] and out[3] == "d"


def test_the_left_apart_pairs_on_real_blocks() -> None:
    s = read_mentions(DATA / "author-disambiguation" / "qian-dblp", limit_blocks=25)
    left = ceiling([s], DEFAULT_WEIGHTS, prior=None)
    assert 0 < left["one_person"] < left["pairs_left_apart"]
    rows = left["at_evidence"]
    assert [r["level"] for r in rows] == sorted(r["level"] for r in rows)
    clustered = left["as_clustered"]
    for lower, higher in zip(rows, rows[1:], strict=False):
        assert lower["pairs"] >= higher["pairs"] and lower["one_person"] >= higher["one_person"]
    for r in rows:
        oracle, every = r["join_one_person_only_bcubed"], r["join_all_bcubed"]
        # joining clusters never loses recall, and the oracle joins a subset of the pairs
        assert oracle["recall"] >= clustered["recall"] and every["recall"] >= oracle["recall"]
    assert rows[0]["join_one_person_only_bcubed"]["recall"] > clustered["recall"]
