"""Identity decisions you can read and correct, against the real Neo4j:

- every authorship carries how it came to its author (``match_rule``, score, evidence), in
  GraphQL (``Authorship.match``) and in ``scholargraph identity review``;
- the overrides file: ``[[merge]]`` joins authors, ``[[split]]`` moves authorships to another
  person, ``[[never]]`` stops the relink to a strong-id author; a re-load keeps all of it and
  applying it again changes nothing; a bad file is refused naming the entry.

The records are OpenAlex works written for these cases (two people printed "Ke Li", a name-only
"J. Doe" who shares a co-author with the strong-id Jane Doe).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from neo4j import Driver
from typer.testing import CliRunner

from cli.main import app
from graph.author_clustering import DEFAULT_WEIGHTS, Rule
from graph.errors import InputError
from graph.overrides import Overrides
from graph.repository import ReadScope
from graph.settings import Neo4jSettings
from graph.stats import graph_stats
from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import DB, api_driver, data

WORKS = [  # (work, authorships (OpenAlex author id or None, printed name), title)
    ("W980000001", [("A980000001", "Jane Doe"), ("A980000002", "Carl Roe")], "Gauge fields"),
    ("W980000002", [(None, "J. Doe"), ("A980000002", "C. Roe")], "Gauge fields on lattices"),
    ("W980000011", [(None, "Ke Li"), ("A980000021", "Hugo Touvron")], "Language model scaling"),
    ("W980000012", [("A980000021", "Hugo Touvron"), (None, "Ke Li")], "Language model tuning"),
    ("W980000013", [(None, "Ke Li"), ("A980000022", "Qingfu Zhang")], "Evolutionary search"),
    ("W980000014", [(None, "Ke Li"), ("A980000022", "Qingfu Zhang")], "Decomposition methods"),
]


def _work(w: str, people: list[tuple[str | None, str]], title: str) -> bytes:
    return orjson.dumps({
        "id": f"https://openalex.org/{w}", "title": title, "publication_year": 2020,
        "ids": {"openalex": f"https://openalex.org/{w}"}, "referenced_works": [],
        "authorships": [
            {"author": {"id": a and f"https://openalex.org/{a}", "display_name": n},
             "raw_author_name": n} for a, n in people
        ],
    })  # fmt: skip


@pytest.fixture(scope="module")
def works(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("overrides") / "works.jsonl"
    path.write_bytes(b"".join(_work(*w) + b"\n" for w in WORKS))
    return path


AUTHORS_OF = """
UNWIND $works AS w
MATCH (a:Author)-[r:AUTHORED]->(:Paper {openalex_id: w})
RETURN w, r.raw_name AS printed, a.id AS author, r.match_rule AS rule, r.match_score AS score,
       r.match_evidence AS evidence
"""


def _authors(driver: Driver) -> dict[tuple[str, str], dict[str, Any]]:
    records, _, _ = driver.execute_query(AUTHORS_OF, works=[w for w, _p, _t in WORKS], database_=DB)
    return {(r["w"], r["printed"]): dict(r) for r in records}


def _write(tmp_path: Path, text: str) -> Overrides:
    path = tmp_path / "overrides.toml"
    path.write_text(text, encoding="utf-8")
    return Overrides.read(path)


def test_every_authorship_says_why_it_is_there(db: Driver, works: Path) -> None:
    load_paths(db, DB, [works])
    links = _authors(db)
    assert links[("W980000001", "Jane Doe")]["rule"] == Rule.ID
    # the name-only J. Doe moved to Jane Doe on their shared co-author, with the score
    doe = links[("W980000002", "J. Doe")]
    assert doe["author"] == "openalex:A980000001" and doe["rule"] == Rule.RELINKED
    assert doe["score"] >= DEFAULT_WEIGHTS.threshold
    assert orjson.loads(doe["evidence"])["coauthors"]
    # the first Ke Li starts a cluster, the second joins it by evidence; the other team's
    # first Ke Li starts another
    first, second = links[("W980000011", "Ke Li")], links[("W980000012", "Ke Li")]
    assert first["rule"] == Rule.NEW_CLUSTER and first["score"] is None
    assert second["rule"] == Rule.EVIDENCE and second["author"] == first["author"]
    assert second["score"] >= DEFAULT_WEIGHTS.threshold
    other = links[("W980000013", "Ke Li")]
    assert other["author"] != first["author"] and other["rule"] == Rule.NEW_CLUSTER
    # a re-run keeps every reason
    load_paths(db, DB, [works])
    assert _authors(db) == links


@pytest.mark.asyncio(loop_scope="session")
async def test_graphql_reads_the_match(
    db: Driver, works: Path, neo4j_settings: Neo4jSettings
) -> None:
    load_paths(db, DB, [works])
    stored = _authors(db)
    query = """query($id: ID!) { paper(id: $id) { authorships {
        rawName author { id } match { rule score evidence } } } }"""
    async with api_driver(neo4j_settings) as drv:
        scope = ReadScope(drv, DB, 15.0)
        for work in ("W980000002", "W980000012"):
            got = await data(scope, query, {"id": f"openalex:{work}"})
            for a in got["paper"]["authorships"]:
                want = stored[(work, a["rawName"])]
                assert a["author"]["id"] == want["author"]
                assert a["match"]["rule"] == want["rule"]
                assert a["match"]["score"] == want["score"]
                expected = orjson.loads(want["evidence"]) if want["evidence"] else None
                assert a["match"]["evidence"] == expected


def test_review_lists_the_least_certain_links_first(
    db: Driver, works: Path, neo4j_settings: Neo4jSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_paths(db, DB, [works])
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.uri)
    result = CliRunner().invoke(app, ["identity", "review", "--json"])
    assert result.exit_code == 0, result.output
    links = orjson.loads(result.stdout)
    scores = [link["match"]["score"] for link in links]
    scored = [r for r in _authors(db).values() if r["score"] is not None]
    assert len(links) == len(scored) and scores == sorted(scores)
    assert {link["match"]["rule"] for link in links} <= {Rule.EVIDENCE, Rule.RELINKED}
    one = CliRunner().invoke(app, ["identity", "review", "--author", "name:ke li", "--json"])
    assert one.exit_code == 0, one.output
    papers = {link["paper"] for link in orjson.loads(one.stdout)}
    assert papers == {"openalex:W980000011", "openalex:W980000012"}


def test_overrides_merge_split_and_keep_apart(db: Driver, works: Path, tmp_path: Path) -> None:
    load_paths(db, DB, [works])
    before = _authors(db)
    team_a = before[("W980000011", "Ke Li")]["author"]
    team_b = before[("W980000013", "Ke Li")]["author"]
    assert team_a != team_b
    overrides = _write(
        tmp_path,
        f"""
[[merge]]  # the two Ke Li clusters are one person after all
ids = ["{team_a}", "{team_b}"]

[[split]]  # but not on this paper
author = "{team_a}"
papers = ["https://openalex.org/W980000014"]

[[never]]  # the name-only J. Doe is not Jane Doe
ids = ["name:j doe", "openalex:A980000001"]
""",
    )
    wipe(db)
    load_paths(db, DB, [works], overrides=overrides)
    after = _authors(db)
    merged = {after[(w, "Ke Li")]["author"] for w in ("W980000011", "W980000012", "W980000013")}
    assert merged == {team_a}
    assert after[("W980000013", "Ke Li")]["rule"] == Rule.OVERRIDE
    split_off = after[("W980000014", "Ke Li")]
    assert split_off["author"] not in (team_a, team_b)
    assert split_off["author"].startswith("name:ke li#")
    assert split_off["rule"] == Rule.OVERRIDE
    assert after[("W980000002", "J. Doe")]["author"] == "name:j doe"  # never relinked

    # a re-load, with and without the file, and applying it again change nothing
    stats = graph_stats(db, DB)
    load_paths(db, DB, [works], overrides=overrides)
    load_paths(db, DB, [works])
    assert _authors(db) == after
    assert graph_stats(db, DB) == stats


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[[merge]]\nids = ["name:a b"]\n', "merge #1 ids"),
        ('[[split]]\nauthor = "name:a b"\npapers = ["not a paper id"]\n', "split #1 paper id"),
        ("[[merger]]\n", "table 'merger'"),
        ("[[never]\n", "valid TOML"),
    ],
)
def test_a_bad_overrides_file_is_refused_naming_the_entry(
    tmp_path: Path, text: str, named: str
) -> None:
    with pytest.raises(InputError) as caught:
        _write(tmp_path, text)
    assert str(tmp_path / "overrides.toml") in str(caught.value)
    assert named in str(caught.value)


def test_load_refuses_a_bad_overrides_file_before_writing(
    db: Driver, works: Path, tmp_path: Path, neo4j_settings: Neo4jSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    bad = tmp_path / "bad.toml"
    bad.write_text('[[split]]\nauthor = "name:a b"\n', encoding="utf-8")
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.uri)
    monkeypatch.setenv("COLUMNS", "1000")
    result = CliRunner().invoke(
        app, ["load", str(works), "--overrides", str(bad), "--errors", str(tmp_path / "e")]
    )
    assert result.exit_code == 2
    assert "split #1 papers" in result.stderr
    assert graph_stats(db, DB)["nodes"].get("Paper", 0) == 0
