"""Labelled sets in the layouts other benchmarks ship: S2AND's ``<name>_papers.json`` /
``_signatures.json`` / ``_clusters.json`` and WhoIsWho's ``<prefix>author.json`` /
``<prefix>pub.json``. The real AMiner-110 half is written here in each layout (by this test,
not by the readers), read back through ``read_mentions``, and compared mention by mention with
the same set read from its ``mentions.jsonl``."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from graph.ids import normalize_name
from loaders.labelled import LabelledSet, find_sets, read_mentions
from loaders.labelled_whoiswho import _find
from loaders.records import Paper

SETS = Path(__file__).resolve().parents[3] / "shared" / "data" / "author-disambiguation"
AMINER = SETS / "aminer110-half"


def _rows() -> list[dict[str, Any]]:
    lines = (AMINER / "mentions.jsonl").read_bytes().splitlines()
    return [orjson.loads(line) for line in lines if line.strip()]


def _focal_index(row: dict[str, Any]) -> int | None:
    printed = row["name_as_printed"]
    return row["authors"].index(printed) if printed in (row["authors"] or []) else None


def _dump(path: Path, value: Any) -> None:
    path.write_bytes(orjson.dumps(value))


def _as_dicts(labelled: LabelledSet) -> dict[tuple[str, str], dict[str, Any]]:
    """Each mention by (paper id, printed name): what the writer is given for it."""
    out = {}
    for rec, m in zip(labelled.records, labelled.mentions, strict=True):
        assert isinstance(rec, Paper)
        out[(m.paper_value, m.name)] = {
            "title": rec.title,
            "year": rec.year,
            "venue": rec.venue.name if rec.venue else None,
            "abstract": rec.abstract,
            "authors": [(a.author.name, a.position, a.author.affiliation) for a in rec.authors],
            "position": m.position,
            "gold": m.gold,
        }
    return out


def _partition(mentions: dict[tuple[str, str], dict[str, Any]]) -> set[frozenset]:
    groups: dict[str, set] = defaultdict(set)
    for key, m in mentions.items():
        groups[m["gold"]].add(key)
    return {frozenset(g) for g in groups.values()}


def _comparable(labelled: LabelledSet) -> dict[tuple[str, str], dict[str, Any]]:
    """The mentions whose key is unique (the set prints one paper id twice in one block)."""
    out = _as_dicts(labelled)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for m in labelled.mentions:
        counts[(m.paper_value, m.name)] += 1
    return {k: v for k, v in out.items() if counts[k] == 1}


def _same_mentions(got: LabelledSet, want: LabelledSet) -> None:
    g, w = _comparable(got), _comparable(want)
    assert set(g) == set(w)
    assert _partition(g) == _partition(w)
    for key in w:
        for field in ("title", "year", "venue", "abstract", "authors", "position"):
            assert g[key][field] == w[key][field], (key, field)


def test_an_s2and_dataset_reads_as_the_same_mentions(tmp_path: Path) -> None:
    rows = [r for r in _rows() if _focal_index(r) is not None]
    papers: dict[str, Any] = {}
    signatures: dict[str, Any] = {}
    clusters: dict[str, Any] = defaultdict(lambda: {"signature_ids": []})
    for r in rows:
        papers[r["paper_id"]] = {
            "paper_id": int(r["paper_id"]),
            "title": r["title"],
            "abstract": r["abstract"],
            "journal_name": None,
            "venue": r["venue"],
            "year": r["year"],
            "references": [],
            "authors": [{"position": i, "author_name": n} for i, n in enumerate(r["authors"])],
        }
        words = r["name_as_printed"].split()
        signatures[r["mention_id"]] = {
            "signature_id": r["mention_id"],
            "paper_id": int(r["paper_id"]),
            "author_info": {
                "block": normalize_name(r["block"]).split()[0][0]
                + " "
                + normalize_name(r["block"]).split()[-1],
                "position": _focal_index(r),
                "first": words[0],
                "middle": " ".join(words[1:-1]) or None,
                "last": words[-1],
                "suffix": None,
                "affiliations": [r["affiliation"]] if r["affiliation"] else [],
            },
        }
        clusters[r["gold_person"]]["signature_ids"].append(r["mention_id"])
    folder = tmp_path / "aminer"
    folder.mkdir()
    _dump(folder / "aminer_papers.json", papers)
    _dump(folder / "aminer_signatures.json", signatures)
    _dump(folder / "aminer_clusters.json", dict(clusters))
    assert find_sets(tmp_path) == [folder]
    got = read_mentions(folder)
    assert got.name == "aminer" and got.skipped == 0
    _same_mentions(got, _aminer_without(rows))


def test_an_s2and_signature_in_no_cluster_is_skipped_and_a_missing_paper_is_refused(
    tmp_path: Path,
) -> None:
    paper = {"paper_id": 1, "title": "A title", "year": 2001, "venue": "V",
             "authors": [{"position": 0, "author_name": "Jane Roe"}]}  # fmt: skip
    sig = {"paper_id": 1, "author_info": {"block": "j roe", "position": 0, "first": "Jane",
                                          "last": "Roe"}}  # fmt: skip
    _dump(tmp_path / "x_papers.json", {"1": paper})
    _dump(tmp_path / "x_signatures.json", {"s1": sig, "s2": sig})
    _dump(tmp_path / "x_clusters.json", {"c1": {"signature_ids": ["s1"]}})
    got = read_mentions(tmp_path)
    assert [m.id for m in got.mentions] == ["s1"] and got.skipped == 1
    _dump(tmp_path / "x_signatures.json", {"s1": {**sig, "paper_id": 2}})
    with pytest.raises(ValueError, match=r"x_signatures.json: signature 's1' names paper 2"):
        read_mentions(tmp_path)
    (tmp_path / "x_clusters.json").unlink()
    with pytest.raises(ValueError, match=r"x_clusters.json: missing"):
        read_mentions(tmp_path)


def _whoiswho(rows: list[dict[str, Any]], folder: Path, indexed: bool) -> None:
    authors: dict[str, Any] = defaultdict(lambda: defaultdict(list))
    pubs: dict[str, Any] = {}
    for r in rows:
        focal = _focal_index(r)
        pub = pubs.setdefault(r["paper_id"], {
            "id": r["paper_id"], "title": r["title"], "venue": r["venue"], "year": r["year"],
            "abstract": r["abstract"], "keywords": [],
            "authors": [{"name": n, "org": ""} for n in r["authors"]],
        })  # fmt: skip
        if r["affiliation"]:
            pub["authors"][focal]["org"] = r["affiliation"]
        key = "_".join(normalize_name(r["block"]).split())
        ref = f"{r['paper_id']}-{focal}" if indexed else r["paper_id"]
        authors[key][r["gold_person"].split("::")[1]].append(ref)
    folder.mkdir()
    _dump(folder / "train_author.json", authors)
    _dump(folder / "train_pub.json", pubs)


def _aminer_without(rows: list[dict[str, Any]]) -> LabelledSet:
    keep = {r["mention_id"] for r in rows}
    want = read_mentions(AMINER)
    kept = [i for i, m in enumerate(want.mentions) if m.id in keep]
    records = tuple(want.records[i] for i in kept)
    return LabelledSet(want.name, want.source, records, tuple(want.mentions[i] for i in kept))


def test_a_whoiswho_set_with_author_indexes_reads_as_the_same_mentions(tmp_path: Path) -> None:
    rows = [r for r in _rows() if _focal_index(r) is not None]
    _whoiswho(rows, tmp_path / "na", indexed=True)
    got = read_mentions(tmp_path / "na")
    assert got.name == "na" and got.skipped == 0
    _same_mentions(got, _aminer_without(rows))


def test_a_whoiswho_set_without_indexes_finds_the_printed_names(tmp_path: Path) -> None:
    """Without ``-<index>`` the printed form is found by name: where it is found it is the one
    the set printed, and it is found for nearly every mention (the rest are two authors of one
    surname and initial, or a name printed otherwise, and go first under the block's name)."""
    rows = [r for r in _rows() if _focal_index(r) is not None]
    found = 0
    for r in rows:
        at = _find(" ".join(normalize_name(r["block"]).split()).title(), r["authors"])
        if at is not None:
            assert r["authors"][at] == r["name_as_printed"], r["mention_id"]
            found += 1
    assert found > 0.98 * len(rows)
    _whoiswho(rows, tmp_path / "na", indexed=False)
    got = read_mentions(tmp_path / "na")
    assert len(got.mentions) == len(rows) and got.skipped == 0
    printed = {m.name for m in got.mentions}
    assert printed <= {r["name_as_printed"] for r in rows} | {
        " ".join(w.capitalize() for w in normalize_name(r["block"]).split()) for r in rows
    }


def test_find_reads_names_in_either_order() -> None:
    names = ["Wei Zhang", "Guo Li", "Hao Chen"]
    assert _find("Li Guo", names) == 1
    assert _find("Li Guo", ["L. Guo", "Hao Chen"]) == 0
    assert _find("Li Guo", ["Liang Guo", "Li Guo"]) == 1
    assert _find("Li Guo", ["L. Guo", "Liang Guo"]) is None  # two fit: not guessed
    assert _find("Li Guo", ["Hao Chen"]) is None


def test_a_whoiswho_paper_it_does_not_hold_is_refused(tmp_path: Path) -> None:
    _dump(tmp_path / "train_author.json", {"li_guo": {"p1": ["abc"]}})
    _dump(tmp_path / "train_pub.json", {})
    with pytest.raises(ValueError, match=r"train_author.json: 'li_guo' / 'p1' lists paper 'abc'"):
        read_mentions(tmp_path)
    _dump(tmp_path / "train_author.json", {"li_guo": ["abc"]})
    with pytest.raises(ValueError, match=r"name 'li_guo' should map person ids"):
        read_mentions(tmp_path)
