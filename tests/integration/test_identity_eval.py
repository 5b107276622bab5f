"""The identity evaluation on small real blocks: the figures it reports equal those computed
here, independently, from the gold labels and the Author nodes read back with plain Cypher."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import orjson
import pytest
from neo4j import Driver
from typer.testing import CliRunner

from cli.identity import evaluate_sets, report
from cli.main import app
from graph.cluster_metrics import scores
from graph.identity_eval import SetEvaluation
from graph.ids import normalize_name
from graph.settings import Neo4jSettings
from loaders.labelled import read_mentions, read_strong_id_sample
from tests.conftest import wipe

DB = "neo4j"

# Each mention's authorship, found without graph.identity_eval: by the paper's AMiner id or
# title key and the name printed on it.
AUTHOR_OF = """
UNWIND $rows AS row
MATCH (a:Author)-[r:AUTHORED]->(p:Paper)
WHERE (row.kind = 'aminer' AND p.aminer_id = row.value)
   OR (row.kind = 'title' AND p.title_key = row.value)
   OR (row.kind = 'doi' AND p.doi = row.value)
WITH row, a, r ORDER BY (r.position = row.position) DESC, a.id
WHERE r.raw_name = row.name
RETURN row.id AS mention, collect(a.id)[0] AS author
"""


def independent_figures(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Pairwise by enumerating every pair; B³ by looping over every mention's clusters."""
    n = len(gold)
    same_gold = same_pred = both = 0
    for i, j in itertools.combinations(range(n), 2):
        g, p = gold[i] == gold[j], predicted[i] == predicted[j]
        same_gold += g
        same_pred += p
        both += g and p
    b3_p = b3_r = 0.0
    for i in range(n):
        cluster = [j for j in range(n) if predicted[j] == predicted[i]]
        person = [j for j in range(n) if gold[j] == gold[i]]
        right = [j for j in cluster if gold[j] == gold[i]]
        b3_p += len(right) / len(cluster)
        b3_r += len(right) / len(person)
    return {
        "pw_p": both / same_pred if same_pred else 1.0,
        "pw_r": both / same_gold if same_gold else 1.0,
        "b3_p": b3_p / n,
        "b3_r": b3_r / n,
    }


def check(driver: Driver, evaluation: SetEvaluation) -> None:
    rows = [
        {"id": m.id, "kind": m.paper_kind, "value": m.paper_value, "name": m.name,
         "position": m.position}
        for m in evaluation.mentions
    ]  # fmt: skip
    records, _, _ = driver.execute_query(AUTHOR_OF, rows=rows, database_=DB)
    landed = {r["mention"]: r["author"] for r in records}
    assert evaluation.missing == 0 and len(landed) == len(rows)
    assert evaluation.predicted == [landed[m.id] for m in evaluation.mentions]
    expected = independent_figures([m.gold for m in evaluation.mentions], evaluation.predicted)
    got = evaluation.scores.pooled
    assert got.pairwise.precision == pytest.approx(expected["pw_p"])
    assert got.pairwise.recall == pytest.approx(expected["pw_r"])
    assert got.bcubed.precision == pytest.approx(expected["b3_p"])
    assert got.bcubed.recall == pytest.approx(expected["b3_r"])


@pytest.mark.parametrize("name", ["aminer110-half", "qian-dblp"])
def test_labelled_blocks_scored_as_read_back(db: Driver, data_dir: Path, name: str) -> None:
    labelled = read_mentions(data_dir / "author-disambiguation" / name, limit_blocks=3)
    assert len({m.block for m in labelled.mentions}) == 3
    (evaluation,) = evaluate_sets(db, DB, [labelled])
    check(db, evaluation)
    # every block has several people: one node per printed name cannot be fully precise
    # there; the clustering by evidence is at least as precise
    by_name = scores([m.gold for m in labelled.mentions],
                     [normalize_name(m.name) for m in labelled.mentions])  # fmt: skip
    assert by_name.bcubed.precision < 1.0
    assert evaluation.scores.pooled.bcubed.precision >= by_name.bcubed.precision
    if name == "qian-dblp":  # the block's name was put back as the first author
        assert all(m.position == 1 and m.name == m.block for m in labelled.mentions)


def test_ids_stripped_from_a_real_openalex_sample(db: Driver, data_dir: Path) -> None:
    folder = data_dir / "openalex-works-api"
    sample = read_strong_id_sample(folder)
    # one mention per (work, OpenAlex author id), counted from the raw API pages
    expected = {
        (w["id"], a["author"]["id"])
        for f in sorted(folder.glob("*.json"))
        for w in orjson.loads(f.read_bytes())["results"]
        for a in w["authorships"]
        if a["author"].get("id")
    }
    assert len(sample.mentions) == len(expected)
    (evaluation,) = evaluate_sets(db, DB, [sample])
    assert all(a.startswith("name:") for a in evaluation.predicted)  # loaded name-only
    doi = [m for m in evaluation.mentions if m.paper_kind == "doi"]
    assert doi
    records, _, _ = db.execute_query("MATCH (a:Author) WHERE a.openalex_id IS NOT NULL "
                                     "RETURN count(a) AS n", database_=DB)  # fmt: skip
    assert records[0]["n"] == 0
    pooled = evaluation.scores.pooled
    assert pooled.mentions == len(expected)
    assert pooled.bcubed.recall <= 1.0 and pooled.bcubed.precision <= 1.0


def test_cli_writes_the_report_and_refuses_a_non_empty_graph(
    db: Driver, neo4j_settings: Neo4jSettings, data_dir: Path, tmp_path: Path
) -> None:
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_DATABASE": DB}
    out = tmp_path / "identity.json"
    path = str(data_dir / "author-disambiguation" / "aminer110-half")
    runner = CliRunner()
    result = runner.invoke(
        app, ["identity", "evaluate", path, "--limit-blocks", "2", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    got = json.loads(out.read_text())
    (only,) = got["sets"]
    assert only["name"] == "aminer110-half" and only["blocks"] == 2
    assert set(only["bcubed"]) == {"precision", "recall", "f1"}
    assert only["worst_blocks"][0]["bcubed"]["f1"] <= only["worst_blocks"][-1]["bcubed"]["f1"]
    again = runner.invoke(app, ["identity", "evaluate", path, "--limit-blocks", "1"], env=env)
    assert again.exit_code == 2 and "is not empty" in " ".join(again.output.split())


def test_report_pools_the_sets(db: Driver, data_dir: Path) -> None:
    sets = [read_mentions(data_dir / "author-disambiguation" / n, limit_blocks=2)
            for n in ("aminer110-half", "qian-dblp")]  # fmt: skip
    evaluations = evaluate_sets(db, DB, sets, before_each=lambda: wipe(db))
    got = report(evaluations)
    gold = [f"{e.name}/{m.gold}" for e in evaluations for m in e.mentions]
    predicted = [f"{e.name}/{p}" for e in evaluations for p in e.predicted]
    expected = independent_figures(gold, predicted)
    assert got["pooled"]["mentions"] == len(gold)
    assert got["pooled"]["bcubed"]["precision"] == pytest.approx(expected["b3_p"], abs=1e-4)
    assert got["pooled"]["pairwise"]["recall"] == pytest.approx(expected["pw_r"], abs=1e-4)


def test_a_set_read_from_its_xml_files_scores_as_its_jsonl(db: Driver, data_dir: Path) -> None:
    """``identity evaluate`` on a set's original XML folder: the same mentions, loaded the same
    way, read back with the same figures as from its ``mentions.jsonl``."""
    folder = data_dir / "author-disambiguation" / "aminer110-half"
    figures = []
    for path in (folder / "xml", folder):
        wipe(db)
        (evaluation,) = evaluate_sets(db, DB, [read_mentions(path, limit_blocks=2)])
        assert evaluation.name == "aminer110-half"
        figures.append((evaluation.scores.pooled, evaluation.predicted))
    assert figures[0] == figures[1]
    assert len(set(figures[0][1])) > 1  # more than one author: the figures say something
