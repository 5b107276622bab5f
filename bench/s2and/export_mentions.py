"""Export the labelled mentions exactly as the project's identity evaluation reads them.

    .venv/bin/python -m bench.s2and.export_mentions [--out PATH]

Runs in the PROJECT venv: every mention comes from ``loaders.labelled.read_mentions`` (the same
reader ``bench.bench_identity`` and ``scholargraph identity evaluate`` use), so the S2AND side
sees the same mentions, gold labels and name blocks, and the same author lists — including the
Qian-DBLP focal author put back as the first author, and co-author names the reader refuses
left out with their neighbours' positions kept. Mentions the reader skips (no title) are skipped
here too. ``bench/s2and/run_s2and.py`` (S2AND's own venv) reads the file.

One JSON object: ``{"sets": {name: {"source", "skipped", "mentions": [...]}}}``; each mention
carries its id, block, gold label, the printed name and its 1-based position, and its paper
(title, abstract, venue, year, authors with positions and the focal author's affiliation).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import orjson

from loaders.labelled import read_mentions
from loaders.records import Paper

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "author-disambiguation"
LABELLED = ("aminer110-half", "qian-dblp")
OUT = ROOT / "bench" / "s2and" / "work" / "identity-mentions.json"


def export(data: Path = DATA, names: tuple[str, ...] = LABELLED) -> dict[str, object]:
    sets: dict[str, object] = {}
    for name in names:
        labelled = read_mentions(data / name)
        rows = []
        for record, m in zip(labelled.records, labelled.mentions, strict=True):
            assert isinstance(record, Paper)
            rows.append(
                {
                    "id": m.id,
                    "block": m.block,
                    "gold": m.gold,
                    "name": m.name,
                    "position": m.position,
                    "paper": {
                        "kind": m.paper_kind,
                        "value": m.paper_value,
                        "title": record.title,
                        "abstract": record.abstract,
                        "venue": record.venue.name if record.venue else None,
                        "year": record.year,
                        "authors": [
                            {
                                "name": a.author.name,
                                "position": a.position,
                                "affiliation": a.author.affiliation,
                            }
                            for a in record.authors
                        ],
                    },
                }
            )
        sets[labelled.name] = {
            "source": str(Path(labelled.source).relative_to(ROOT.parent)),
            "skipped": labelled.skipped,
            "mentions": rows,
        }
    return {"reader": "loaders.labelled.read_mentions", "sets": sets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    payload = export()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(payload))
    for name, s in payload["sets"].items():  # type: ignore[union-attr]
        print(f"{name}: {len(s['mentions'])} mentions, {s['skipped']} skipped")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
