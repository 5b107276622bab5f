"""S2AND (Semantic Scholar's author disambiguation) on the project's labelled mentions.

    bench/s2and/.venv/bin/python bench/s2and/run_s2and.py [--mentions PATH] [--out PATH]
    (or: make bench-s2and — installs the venv, exports the mentions, runs this)

Runs in S2AND's OWN venv (bench/s2and/setup.sh; S2AND pins numpy<2 and pandas<2.2, so it cannot
share the project's environment). It imports nothing from the project except
``graph.cluster_metrics`` (stdlib only), the scorer the project's identity evaluation uses.

Input: the mentions exactly as ``loaders.labelled.read_mentions`` reads them, exported by
``bench/s2and/export_mentions.py`` (project venv) — same ids, gold labels, name blocks and
author lists (the Qian-DBLP focal author put back first, as the project does).

S2AND's inputs per set: one paper per mention (title, venue, year, the author list with
positions, whether it has an abstract), one signature per mention (the focal author's name
split into first/middle/last/suffix, its position, its affiliation where the set has one, the
project's block as the S2 block). The packaged production model (bundle v1.21, LightGBM) runs
offline: ``load_name_counts=False`` (the name-count tables are downloaded from S3),
``S2AND_SKIP_FASTTEXT=1`` (the fastText language model too), ``S2AND_BACKEND=python`` (the Rust
backend wants Arrow artifacts). No SPECTER embeddings (S2 computes them; none here).

For each set: one ``Clusterer.predict`` at the model's default eps (timed end to end, the
headline time), then the distance matrices once and a re-clustering at each eps of a small grid.
Scores: pairwise and B³ P/R/F1, per set and pooled (the sets' blocks are disjoint). The best
eps is picked on these same labelled sets, so it is an optimistic figure, not a held-out one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

# Offline settings: must be set before s2and is imported.
os.environ.setdefault("S2AND_SKIP_FASTTEXT", "1")
os.environ.setdefault("S2AND_BACKEND", "python")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TQDM_DISABLE", "1")  # s2and's progress bars

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from s2and.data import ANDData  # noqa: E402
from s2and.production_model import DEFAULT_PRODUCTION_MODEL_DIR, load_production_model  # noqa: E402

from graph.cluster_metrics import BlockedScores, blocked_scores  # noqa: E402  (stdlib only)

MENTIONS = ROOT / "bench" / "s2and" / "work" / "identity-mentions.json"
OUT = ROOT / "bench" / "results" / "identity-s2and.json"
GRID = tuple(round(0.1 + 0.05 * i, 2) for i in range(13))  # 0.10 … 0.70
SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v"}


def split_name(name: str) -> tuple[str, str, str, str | None]:
    """(first, middle, last, suffix) of a printed "First Middle Last [Jr.]" name."""
    parts = name.replace(",", " ").split()
    suffix = None
    if len(parts) > 2 and parts[-1].rstrip(".").lower() in SUFFIXES:
        suffix = parts.pop()
    if not parts:
        return "", "", name, suffix
    if len(parts) == 1:
        return "", "", parts[0], suffix
    return parts[0], " ".join(parts[1:-1]), parts[-1], suffix


def s2and_inputs(set_name: str, mentions: list[dict], venue_fields: str) -> tuple[dict, dict]:
    papers: dict[str, dict] = {}
    signatures: dict[str, dict] = {}
    for i, m in enumerate(mentions):
        p = m["paper"]
        pid = i  # one paper per mention: the same paper in two blocks is two signatures' papers
        venue = p["venue"]
        papers[str(pid)] = {
            "paper_id": pid,
            "title": p["title"],
            "abstract": p["abstract"] or "",
            "venue": venue,
            "journal_name": venue if venue_fields == "both" else None,
            "year": p["year"],
            "references": [],
            # S2 positions are 0-based; the project's are 1-based (gaps kept)
            "authors": [
                {"author_name": a["name"], "position": a["position"] - 1} for a in p["authors"]
            ],
        }
        first, middle, last, suffix = split_name(m["name"])
        focal = next(a for a in p["authors"] if a["position"] == m["position"])
        signatures[m["id"]] = {
            "signature_id": m["id"],
            "paper_id": pid,
            "author_info": {
                "first": first,
                "middle": middle,
                "last": last,
                "suffix": suffix,
                "affiliations": [focal["affiliation"]] if focal["affiliation"] else [],
                "email": None,
                "position": m["position"] - 1,
                "block": f"{set_name}/{m['block']}",
            },
        }
    return signatures, papers


def score(mentions_by_set: dict[str, list[dict]], predicted: dict[str, dict[str, str]]) -> dict:
    rows_all = []
    out: dict[str, dict] = {}
    for set_name, mentions in mentions_by_set.items():
        rows = [(m["block"], m["gold"], predicted[set_name][m["id"]]) for m in mentions]
        out[set_name] = summary(blocked_scores(rows))
        rows_all += [(f"{set_name}/{b}", g, f"{set_name}/{p}") for b, g, p in rows]
    out["pooled"] = summary(blocked_scores(rows_all))
    return out


def half(block: str) -> int:
    """The project's held-out split (bench/identity_offline.py): a hash of the block name."""
    return hashlib.sha1(block.encode()).digest()[0] & 1


def score_half(mentions_by_set: dict[str, list[dict]], predicted: dict[str, dict[str, str]],
               h: int) -> dict:  # fmt: skip
    rows = [
        (f"{set_name}/{m['block']}", m["gold"], f"{set_name}/{predicted[set_name][m['id']]}")
        for set_name, mentions in mentions_by_set.items()
        for m in mentions
        if half(m["block"]) == h
    ]
    return summary(blocked_scores(rows))


def summary(s: BlockedScores) -> dict:
    d = s.pooled.as_dict()
    avg = s.block_average()
    d["blocks"] = len(s.blocks)
    d["block_average_bcubed"] = {
        "precision": round(avg.precision, 4),
        "recall": round(avg.recall, 4),
        "f1": round(avg.f1, 4),
    }
    return d


def labels(clusters: dict[str, list[str]]) -> dict[str, str]:
    return {sig: key for key, sigs in clusters.items() for sig in sigs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=Path, default=MENTIONS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--venue-fields",
        choices=("both", "venue"),
        default="both",
        help="the set's one venue string as S2's venue and journal_name, or as venue only",
    )
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    exported = json.loads(args.mentions.read_text(encoding="utf-8"))
    mentions_by_set = {name: s["mentions"] for name, s in exported["sets"].items()}

    t_load = time.perf_counter()
    clusterer = load_production_model()
    load_seconds = time.perf_counter() - t_load
    default_eps = float(clusterer.cluster_model.eps)
    bundle_eps = None
    try:
        cfg = json.loads((Path(DEFAULT_PRODUCTION_MODEL_DIR) / "clusterer.json").read_text())
        bundle_eps = float(cfg["cluster_model"]["eps"])
    except (OSError, KeyError, ValueError):
        pass
    grid = sorted({*GRID, default_eps, *([bundle_eps] if bundle_eps else [])})

    default_pred: dict[str, dict[str, str]] = {}
    grid_pred: dict[float, dict[str, dict[str, str]]] = {eps: {} for eps in grid}
    timing: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for set_name, mentions in mentions_by_set.items():
        signatures, papers = s2and_inputs(set_name, mentions, args.venue_fields)
        t0 = time.perf_counter()
        dataset = ANDData(
            signatures=signatures,
            papers=papers,
            name=set_name,
            mode="inference",
            load_name_counts=False,
            n_jobs=args.n_jobs,
        )
        t1 = time.perf_counter()
        block_dict = dataset.get_blocks()
        pairs = sum(len(v) * (len(v) - 1) // 2 for v in block_dict.values())
        clusters, _ = clusterer.predict(block_dict, dataset)
        t2 = time.perf_counter()
        default_pred[set_name] = labels(clusters)
        dists = clusterer.make_distance_matrices(block_dict, dataset, disable_tqdm=True)
        t3 = time.perf_counter()
        for eps in grid:
            clusters, _ = clusterer.predict(
                block_dict, dataset, dists=dists, cluster_model_params={"eps": eps}
            )
            grid_pred[eps][set_name] = labels(clusters)
        t4 = time.perf_counter()
        timing[set_name] = {
            "dataset_build": round(t1 - t0, 1),
            "predict_default_eps": round(t2 - t1, 1),
            "seconds": round(t2 - t0, 1),  # build + one predict: what a user would run
            "distance_matrices_for_grid": round(t3 - t2, 1),
            "grid_clustering": round(t4 - t3, 1),
        }
        sizes[set_name] = {"signatures": len(signatures), "blocks": len(block_dict), "pairs": pairs}
        print(f"{set_name}: {len(signatures)} mentions, {len(block_dict)} blocks, {pairs} "
              f"within-block pairs; build {t1 - t0:.1f}s, predict {t2 - t1:.1f}s, "
              f"grid {t4 - t2:.1f}s", flush=True)  # fmt: skip

    default_scores = score(mentions_by_set, default_pred)
    grid_scores = {eps: score(mentions_by_set, grid_pred[eps]) for eps in grid}
    parts = [*mentions_by_set, "pooled"]
    best = {
        part: max(grid, key=lambda e, part=part: (grid_scores[e][part]["bcubed"]["f1"], -e))
        for part in parts
    }
    for part in parts:
        d = default_scores[part]
        b = grid_scores[best[part]][part]
        print(f"{part:16} default eps {default_eps:.2f}: B3 F1 {d['bcubed']['f1']:.4f} "
              f"pairwise F1 {d['pairwise']['f1']:.4f} | best eps {best[part]:.2f}: "
              f"B3 F1 {b['bcubed']['f1']:.4f} pairwise F1 {b['pairwise']['f1']:.4f}")  # fmt: skip

    # Held out: eps chosen on one half of the blocks (pooled B³ F1), scored on the other half.
    held_out = []
    for tune, test in ((0, 1), (1, 0)):
        on_tune = {e: score_half(mentions_by_set, grid_pred[e], tune) for e in grid}
        eps = max(grid, key=lambda e: (on_tune[e]["bcubed"]["f1"], -e))
        scored = score_half(mentions_by_set, grid_pred[eps], test)
        held_out.append({"eps_chosen_on_half": tune, "eps": eps, "scored_on_half": test, **scored})
        print(f"eps tuned on half {tune}: {eps:.2f}; half {test}: B3 P/R/F1 "
              f"{scored['bcubed']['precision']:.4f}/{scored['bcubed']['recall']:.4f}/"
              f"{scored['bcubed']['f1']:.4f} ({scored['mentions']} mentions)")  # fmt: skip

    total = {k: round(sum(t[k] for t in timing.values()), 1) for k in next(iter(timing.values()))}
    payload = {
        "what": "S2AND's production model on the project's labelled author mentions (side by side "
        "with the project's identity evaluation: same mentions, gold labels, blocks, scorer)",
        "s2and_version": metadata.version("s2and"),
        "model": f"production bundle {getattr(clusterer, 'production_model_bundle_version', '?')} "
        f"({Path(DEFAULT_PRODUCTION_MODEL_DIR).name})",
        "settings": {
            "backend": os.environ["S2AND_BACKEND"],
            "S2AND_SKIP_FASTTEXT": os.environ["S2AND_SKIP_FASTTEXT"],
            "load_name_counts": False,
            "specter_embeddings": None,
            "mode": "inference",
            "blocks": "the project's name blocks (mentions.jsonl 'block'), as S2 blocks",
            "papers": "one per mention; venue string as "
            + ("venue and journal_name" if args.venue_fields == "both" else "venue only"),
            "n_jobs": args.n_jobs,
            "default_eps": default_eps,
            "bundle_clusterer_eps": bundle_eps,
            "eps_grid": grid,
            "best_eps_selection": "max B³ F1 on the same labelled sets (tuned on the test data); "
            "held_out: chosen on one half of the blocks (sha1 of the block name, as "
            "bench/identity_offline.py), scored on the other",
        },
        "mentions_file": str(args.mentions.relative_to(ROOT))
        if args.mentions.is_relative_to(ROOT)
        else str(args.mentions),
        "sizes": sizes,
        "seconds": {
            "model_load": round(load_seconds, 1),
            **{k: v for k, v in timing.items()},
            "total": total,
        },  # fmt: skip
        "default": {"eps": default_eps, **default_scores},
        "best": {part: {"eps": best[part], **grid_scores[best[part]][part]} for part in parts},
        "held_out": held_out,
        "grid": [{"eps": eps, **grid_scores[eps]} for eps in grid],
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "packages": {p: metadata.version(p) for p in ("numpy", "scikit-learn", "lightgbm")},
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
