"""Clustering quality against gold labels: pairwise and B³ precision, recall and F1.

Pure functions over two parallel label sequences (the gold person and the predicted cluster of
every mention). Both measures are computed from the contingency table of (gold, predicted)
label pairs, so they cost O(n) time and memory, never a loop over mention pairs.

* **Pairwise**: over all unordered pairs of mentions, a pair is predicted together when both sit
  in one predicted cluster and truly together when both have one gold label. Precision = pairs
  both predicted and truly together / pairs predicted together; recall = that / pairs truly
  together. With no predicted pairs precision is 1 (nothing was merged wrongly); with no gold
  pairs recall is 1 (nothing could be split).
* **B³** (Bagga & Baldwin 1998): for each mention, precision = the share of its predicted
  cluster that has its gold label, recall = the share of its gold cluster that is in its
  predicted cluster; both averaged over mentions. Every mention counts once, so a large cluster
  weighs by its size.

F1 is the harmonic mean of precision and recall (0 when both are 0). Precision falls when
different people are merged (an over-merge), recall falls when one person is split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True, slots=True)
class Scores:
    """Both measures for one set of mentions, with its sizes."""

    mentions: int
    gold_clusters: int
    predicted_clusters: int
    pairwise: PRF
    bcubed: PRF

    def as_dict(self) -> dict[str, object]:
        return {
            "mentions": self.mentions,
            "gold_clusters": self.gold_clusters,
            "predicted_clusters": self.predicted_clusters,
            "pairwise": self.pairwise.as_dict(),
            "bcubed": self.bcubed.as_dict(),
        }


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _check(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> None:
    if len(gold) != len(predicted):
        raise ValueError(
            f"gold and predicted labels differ in length ({len(gold)} != {len(predicted)})"
        )
    if not gold:
        raise ValueError("no mentions to score")


def pairwise(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> PRF:
    _check(gold, predicted)
    cells = Counter(zip(gold, predicted, strict=True))
    together = sum(_pairs(n) for n in cells.values())
    predicted_pairs = sum(_pairs(n) for n in Counter(predicted).values())
    gold_pairs = sum(_pairs(n) for n in Counter(gold).values())
    return PRF(
        together / predicted_pairs if predicted_pairs else 1.0,
        together / gold_pairs if gold_pairs else 1.0,
    )


def bcubed(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> PRF:
    _check(gold, predicted)
    cells = Counter(zip(gold, predicted, strict=True))
    gold_size = Counter(gold)
    predicted_size = Counter(predicted)
    # Each of the n mentions in cell (g, p) scores n / |p| precision and n / |g| recall.
    precision = sum(n * n / predicted_size[p] for (_g, p), n in cells.items())
    recall = sum(n * n / gold_size[g] for (g, _p), n in cells.items())
    return PRF(precision / len(gold), recall / len(gold))


def scores(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> Scores:
    return Scores(
        mentions=len(gold),
        gold_clusters=len(set(gold)),
        predicted_clusters=len(set(predicted)),
        pairwise=pairwise(gold, predicted),
        bcubed=bcubed(gold, predicted),
    )


@dataclass(frozen=True, slots=True)
class BlockedScores:
    """Scores pooled over every mention, and per name block."""

    pooled: Scores
    blocks: dict[str, Scores]

    def worst(self, n: int = 10) -> list[tuple[str, Scores]]:
        """The ``n`` blocks with the lowest B³ F1 (ties: more mentions first, then by name)."""
        ranked = sorted(
            self.blocks.items(), key=lambda kv: (kv[1].bcubed.f1, -kv[1].mentions, kv[0])
        )
        return ranked[:n]

    def block_average(self) -> PRF:
        """The unweighted mean over blocks (B³): every block counts once, whatever its size.
        Most blocks hold one person, so this flatters; the pooled figures are the headline."""
        values = list(self.blocks.values())
        return PRF(
            sum(s.bcubed.precision for s in values) / len(values),
            sum(s.bcubed.recall for s in values) / len(values),
        )


def blocked_scores(rows: Iterable[tuple[str, Hashable, Hashable]]) -> BlockedScores:
    """``rows``: (block, gold label, predicted cluster) per mention."""
    gold: list[Hashable] = []
    predicted: list[Hashable] = []
    by_block: dict[str, tuple[list[Hashable], list[Hashable]]] = {}
    for block, g, p in rows:
        gold.append(g)
        predicted.append(p)
        bg, bp = by_block.setdefault(block, ([], []))
        bg.append(g)
        bp.append(p)
    return BlockedScores(
        pooled=scores(gold, predicted),
        blocks={b: scores(g, p) for b, (g, p) in sorted(by_block.items())},
    )
