"""Validates the text novelty (graph/analytics/novelty.py) on real data, offline.

Parses the Paperscape 1991–1996 sample (titles only: the files carry no abstracts) and the
arXiv Kaggle snapshot head (titles + abstracts, 200 papers of April 2007) with the project's
loaders, computes novelty with the same pure function the ``novelty`` run uses (same comparison
category: the primary one, else the smallest id), and reports, for hep-th papers of one year,
the 5 most and 5 least novel papers and the Spearman correlation of novelty with in-sample
citations (papers of the sample citing the paper). Writes bench/results/novelty.json.

    python -m bench.bench_novelty [--year 1995] [--category arxiv:hep-th]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import machine, write_results
from graph.analytics.novelty import novelty_scores, order_key, spearman, tokens
from loaders import arxiv_kaggle, paperscape
from loaders.records import Paper

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PAPERSCAPE = DATA / "paperscape-arxiv-1991-1996"
KAGGLE = DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"


def _papers(records: Any) -> list[Paper]:
    return [r for r in records if isinstance(r, Paper) and not r.stub]


def _category(p: Paper) -> str | None:
    if p.primary_category:
        return p.primary_category
    ids = sorted(c.id for c in p.categories)
    return ids[0] if ids else None


def _text(p: Paper) -> str | None:
    text = " ".join(t for t in (p.title, p.abstract) if t)
    return text or None


def evaluate(papers: list[Paper], category: str, year: int, top: int = 5) -> dict[str, Any]:
    t0 = time.perf_counter()
    values = novelty_scores(
        [_text(p) for p in papers],
        [order_key(p.date, p.year) for p in papers],
        [_category(p) for p in papers],
    )
    seconds = time.perf_counter() - t0
    cited: Counter[str] = Counter()
    for p in papers:
        for ref in {r.arxiv for r in p.references if r.arxiv}:
            cited[ref] += 1
    citations = np.asarray([float(cited[p.ids.arxiv or ""]) for p in papers])
    has = ~np.isnan(values)
    sel = np.flatnonzero(
        has & np.asarray([_category(p) == category and p.year == year for p in papers])
    )
    order = sel[np.argsort(values[sel], kind="stable")]
    lengths = np.asarray([float(len(tokens(_text(p) or ""))) for p in papers])

    def row(i: int) -> dict[str, Any]:
        p = papers[i]
        return {
            "id": p.ids.arxiv,
            "date": p.date,
            "title": p.title,
            "novelty": round(float(values[i]), 4),
            "citations": int(citations[i]),
        }

    def rho(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> float | None:
        r = spearman(x, y)
        return None if r is None else round(r, 4)

    allv = np.flatnonzero(has)
    return {
        "papers": len(papers),
        "with_value": int(has.sum()),
        "compute_seconds": round(seconds, 3),
        "category": category,
        "year": year,
        "papers_of_year_with_value": int(sel.size),
        "median_novelty_of_year": round(float(np.median(values[sel])), 4) if sel.size else None,
        "most_novel": [row(i) for i in order[::-1][:top].tolist()],
        "least_novel": [row(i) for i in order[:top].tolist()],
        "spearman_novelty_citations_year": rho(values[sel], citations[sel]),
        "spearman_novelty_citations_all": rho(values[allv], citations[allv]),
        "spearman_novelty_text_tokens_year": rho(values[sel], lengths[sel]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--year", type=int, default=1995)
    ap.add_argument("--category", default="arxiv:hep-th")
    args = ap.parse_args()
    ps = [p for f in sorted(PAPERSCAPE.glob("pscp-*.csv")) for p in _papers(paperscape.parse(f))]
    kg = _papers(arxiv_kaggle.parse(KAGGLE))
    kg_eval = evaluate(kg, "arxiv:hep-ph", 2007, top=3)
    payload: dict[str, Any] = {
        "machine": machine(),
        "measure": "1 - max TF-IDF cosine (title + abstract) to strictly earlier papers of the "
        "primary category",
        "paperscape_titles_only": evaluate(ps, args.category, args.year),
        "kaggle_titles_abstracts": kg_eval,
    }
    path = write_results("novelty", payload)
    ev = payload["paperscape_titles_only"]
    print(f"wrote {path}")
    print(
        f"paperscape: {ev['with_value']:,}/{ev['papers']:,} scored in {ev['compute_seconds']} s; "
        f"{args.category} {args.year}: {ev['papers_of_year_with_value']} papers, "
        f"rho(citations) = {ev['spearman_novelty_citations_year']}"
    )
    for name in ("most_novel", "least_novel"):
        print(name)
        for r in ev[name]:
            print(f"  {r['novelty']:.3f} {r['id']} {r['citations']:>4} {r['title']}")


if __name__ == "__main__":
    main()
