"""Names and titles in every script load, keep their printed form and are searchable both as
printed and transliterated; full-text search folds accents (real IRIDIA BibTeX sample)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from neo4j import Driver

from graph.queries_read import search_query
from graph.schema import FULLTEXT_INDEXES, apply_schema, outdated_fulltext_indexes
from loaders.writer import load_paths

DB = "neo4j"

# A Semantic Scholar Open Research Corpus line (the schema of tests/fixtures/
# s2_corpus_sample.jsonl) whose authors are printed in five scripts; the third has no S2 id.
PRINTED = ["王成阳", "佐藤 正仁", "윤석명", "Андрей Колпаков", "حكيم حداشى"]
S2_ID = "5f0c1e4bd3a2b4f1a9e8c7d6b5a4f3e2d1c0b9a8"
RECORD = {
    "entities": [],
    "journalVolume": "12",
    "journalPages": "1-9",
    "pmid": "",
    "year": 2019,
    "outCitations": [],
    "s2Url": f"https://semanticscholar.org/paper/{S2_ID}",
    "s2PdfUrl": "",
    "id": S2_ID,
    "authors": [
        {"name": name, "ids": [] if i == 2 else [str(4100 + i)]} for i, name in enumerate(PRINTED)
    ],
    "journalName": "计算机学报",
    "paperAbstract": "",
    "inCitations": [],
    "pdfUrls": [],
    "title": "基于深度学习的图像识别",
    "doi": "",
    "sources": [],
    "doiUrl": "",
    "venue": "计算机学报",
    "fieldsOfStudy": ["Computer Science"],
    "magId": "",
}


def search(driver: Driver, kind: str, text: str, first: int = 10) -> list[dict[str, object]]:
    """The API's full-text query (graph.queries_read.search_query), best hit first."""
    records, _, _ = driver.execute_query(
        search_query([kind], "true"),  # the first page: no seek
        {"query": text, "limit": first, "depth": first},
        database_=DB,
    )
    hits = sorted(records, key=lambda r: -r["score"])
    return [dict(r["node"]) for r in hits]


@pytest.fixture()
def every_script(db: Driver, tmp_path: Path) -> Driver:
    path = tmp_path / "s2-corpus-000.jsonl"
    path.write_bytes(orjson.dumps(RECORD) + b"\n")
    summary = load_paths(db, DB, [path])
    assert summary.ok and summary.files[0].format == "s2-corpus", summary.as_dict()
    return db


def test_a_paper_with_authors_in_five_scripts_loads_whole(every_script: Driver) -> None:
    records, _, _ = every_script.execute_query(
        "MATCH (p:Paper {s2_id: $id})<-[r:AUTHORED]-(a:Author) "
        "RETURN p.title AS title, a.id AS author, a.name AS name, "
        "r.raw_name AS raw, r.position AS position ORDER BY position",
        id=S2_ID,
        database_=DB,
    )
    assert [r["name"] for r in records] == PRINTED  # display names as printed
    assert [r["raw"] for r in records] == PRINTED
    assert [r["position"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0]["title"] == "基于深度学习的图像识别"
    # strong ids where the source has them; the name-only author is keyed by its transliteration
    assert records[2]["author"] == "name:seogmyeong yun"
    assert records[0]["author"] == "s2:4100"


@pytest.mark.parametrize(
    ("query", "printed"),
    [
        ("王成阳", "王成阳"),
        ("Chengyang Wang", "王成阳"),
        ("佐藤 正仁", "佐藤 正仁"),
        ("Zhengren Zuoteng", "佐藤 正仁"),
        ("윤석명", "윤석명"),
        ("Seogmyeong Yun", "윤석명"),
        ("Андрей Колпаков", "Андрей Колпаков"),
        ("Andrey Kolpakov", "Андрей Колпаков"),
        ("حكيم حداشى", "حكيم حداشى"),
        ("hkym hdsha", "حكيم حداشى"),
    ],
)
def test_authors_are_found_as_printed_and_transliterated(
    every_script: Driver, query: str, printed: str
) -> None:
    assert search(every_script, "author", query)[0]["name"] == printed


def test_a_title_in_another_script_is_searchable(every_script: Driver) -> None:
    hits = search(every_script, "paper", "深度学习")
    assert hits and hits[0]["title"] == "基于深度学习的图像识别"


@pytest.fixture(scope="module")
def iridia(driver: Driver, data_dir: Path) -> Driver:
    from tests.conftest import wipe

    wipe(driver)
    summary = load_paths(driver, DB, [data_dir / "bibtex-iridia"])
    assert summary.counts["papers_created"] > 3000
    return driver


def test_author_search_folds_accents_on_the_real_iridia_sample(iridia: Driver) -> None:
    assert search(iridia, "author", "Stutzle")[0]["name"] == "Thomas Stützle"
    assert search(iridia, "author", "Stützle")[0]["name"] == "Thomas Stützle"
    assert search(iridia, "author", "Lopez Ibanez")[0]["name"] == "Manuel López-Ibáñez"
    assert search(iridia, "author", "López-Ibáñez")[0]["name"] == "Manuel López-Ibáñez"


def test_paper_search_folds_accents_on_the_real_iridia_sample(iridia: Driver) -> None:
    records, _, _ = iridia.execute_query(
        "MATCH (p:Paper) WHERE p.title CONTAINS 'é' RETURN p.id AS id, p.title AS title "
        "ORDER BY p.id LIMIT 1",
        database_=DB,
    )
    title = records[0]["title"]
    accented = next(w.strip(".,:;()") for w in title.split() if "é" in w)
    plain = accented.replace("é", "e")
    found = search(iridia, "paper", f'"{plain}"', first=100)
    assert records[0]["id"] in {h["id"] for h in found}, (title, plain)


def test_a_full_text_index_of_the_old_definition_is_rebuilt(driver: Driver) -> None:
    driver.execute_query("DROP INDEX author_names IF EXISTS", database_=DB)
    driver.execute_query(
        "CREATE FULLTEXT INDEX author_names FOR (a:Author) ON EACH [a.name, a.name_variants_text]",
        database_=DB,
    )
    assert [i.name for i in outdated_fulltext_indexes(driver, DB)] == ["author_names"]
    apply_schema(driver, DB)
    assert outdated_fulltext_indexes(driver, DB) == []
    records, _, _ = driver.execute_query(
        "SHOW FULLTEXT INDEXES YIELD name, options "
        "RETURN name, options.indexConfig.`fulltext.analyzer` AS analyzer",
        database_=DB,
    )
    held = {r["name"]: r["analyzer"] for r in records}
    assert held == {i.name: i.analyzer for i in FULLTEXT_INDEXES}
    apply_schema(driver, DB)  # a second run changes nothing
    assert outdated_fulltext_indexes(driver, DB) == []
