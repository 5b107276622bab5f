"""Pairwise and B³ scores on small clusterings whose figures are worked out by hand below."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.cluster_metrics import PRF, bcubed, blocked_scores, pairwise, scores


def close(value: float, expected: Fraction | float) -> bool:
    return value == pytest.approx(float(expected), abs=1e-12)


def test_two_cluster_toy() -> None:
    # gold: A = {1..5}, B = {6, 7}; predicted: X = {1..4}, Y = {5, 6, 7}
    gold = ["A"] * 5 + ["B"] * 2
    pred = ["X"] * 4 + ["Y"] * 3
    b3 = bcubed(gold, pred)
    # precision per mention: 1..4 -> 4/4; 5 -> 1/3 (Y holds one A of three); 6, 7 -> 2/3
    assert close(b3.precision, (4 * 1 + Fraction(1, 3) + 2 * Fraction(2, 3)) / 7)  # 17/21
    # recall per mention: 1..4 -> 4/5 of A together; 5 -> 1/5; 6, 7 -> 2/2
    assert close(b3.recall, (4 * Fraction(4, 5) + Fraction(1, 5) + 2) / 7)  # 27/35
    p, r = Fraction(17, 21), Fraction(27, 35)
    assert close(b3.f1, 2 * p * r / (p + r))
    pw = pairwise(gold, pred)
    # pairs together in both: C(4,2) in A∩X + C(2,2) in B∩Y = 6 + 1 = 7;
    # predicted pairs C(4,2) + C(3,2) = 9; gold pairs C(5,2) + C(2,2) = 11
    assert close(pw.precision, Fraction(7, 9))
    assert close(pw.recall, Fraction(7, 11))


def test_one_node_per_block_has_full_recall() -> None:
    # two people fused under one printed name (what name-string merging does)
    gold, pred = ["a", "a", "b"], ["n", "n", "n"]
    b3 = bcubed(gold, pred)
    assert close(b3.precision, Fraction(2 + 2 + 1, 3 * 3))  # 2/3, 2/3, 1/3 -> 5/9
    assert b3.recall == 1.0
    pw = pairwise(gold, pred)
    assert close(pw.precision, Fraction(1, 3)) and pw.recall == 1.0  # 1 true pair of 3


def test_all_singletons_have_full_precision() -> None:
    gold, pred = ["a", "a", "b"], [1, 2, 3]
    b3 = bcubed(gold, pred)
    assert b3.precision == 1.0
    assert close(b3.recall, Fraction(1, 2) / 3 * 2 + Fraction(1, 3))  # 1/2, 1/2, 1 -> 2/3
    pw = pairwise(gold, pred)
    assert pw.precision == 1.0  # no pair predicted: nothing merged wrongly
    assert pw.recall == 0.0 and pw.f1 == 0.0


def test_perfect_and_relabelled() -> None:
    gold = ["p", "p", "q", "r", "r", "r"]
    pred = [7, 7, 3, 9, 9, 9]  # same partition, other names
    s = scores(gold, pred)
    assert s.pairwise == PRF(1.0, 1.0) and s.bcubed == PRF(1.0, 1.0)
    assert (s.mentions, s.gold_clusters, s.predicted_clusters) == (6, 3, 3)


def test_f1_is_the_harmonic_mean() -> None:
    assert close(PRF(0.5, 1.0).f1, Fraction(2, 3))
    assert PRF(0.0, 0.0).f1 == 0.0


def test_blocks_pooled_and_worst() -> None:
    rows = [
        ("Ke Li", "Ke Li::1", "name:ke li"),
        ("Ke Li", "Ke Li::1", "name:ke li"),
        ("Ke Li", "Ke Li::2", "name:ke li"),
        ("Ke Li", "Ke Li::2", "name:ke li"),
        ("Hao Yu", "Hao Yu::1", "name:hao yu"),
        ("Hao Yu", "Hao Yu::1", "name:h yu"),
        ("Bo An", "Bo An::1", "name:bo an"),
    ]
    s = blocked_scores(rows)
    assert s.pooled == scores([g for _, g, _ in rows], [p for _, _, p in rows])
    ke, hao, bo = s.blocks["Ke Li"], s.blocks["Hao Yu"], s.blocks["Bo An"]
    assert ke.bcubed == PRF(0.5, 1.0)  # two people of two mentions each in one node
    assert hao.bcubed == PRF(1.0, 0.5)  # one person split over two printed forms
    assert bo.bcubed == PRF(1.0, 1.0)
    # equal F1 (2/3): the block with more mentions is listed first
    assert [b for b, _ in s.worst(2)] == ["Ke Li", "Hao Yu"]
    assert close(s.block_average().precision, Fraction(5, 6))  # (0.5 + 1 + 1) / 3
    # pooled: Ke Li's four mentions score 1/2 each, the other three score 1
    assert close(s.pooled.bcubed.precision, (4 * Fraction(1, 2) + 3) / 7)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        bcubed(["a"], [1, 2])
    with pytest.raises(ValueError, match="no mentions"):
        pairwise([], [])


labels = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=40)


@given(labels)
def test_swapping_gold_and_predicted_swaps_precision_recall(
    pairs: list[tuple[int, int]],
) -> None:
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    for measure in (pairwise, bcubed):
        forward, backward = measure(gold, pred), measure(pred, gold)
        assert close(forward.precision, backward.recall)
        assert close(forward.recall, backward.precision)
        assert 0.0 <= forward.precision <= 1.0 and 0.0 <= forward.recall <= 1.0


@given(labels)
def test_precision_is_one_exactly_when_every_cluster_is_pure(pairs: list[tuple[int, int]]) -> None:
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    pure = all(len({g for g, p in pairs if p == q}) == 1 for q in set(pred))
    assert (bcubed(gold, pred).precision == pytest.approx(1.0)) == pure
