"""The bulk import's clustering runs in a process of its own, one batch behind the CSV writing
(``graph.bulk.ClusteringProcess``): the files it writes do not depend on how many batches are
in flight or where they end."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.synth import SynthConfig, write_corpus
from graph.author_clustering import DEFAULT_RULES, IdentityRules
from graph.bulk import BulkCsvWriter
from graph.rows import PaperRow
from loaders import openalex
from loaders.parallel import paper_rows


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[PaperRow]:
    path = tmp_path_factory.mktemp("corpus") / "works.jsonl"
    write_corpus(SynthConfig(papers=1_500, p_name_only=0.3, seed=5), path)
    return [r for r in paper_rows(path, openalex, workers=0) if isinstance(r, dict)]


def _written(
    folder: Path, rows: list[PaperRow], batch: int, rules: IdentityRules = DEFAULT_RULES
) -> dict[str, list[list[str]]]:
    writer = BulkCsvWriter(folder, cluster_batch=batch, rules=rules)
    for row in rows:
        writer.add_paper(row)
    files = writer.close()
    out = {}
    for name in ("authored", "authors"):
        with (files.folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            out[name] = sorted(csv.reader(fh))
    return out


def test_the_files_do_not_depend_on_the_batches(rows: list[PaperRow], tmp_path: Path) -> None:
    one = _written(tmp_path / "one", rows, batch=len(rows) + 1)
    many = _written(tmp_path / "many", rows, batch=37)
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
