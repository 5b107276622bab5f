"""Text novelty as a pure function (graph/analytics/novelty.py): expected values worked out by
hand from the definition, never copied from the code's output."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graph.analytics.novelty import (
    author_means,
    novelty_scores,
    order_key,
    spearman,
    tfidf,
    tokens,
)

Y = [(1991, 1, 0), (1992, 1, 0), (1993, 1, 0), (1994, 1, 0)]


def test_identical_to_an_earlier_paper_is_zero() -> None:
    texts = [
        "Gauge anomalies in string compactifications",
        "gauge ANOMALIES in string compactifications",
    ]
    values = novelty_scores(texts, Y[:2], ["hep-th", "hep-th"])
    assert math.isnan(values[0])  # the first paper of its category has nothing earlier
    assert values[1] == pytest.approx(0.0, abs=1e-12)


def test_no_shared_word_is_one() -> None:
    texts = ["Gauge anomalies in strings", "Protein folding kinetics"]
    values = novelty_scores(texts, Y[:2], ["hep-th", "hep-th"])
    assert values[1] == pytest.approx(1.0)


def test_later_and_same_date_papers_are_never_used() -> None:
    # paper 0 is the only one of 1991; its twin is dated 1993 and a same-date twin is 1991 too
    texts = ["black hole entropy", "black hole entropy", "black hole entropy"]
    keys = [(1993, 5, 0), (1993, 5, 0), (1995, 1, 0)]
    values = novelty_scores(texts, keys, ["hep-th"] * 3)
    assert math.isnan(values[0]) and math.isnan(values[1])  # same date: not earlier
    assert values[2] == pytest.approx(0.0, abs=1e-12)
    # the earliest paper never sees the identical later one
    values = novelty_scores(
        ["black hole entropy", "black hole entropy", "quark mass"],
        [(1995, 1, 0), (1990, 1, 0), (1989, 1, 0)],
        ["hep-th"] * 3,
    )
    assert math.isnan(values[2])
    assert values[1] == pytest.approx(1.0)  # only the 1989 quark paper is earlier
    assert values[0] == pytest.approx(0.0, abs=1e-12)


def test_other_categories_and_textless_papers_are_not_compared() -> None:
    texts = ["black hole entropy", "black hole entropy", None, "black hole"]
    values = novelty_scores(texts, Y, ["gr-qc", "hep-th", "hep-th", None])
    assert math.isnan(values[0]) and math.isnan(values[1])  # alone in its category
    assert math.isnan(values[2]) and math.isnan(values[3])  # no text / no category


def test_partial_overlap_by_hand() -> None:
    # docs: d0 = {alpha, beta}, d1 = {alpha, gamma}; N = 2 documents
    # idf(alpha) = ln(3/3) + 1 = 1, idf(beta) = idf(gamma) = ln(3/2) + 1
    # cos(d0, d1) = 1 / (1 + (ln 1.5 + 1)^2)
    texts = ["alpha beta", "alpha gamma"]
    values = novelty_scores(texts, Y[:2], ["x", "x"])
    b = math.log(1.5) + 1
    assert values[1] == pytest.approx(1 - 1 / (1 + b * b))


def test_max_over_earlier_papers() -> None:
    # paper 2 repeats paper 1 exactly and shares nothing with paper 0: the max decides
    texts = ["lattice qcd", "neutrino oscillation", "neutrino oscillation"]
    values = novelty_scores(texts, Y[:3], ["x"] * 3)
    assert values[1] == pytest.approx(1.0)
    assert values[2] == pytest.approx(0.0, abs=1e-12)


def test_tfidf_rows_are_unit_vectors() -> None:
    indptr, _, data = tfidf([tokens("the string string theory"), [], tokens("branes")])
    norms = [float(np.sum(data[indptr[i] : indptr[i + 1]] ** 2)) for i in range(3)]
    assert norms[0] == pytest.approx(1.0) and norms[1] == 0.0 and norms[2] == pytest.approx(1.0)


def test_tokens_drop_stop_words_and_latex() -> None:
    # "2d" starts with a digit: not a word token; \alpha is a LaTeX command
    assert tokens(r"The $\alpha$-expansion of a 2D model") == ["expansion", "model"]


def test_order_key() -> None:
    assert order_key("1994-07", 1994) == (1994, 7, 0)
    assert order_key("1994-07-03", None) == (1994, 7, 3)
    assert order_key(None, 1994) == (1994, 0, 0)
    assert order_key(None, None) is None


def test_author_means() -> None:
    names, means, counts = author_means(
        ["a", "a", "b", "a"], ["p1", "p2", "p2", "p1"], {"p1": 0.2, "p2": 0.6}
    )
    assert names == ["a", "b"]
    assert means.tolist() == pytest.approx([0.4, 0.6])
    assert counts.tolist() == [2, 1]


def test_spearman() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert spearman(x, x * 10) == pytest.approx(1.0)
    assert spearman(x, -x) == pytest.approx(-1.0)
    # ranks (1,2,3,4) vs (1,3,2,4): 1 - 6*2/(4*15) = 0.8
    assert spearman(x, np.array([1.0, 3.0, 2.0, 4.0])) == pytest.approx(0.8)
    assert spearman(x, np.ones(4)) is None
