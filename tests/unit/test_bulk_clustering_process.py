"""The bulk import's clustering runs in processes of its own, one per part of the blocking keys,
one batch behind the CSV writing (``graph.bulk.ClusteringProcess``): the files it writes do not
depend on where batches end nor on how many parts the blocks are decided in."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.synth import SynthConfig, write_corpus
from graph.author_clustering import DEFAULT_RULES, IdentityRules, MemoryClusters
from graph.bulk import BulkCsvWriter
from graph.identity import paper_key
from graph.name_stats import NameStats
from graph.rows import PaperRow
from loaders import openalex
from loaders.parallel import paper_rows


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[PaperRow]:
    path = tmp_path_factory.mktemp("corpus") / "works.jsonl"
    write_corpus(SynthConfig(papers=1_500, p_name_only=0.3, seed=5), path)
    return [r for r in paper_rows(path, openalex, workers=0) if isinstance(r, dict)]


def _written(
    folder: Path,
    rows: list[PaperRow],
    batch: int,
    rules: IdentityRules = DEFAULT_RULES,
    parts: int = 1,
) -> dict[str, list[list[str]]]:
    writer = BulkCsvWriter(folder, cluster_batch=batch, rules=rules, cluster_parts=parts)
    for row in rows:
        writer.add_paper(row)
    files = writer.close()
    out = {}
    for name in ("authored", "authors"):
        with (files.folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            out[name] = sorted(csv.reader(fh))
    return out


@pytest.mark.parametrize("parts", [1, 3])
def test_the_files_do_not_depend_on_the_batches_nor_the_parts(
    rows: list[PaperRow], tmp_path: Path, parts: int
) -> None:
    one = _written(tmp_path / "one", rows, batch=len(rows) + 1)
    many = _written(tmp_path / "many", rows, batch=37, parts=parts)
    assert one == many
    rules = [r[5] for r in one["authored"][1:]]
    assert "evidence" in rules and "new-cluster" in rules  # name-only authorships were clustered
    profiles = [r for r in one["authors"] if r[-1] and r[0].startswith("name:")]
    assert profiles  # the clusters' stored profiles came back from the clustering process


def test_without_the_clustering_no_process_and_one_author_per_name(
    rows: list[PaperRow], tmp_path: Path
) -> None:
    off = _written(tmp_path / "off", rows, batch=100, rules=IdentityRules(cluster=False))
    assert not [r for r in off["authored"][1:] if r[5] in ("evidence", "new-cluster")]
    assert not [r for r in off["authors"][1:] if r[-1]]


def test_each_part_decides_its_own_blocks_and_together_they_decide_all(
    rows: list[PaperRow],
) -> None:
    nodes = [paper_key(r["ids"], r.get("title_key")) for r in rows]
    whole = MemoryClusters(name_stats=NameStats()).batch(rows, nodes)
    parts = [
        MemoryClusters(name_stats=NameStats(), part=(k, 3)).batch(rows, nodes) for k in range(3)
    ]
    decided = [set(p.node_of) for p in parts]
    assert all(decided) and sum(map(len, decided)) == len(whole.node_of)  # disjoint, each some
    assert {key: node for p in parts for key, node in p.node_of.items()} == whole.node_of
    assert sorted(m for p in parts for m in p.merges) == sorted(whole.merges)
    together = {i: prof.to_dict() for p in parts for i, prof in p.profiles.items()}
    assert together == {i: prof.to_dict() for i, prof in whole.profiles.items()}
