"""Author clustering measured offline: the pure rule of ``graph.author_clustering`` on the
labelled sets, without a database (fast iteration; the end-to-end figures come from
``bench.bench_identity``).

    .venv/bin/python -m bench.identity_offline [--shuffle SEED ...] [--by-year] [--weights k=v ...]
        [--out F]
        [--prior [--prior-whole]]

Each labelled mention's paper becomes the same record the ``load`` path writes
(``loaders.labelled``), then the writer's row (``loaders.writer.paper_row``); its name-only
authorships are clustered by ``MemoryClusters`` batch by batch (1,000 records), as the
writers do. Prints pairwise and B³ per set, pooled, and for the two halves of the blocks (split
by a hash of the block name: a held-out check of any tuning); ``--shuffle`` loads the records
in shuffled orders (``--by-year``: block by block, oldest first) and compares the clusterings
with the file-order one. ``--prior`` adds the
name-ambiguity prior (``graph.name_stats``): the counts are built from the records as the
writers build them (record by record, each mention judged with the counts of the records up to
its own), and the figures are printed without the prior, then with it; ``--prior-whole`` builds
the counts from the whole set up front instead (what a bulk import could do with a first pass).
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields, replace
from itertools import combinations
from typing import Any

import orjson

from bench.common import DATA, RESULTS
from graph.author_clustering import (
    DEFAULT_WEIGHTS,
    MemoryClusters,
    Profile,
    Weights,
    mention_id,
    profile_score,
    profiles_fit,
)
from graph.cluster_metrics import Scores, blocked_scores, scores
from graph.identity import paper_key
from graph.name_stats import MIN_NAMES, NameStats
from loaders.labelled import LabelledSet, read_mentions
from loaders.records import Paper
from loaders.writer import paper_row

LABELLED = ("aminer110-half", "qian-dblp")
BATCH = 1000


def half(block: str) -> int:
    return hashlib.sha1(block.encode()).digest()[0] & 1


def _row_node(rec: Any) -> tuple[dict[str, Any], str]:
    assert isinstance(rec, Paper)
    row = paper_row(rec)
    return row, paper_key(row["ids"], row["title_key"])


def cluster_set(
    s: LabelledSet,
    w: Weights,
    order: Sequence[int] | None = None,
    prior: str | None = None,
    min_names: int = MIN_NAMES,
) -> list[str]:
    """Predicted cluster per labelled mention of ``s`` (records in ``order``, batch by batch,
    through ``MemoryClusters``: what the writers do, without the database). ``prior``: None (no
    name prior), ``"prefix"`` (counts built record by record, as the writers do) or ``"whole"``
    (counts of the whole set first)."""
    return clustered(s, w, order, prior, min_names)[0]


def clustered(
    s: LabelledSet,
    w: Weights,
    order: Sequence[int] | None = None,
    prior: str | None = None,
    min_names: int = MIN_NAMES,
) -> tuple[list[str], MemoryClusters]:
    """:func:`cluster_set`, and the clusters' store (their final profiles)."""
    idx = list(order) if order is not None else list(range(len(s.records)))
    stats = None
    if prior is not None:
        stats = NameStats(min_names=min_names)
        if prior == "whole":
            for i in idx:
                stats.add_row(*_row_node(s.records[i]))
            stats.fixed = True  # counted once up front; the batches add nothing
    store = MemoryClusters(w, name_stats=stats)
    landed: dict[str, str] = {}
    for start in range(0, len(idx), BATCH):
        rows, nodes = [], []
        for i in idx[start : start + BATCH]:
            rec = s.records[i]
            assert isinstance(rec, Paper)
            row = paper_row(rec)
            rows.append(row)
            nodes.append(paper_key(row["ids"], row["title_key"]))
        decided = {}
        for pi, (row, node) in enumerate(zip(rows, nodes, strict=True)):
            for ai, a in enumerate(row["authors"]):
                mid = mention_id(node, a["position"], a["name_key"])
                if mid in landed:  # the same paper written again (a re-run finds its own)
                    decided[(pi, ai)] = landed[mid]
        out = store.batch(rows, nodes, decided)
        for (pi, ai), cluster in out.node_of.items():
            a = rows[pi]["authors"][ai]
            landed.setdefault(mention_id(nodes[pi], a["position"], a["name_key"]), cluster)
    wanted = []
    for rec, m in zip(s.records, s.mentions, strict=True):
        assert isinstance(rec, Paper)
        node = paper_key(rec.ids.strong(), rec.ids.title_key)
        mid = f"{node}#{m.position}"
        wanted.append(store.final(landed[mid]) if mid in landed else f"missing:{mid}")
    return wanted, store


CEILING_AT = (0.01, 1.0, 2.0, 3.0)  # profile evidence between two clusters left apart


def ceiling(
    sets: list[LabelledSet], w: Weights, prior: str | None, min_names: int = MIN_NAMES
) -> dict[str, Any]:
    """What the clustering leaves apart, and whether the evidence could join it. The pairs:
    every two predicted clusters of one block holding labelled mentions whose names fit, with
    their profile evidence (:func:`profile_score`); a pair is one person when both clusters'
    majority gold person is the same. For each evidence level, pooled B³ after joining every
    pair at or above it (what a merge pass at that level would do), after joining only the
    pairs that are one person (an oracle: the recall the evidence could reach if it could tell
    them apart), and how many of the pairs at or above it are one person."""
    gold: list[str] = []
    predicted: list[str] = []
    pairs: list[tuple[str, str, float, bool]] = []
    for s in sets:
        pred, store = clustered(s, w, None, prior, min_names)
        gold += [f"{s.name}/{m.gold}" for m in s.mentions]
        predicted += [f"{s.name}/{p}" for p in pred]
        votes: dict[str, Counter[str]] = {}
        for m, p in zip(s.mentions, pred, strict=True):
            votes.setdefault(p, Counter())[m.gold] += 1
        person = {p: c.most_common(1)[0][0] for p, c in votes.items()}
        by_block: dict[str, list[Profile]] = {}
        for p in sorted(votes):
            if p in store.profiles:
                by_block.setdefault(store.profiles[p].block, []).append(store.profiles[p])
        for profiles in by_block.values():
            for a, b in combinations(profiles, 2):
                if profiles_fit(a, b):
                    same = person[a.id] == person[b.id]
                    pairs.append((f"{s.name}/{a.id}", f"{s.name}/{b.id}", profile_score(a, b, w),
                                  same))  # fmt: skip
    out: dict[str, Any] = {
        "as_clustered": scores(gold, predicted).bcubed.as_dict(),
        "pairs_left_apart": len(pairs),
        "one_person": sum(same for *_, same in pairs),
        "at_evidence": [],
    }
    for level in CEILING_AT:
        above = [(a, b, same) for a, b, sc, same in pairs if sc >= level]
        joined = {
            who: scores(gold, _joined(predicted, [(a, b) for a, b, same in above if keep(same)]))
            for who, keep in (("any", lambda _s: True), ("oracle", bool))
        }
        out["at_evidence"].append({
            "level": level,
            "pairs": len(above),
            "one_person": sum(same for *_, same in above),
            "join_all_bcubed": joined["any"].bcubed.as_dict(),
            "join_one_person_only_bcubed": joined["oracle"].bcubed.as_dict(),
        })  # fmt: skip
    return out


def _joined(predicted: list[str], pairs: list[tuple[str, str]]) -> list[str]:
    """``predicted`` with each pair's two clusters made one (transitively)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x] = parent.get(parent[x], parent[x])
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(p) for p in predicted]


def report(name: str, s: Scores) -> str:
    pw, b3 = s.pairwise, s.bcubed
    return (
        f"{name:28s} n={s.mentions:5d} gold={s.gold_clusters:5d} pred={s.predicted_clusters:5d}"
        f"  pw P/R/F1 {pw.precision:.3f}/{pw.recall:.3f}/{pw.f1:.3f}"
        f"  B3 P/R/F1 {b3.precision:.3f}/{b3.recall:.3f}/{b3.f1:.3f}"
    )


def record_order(s: LabelledSet, seed: int | str | None) -> list[int] | None:
    """The order the records of ``s`` are loaded in: the file's (None), shuffled by an integer
    seed, or ``"year"``: block by block, oldest first (a graph grows with the years; the files
    may list a name's papers person by person, as Qian-DBLP does)."""
    if seed is None:
        return None
    order = list(range(len(s.records)))
    if seed == "year":
        return sorted(order, key=lambda i: (s.mentions[i].block, s.records[i].year or 0, i))
    random.Random(seed).shuffle(order)
    return order


def evaluate(
    sets: list[LabelledSet],
    w: Weights,
    seed: int | str | None = None,
    verbose: bool = True,
    prior: str | None = None,
    min_names: int = MIN_NAMES,
) -> dict[str, Any]:
    rows: list[tuple[str, str, str, str]] = []  # set, block, gold, predicted
    for s in sets:
        pred = cluster_set(s, w, record_order(s, seed), prior, min_names)
        rows += [(s.name, m.block, m.gold, p) for m, p in zip(s.mentions, pred, strict=True)]
    out: dict[str, Any] = {"rows": rows}
    groups: dict[str, list[tuple[str, str, str, str]]] = {"pooled": rows}
    for s in sets:
        groups[s.name] = [r for r in rows if r[0] == s.name]
    for h in (0, 1):
        groups[f"pooled half {h}"] = [r for r in rows if half(r[1]) == h]
    for name, rs in groups.items():
        sc = scores([f"{r[0]}/{r[2]}" for r in rs], [f"{r[0]}/{r[3]}" for r in rs])
        out[name] = sc
        if verbose:
            print(report(name, sc))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shuffle", type=int, nargs="*", default=[])
    parser.add_argument("--by-year", action="store_true", help="also in year order per block")
    parser.add_argument("--weights", nargs="*", default=[], help="field=value overrides")
    parser.add_argument("--worst", type=int, default=0)
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    parser.add_argument("--prior", action="store_true", help="also with the name prior")
    parser.add_argument("--prior-whole", action="store_true", help="prior counts of the whole set")
    parser.add_argument("--prior-min-names", type=int, default=MIN_NAMES)
    parser.add_argument(
        "--ceiling", action="store_true", help="what is left apart, and what joining it would do"
    )
    args = parser.parse_args()
    prior = ("whole" if args.prior_whole else "prefix") if args.prior else None
    w = DEFAULT_WEIGHTS
    types = {f.name: f.type for f in fields(Weights)}
    for kv in args.weights:
        k, _, v = kv.partition("=")
        conv: Any = {"int": int, "bool": lambda x: x == "1"}.get(str(types[k]), float)
        w = replace(w, **{k: conv(v)})
    sets = [read_mentions(DATA / "author-disambiguation" / n) for n in LABELLED]
    print("weights", w)
    if prior is not None:
        print("-- without the name prior")
        without = evaluate(sets, w)
        print(f"-- with the name prior ({prior} counts)")
    base = evaluate(sets, w, prior=prior, min_names=args.prior_min_names)
    if args.worst:
        for s in sets:
            bs = blocked_scores([(r[1], r[2], r[3]) for r in base["rows"] if r[0] == s.name])
            for b, sc in bs.worst(args.worst):
                print("  ", s.name, report(b, sc))
    result: dict[str, Any] = {
        "weights": {f.name: getattr(w, f.name) for f in fields(Weights)},
        **{k: v.as_dict() for k, v in base.items() if isinstance(v, Scores)},
    }
    if prior is not None:
        result["name_prior"] = {"counts": prior, "min_names": args.prior_min_names}
        result["without_name_prior"] = {
            k: v.as_dict() for k, v in without.items() if isinstance(v, Scores)
        }
    shuffles = []
    for seed in [*args.shuffle, *(["year"] if args.by_year else [])]:
        label = "oldest first, block by block" if seed == "year" else f"shuffled, seed {seed}"
        print(f"-- record order: {label}")
        other = evaluate(sets, w, seed, prior=prior, min_names=args.prior_min_names)
        pairs = [(a[3], b[3]) for a, b in zip(base["rows"], other["rows"], strict=True)]
        agree = blocked_scores([("all", a, b) for a, b in pairs]).pooled.bcubed
        print(f"   agreement with file order (B3 of one clustering against the other): "
              f"{agree.precision:.3f}/{agree.recall:.3f}/{agree.f1:.3f}")  # fmt: skip
        shuffles.append({
            "seed": seed,
            **{k: v.as_dict() for k, v in other.items() if isinstance(v, Scores)},
            "agreement_with_file_order_bcubed": agree.as_dict(),
        })  # fmt: skip
    if shuffles:
        result["shuffled"] = shuffles
    if args.ceiling:
        result["left_apart"] = left = ceiling(sets, w, prior, args.prior_min_names)
        print(f"-- left apart: {left['pairs_left_apart']} pairs of clusters whose names fit, "
              f"{left['one_person']} of them one person")  # fmt: skip
        for row in left["at_evidence"]:
            a, o = row["join_all_bcubed"], row["join_one_person_only_bcubed"]
            print(f"   evidence >= {row['level']}: {row['pairs']} pairs, {row['one_person']} one "
                  f"person; joining all B3 {a['precision']:.3f}/{a['recall']:.3f}/{a['f1']:.3f}, "
                  f"only those {o['precision']:.3f}/{o['recall']:.3f}/{o['f1']:.3f}")  # fmt: skip
    if args.out:
        path = RESULTS / args.out
        path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
