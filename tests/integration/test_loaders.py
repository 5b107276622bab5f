"""Loading the real samples into the real Neo4j: counts, identity, idempotency, bad input."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from neo4j import Driver

from graph.ids import normalize_name
from graph.settings import Neo4jSettings
from graph.stats import graph_stats
from loaders.writer import load_paths
from tests.conftest import wipe

DB = "neo4j"


def scalar(driver: Driver, query: str, **params: object) -> object:
    records, _, _ = driver.execute_query(query, params, database_=DB)
    return records[0][0]


def full_papers(driver: Driver, source: str) -> int:
    return int(
        scalar(
            driver, "MATCH (p:Paper) WHERE NOT p.stub AND $s IN p.sources RETURN count(p)", s=source
        )
    )


# -- per-source counts against SOURCE.md ------------------------------------------------------
@pytest.mark.parametrize(
    ("folder", "source", "papers"),
    [
        ("profile-page", "profile", 17),
        ("arxiv-api-atom", "arxiv", 105),  # 105 real entries; the error feed is not a paper
        ("arxiv-kaggle-snapshot", "arxiv", 200),
        ("openalex-works-api", "openalex", 175),
        ("s2-graph-api-paper", "s2", 1009),  # 1,015 records minus 6 null-id references
        ("aminer-dblp-v12", "aminer", 276),
        ("dblp-xml", "dblp", 1288),
    ],
)
def test_source_loads_its_papers(
    db: Driver, data_dir: Path, folder: str, source: str, papers: int
) -> None:
    summary = load_paths(db, DB, [data_dir / folder])
    assert full_papers(db, source) == papers
    assert not summary.failed_files


def test_bibtex_entries_of_one_work_merge_and_same_titles_of_others_do_not(
    db: Driver, data_dir: Path
) -> None:
    # 3,305 entries; entries without DOI that are the same work by the identity rule (title,
    # year within one, first author, venue: graph.identity.same_work) are one paper, the rest
    # keep their own (two 2011 "Ant Colony Optimization" chapters): the node count expected is
    # the rule's own grouping of every entry at once, whatever the batches of the load.
    from graph.identity import PaperRef, resolve_papers
    from loaders import bibtex
    from loaders.records import Paper
    from loaders.writer import paper_row

    rows = [paper_row(r) for r in bibtex.parse(data_dir / "bibtex-iridia") if isinstance(r, Paper)]
    refs = [PaperRef(r["ids"], r["title_key"], True, r["first_author"], r["venue_key"])
            for r in rows]  # fmt: skip
    expected = len(set(resolve_papers(refs, {}, {}).node_of))
    load_paths(db, DB, [data_dir / "bibtex-iridia"])
    assert full_papers(db, "bibtex") == expected
    assert 3200 < expected <= 3305
    # Two entries of one work in one batch print other names at one position ("Jorge M. S.
    # Valente" where the other printing has "Jose M. Framinan"): each name is its own
    # authorship, in a cluster of its own name, never the other's.
    from graph.ids import match_key, normalize_name

    records, _, _ = db.execute_query(
        "MATCH (a:Author) WHERE a.id STARTS WITH 'name:' RETURN a.id AS id, a.match_key AS key, "
        "a.name_variants AS names",
        database_=DB,
    )
    strays = {
        r["id"]: n for r in records for n in r["names"] if match_key(normalize_name(n)) != r["key"]
    }
    assert len(records) > 1000 and not strays, strays


def test_openalex_links(db: Driver, data_dir: Path) -> None:
    load_paths(db, DB, [data_dir / "openalex-works-api"])
    # 1,887 referenced works, all CITES; 8 point inside the sample
    assert scalar(db, "MATCH (:Paper)-[r:CITES]->() RETURN count(r)") == 1887
    assert scalar(db, "MATCH (:Paper)-[:CITES]->(q:Paper) WHERE NOT q.stub RETURN count(q)") == 8
    # the duplicate Wrangham authorships on W49044230 collapse into one
    assert (
        scalar(
            db,
            "MATCH (a:Author)-[r:AUTHORED]->(:Paper {openalex_id: 'W49044230'}) "
            "WHERE a.name CONTAINS 'Wrangham' RETURN count(r)",
        )
        == 1
    )
    assert scalar(db, "MATCH (a:Author {openalex_id: 'A9999999999'}) RETURN count(a)") == 0
    # abstracts rebuilt; 1 work has none
    assert (
        scalar(db, "MATCH (p:Paper) WHERE NOT p.stub AND p.abstract IS NULL RETURN count(p)") == 1
    )
    # topics hang in their domain/field/subfield hierarchy
    assert scalar(
        db,
        "MATCH (:Category {scheme: 'openalex-topic'})-[:SUBCATEGORY_OF]->(:Category)"
        "-[:SUBCATEGORY_OF]->(:Category)-[:SUBCATEGORY_OF]->(d:Category) "
        "RETURN count(DISTINCT d) > 0",
    )


def test_s2_citation_direction(db: Driver, data_dir: Path) -> None:
    load_paths(db, DB, [data_dir / "s2-graph-api-paper"])
    focal = "doi:10.1093/mind/lix.236.433"
    raw = json.loads(next((data_dir / "s2-graph-api-paper").glob("*.json")).read_text())
    assert raw["externalIds"]["DOI"].lower() == focal.removeprefix("doi:")
    citing = scalar(db, "MATCH (:Paper)-[:CITES]->(f:Paper {id: $f}) RETURN count(*)", f=focal)
    assert citing == len({c["paperId"] for c in raw["citations"] if c["paperId"]})
    refs = scalar(db, "MATCH (f:Paper {id: $f})-[:CITES]->(:Paper) RETURN count(*)", f=focal)
    assert refs == len([r for r in raw["references"] if r["paperId"]])


def test_profile_owner_authors_every_paper(db: Driver, data_dir: Path) -> None:
    load_paths(db, DB, [data_dir / "profile-page"])
    owner = "name:" + normalize_name("Lizhu Zhang")
    assert (
        scalar(db, "MATCH (:Author {id: $a})-[:AUTHORED]->(p:Paper) RETURN count(p)", a=owner) == 17
    )
    assert scalar(db, "MATCH (p:Paper) WHERE p.authors_complete RETURN count(p)") == 0
    reported = db.execute_query(
        "MATCH (a:Author {id: $a}) RETURN a.reported_h_index AS h, a.reported_citation_count AS c, "
        "a.h_index AS computed",
        a=owner,
        database_=DB,
    ).records[0]
    assert (reported["h"], reported["c"]) == (12, 147)
    assert reported["computed"] == 0  # no citations in the graph: computed stays separate


def test_paperscape_counts(db: Driver, data_dir: Path) -> None:
    folder = data_dir / "paperscape-arxiv-1991-1996"
    papers, refs, authorships = 0, 0, 0
    for f in sorted(folder.glob("pscp-*.csv")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split(";", 6)
            papers += 1
            refs += len({r for r in fields[4].split(",") if r})
            names = {normalize_name(a) for a in fields[5].split(",") if any(c.isalpha() for c in a)}
            authorships += len(names)  # a name printed twice on one paper is one authorship
    load_paths(db, DB, [folder])
    assert full_papers(db, "paperscape") == papers == 49264
    assert scalar(db, "MATCH ()-[r:CITES]->() RETURN count(r)") == refs == 146964
    assert scalar(db, "MATCH ()-[r:AUTHORED]->() RETURN count(r)") == authorships
    assert (
        scalar(
            db, "MATCH (:Paper)-[:IN_CATEGORY]->(c:Category {id: 'arxiv:cs.CL'}) RETURN count(*)"
        )
        == 650
    )


# -- identity across sources --------------------------------------------------------------------
def _kaggle_line(arxiv_id: str, title: str, authors: list[list[str]], doi: str | None) -> str:
    return json.dumps(
        {
            "id": arxiv_id,
            "submitter": "x",
            "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
            "title": title,
            "comments": None,
            "journal-ref": None,
            "doi": doi,
            "report-no": None,
            "categories": "cs.LG",
            "license": None,
            "abstract": "  An abstract.",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2018 10:00:00 GMT"}],
            "update_date": "2018-04-02",
            "authors_parsed": [[*a, ""] for a in authors],
        }  # fmt: skip
    )


def test_same_paper_from_s2_and_arxiv_is_one_node(
    db: Driver, data_dir: Path, tmp_path: Path
) -> None:
    raw = json.loads(next((data_dir / "s2-graph-api-paper").glob("*.json")).read_text())
    paper = next(c for c in raw["citations"] if (c.get("externalIds") or {}).get("ArXiv"))
    arxiv_id = paper["externalIds"]["ArXiv"]
    authors = [[a["name"].split()[-1], " ".join(a["name"].split()[:-1])] for a in paper["authors"]]
    kaggle = tmp_path / "arxiv.jsonl"
    kaggle.write_text(_kaggle_line(arxiv_id, paper["title"], authors, None) + "\n")

    load_paths(db, DB, [kaggle])
    load_paths(db, DB, [data_dir / "s2-graph-api-paper"])
    rows = db.execute_query(
        "MATCH (p:Paper {arxiv_id: $a}) RETURN p.id AS id, p.s2_id AS s2, p.sources AS sources",
        a=arxiv_id,
        database_=DB,
    ).records
    assert len(rows) == 1
    assert rows[0]["s2"] == paper["paperId"]
    assert set(rows[0]["sources"]) == {"arxiv", "s2"}
    # the arXiv (name-only) authorships were relinked to the S2 authors at the same positions
    named = scalar(
        db,
        "MATCH (a:Author)-[:AUTHORED]->(:Paper {arxiv_id: $a}) WHERE a.id STARTS WITH 'name:' "
        "RETURN count(a)",
        a=arxiv_id,
    )
    with_ids = sum(1 for a in paper["authors"] if a["authorId"])
    assert named == len(paper["authors"]) - with_ids


def _authors_of(driver: Driver, arxiv_id: str) -> dict[int, str]:
    """Position → OpenAlex author id, or node id for a name-only author."""
    rows = driver.execute_query(
        "MATCH (a:Author)-[r:AUTHORED]->(:Paper {arxiv_id: $a}) "
        "RETURN r.position AS pos, coalesce(a.openalex_id, a.id) AS id",
        a=arxiv_id,
        database_=DB,
    ).records
    return {r["pos"]: r["id"] for r in rows}


@pytest.mark.parametrize("name_only_first", [False, True], ids=["strong-first", "name-only-first"])
def test_name_only_authorship_links_by_a_shared_coauthor(
    db: Driver, data_dir: Path, tmp_path: Path, name_only_first: bool
) -> None:
    """A different paper, name-only, by two people who wrote an OpenAlex work together; the
    link is made whichever of the two sources is loaded first."""
    works = [
        w
        for page in sorted((data_dir / "openalex-works-api").glob("*.json"))
        for w in json.loads(page.read_text())["results"]
    ]
    surnames = Counter(
        a["author"]["display_name"].split()[-1]
        for w in works
        for a in w["authorships"]
        if a["author"].get("id")
    )
    work = next(
        w for w in works
        if len(w["authorships"]) >= 2
        and all(a["author"].get("id") for a in w["authorships"][:2])
        and all(surnames[a["author"]["display_name"].split()[-1]] == 1
                for a in w["authorships"][:2])
    )  # fmt: skip
    people = [a["author"] for a in work["authorships"][:2]]
    # printed as initials + surname, as arXiv listings often are
    printed = [[p["display_name"].split()[-1], p["display_name"][0] + "."] for p in people]
    arxiv_id = "2401.99999"
    other = tmp_path / "other.jsonl"
    other.write_text(_kaggle_line(arxiv_id, "Another paper by the same pair", printed, None) + "\n")

    order = [other, data_dir / "openalex-works-api"]
    summary = load_paths(db, DB, order if name_only_first else order[::-1])
    expected = {i: p["id"].rsplit("/", 1)[-1] for i, p in enumerate(people, 1)}  # the A ids
    assert _authors_of(db, arxiv_id) == expected
    assert summary.counts["authorships_linked_by_coauthor"] == 2
    stats = graph_stats(db, DB)
    load_paths(db, DB, [other])  # a re-run finds the same links
    assert graph_stats(db, DB) == stats
    assert _authors_of(db, arxiv_id) == expected


def test_coauthor_evidence_never_guesses_between_two_people(db: Driver, tmp_path: Path) -> None:
    def work(w: str, people: list[tuple[str, str]]) -> dict[str, object]:
        return {
            "id": f"https://openalex.org/{w}", "title": f"Work {w}", "publication_year": 2020,
            "ids": {"openalex": f"https://openalex.org/{w}"}, "referenced_works": [],
            "authorships": [
                {"author": {"id": f"https://openalex.org/{a}", "display_name": n},
                 "raw_author_name": n} for a, n in people
            ],
        }  # fmt: skip

    works = tmp_path / "works.jsonl"
    works.write_text(
        json.dumps(work("W901", [("A901", "Jane Doe"), ("A903", "Carl Roe")])) + "\n"
        + json.dumps(work("W902", [("A902", "Jim Doe"), ("A903", "Carl Roe")])) + "\n"
    )  # fmt: skip
    listing = tmp_path / "arxiv.jsonl"
    printed = [["Doe", "J."], ["Roe", "C."]]
    listing.write_text(_kaggle_line("2401.88888", "A third paper", printed, None) + "\n")
    load_paths(db, DB, [works, listing])
    # "J. Doe" fits Jane Doe and Jim Doe, who both wrote with Carl Roe: left name-only;
    # "C. Roe" fits one person only, who wrote with a Doe: linked
    assert _authors_of(db, "2401.88888") == {1: "name:j doe", 2: "A903"}


def test_two_nodes_merge_when_a_record_links_them(db: Driver, tmp_path: Path) -> None:
    doi, arxiv_id = "10.5555/merge.test", "1804.00001"
    only_arxiv = tmp_path / "a.jsonl"
    only_arxiv.write_text(_kaggle_line(arxiv_id, "A merge test", [["Doe", "Jane"]], None) + "\n")
    work = {
        "id": "https://openalex.org/W1", "doi": f"https://doi.org/{doi}", "title": "A merge test",
        "display_name": "A merge test", "publication_year": 2018, "publication_date": "2018-04-02",
        "ids": {"openalex": "https://openalex.org/W1", "doi": f"https://doi.org/{doi}"},
        "authorships": [], "referenced_works": [], "concepts": [], "topics": [],
        "primary_location": None, "type": "article", "cited_by_count": 0, "counts_by_year": [],
        "abstract_inverted_index": None,
    }  # fmt: skip
    only_doi = tmp_path / "w.json"
    only_doi.write_text(json.dumps(work))
    load_paths(db, DB, [only_arxiv, only_doi])
    assert scalar(db, "MATCH (p:Paper) WHERE NOT p.stub RETURN count(p)") == 2
    both = tmp_path / "both.jsonl"
    both.write_text(_kaggle_line(arxiv_id, "A merge test", [["Doe", "Jane"]], doi) + "\n")
    summary = load_paths(db, DB, [both])
    assert summary.counts["papers_merged"] == 1
    rec = db.execute_query(
        "MATCH (p:Paper) RETURN p.id AS id, p.doi AS doi, p.arxiv_id AS arxiv, p.openalex_id AS oa",
        database_=DB,
    ).records
    assert [(r["id"], r["doi"], r["arxiv"], r["oa"]) for r in rec] == [
        (f"doi:{doi}", doi, arxiv_id, "W1")
    ]


# -- idempotency, interruption, bad input -------------------------------------------------------
SAMPLES = ["profile-page", "arxiv-api-atom", "openalex-works-api", "s2-graph-api-paper", "dblp-xml"]


def test_rerun_changes_nothing(db: Driver, data_dir: Path) -> None:
    load_paths(db, DB, [data_dir / s for s in SAMPLES])
    first = graph_stats(db, DB)
    summary = load_paths(db, DB, [data_dir / s for s in SAMPLES])
    assert graph_stats(db, DB) == first
    assert summary.counts["papers_created"] == 0
    assert summary.counts["authorships_created"] == 0


def _fingerprint(driver: Driver) -> list[object]:
    query = (
        "MATCH (p:Paper) OPTIONAL MATCH (p)-[:CITES]->(q) OPTIONAL MATCH (a)-[r:AUTHORED]->(p) "
        "WITH p, collect(DISTINCT q.id) AS refs, collect(DISTINCT [a.id, r.position]) AS au "
        "RETURN p.id AS id, p.title AS t, p.stub AS s, refs, au ORDER BY id"
    )
    recs = driver.execute_query(query, database_=DB).records
    return [(r["id"], r["t"], r["s"], sorted(r["refs"]), sorted(map(tuple, r["au"]))) for r in recs]


def test_killed_load_rerun_equals_uninterrupted(
    db: Driver, data_dir: Path, neo4j_settings: Neo4jSettings, tmp_path: Path
) -> None:
    src = data_dir / "paperscape-arxiv-1991-1996" / "pscp-1993.csv"
    load_paths(db, DB, [src])
    expected_stats, expected = graph_stats(db, DB), _fingerprint(db)
    wipe(db)

    env = {**os.environ, "NEO4J_URI": neo4j_settings.uri, "SCHOLARGRAPH_BATCH_SIZE": "500"}
    cmd = [sys.executable, "-m", "cli", "load", str(src), "--errors", str(tmp_path / "e.jsonl")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some batches are committed, then SIGKILL
        if int(scalar(db, "MATCH (p:Paper) RETURN count(p)")) > 1500:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = int(scalar(db, "MATCH (p:Paper) WHERE NOT p.stub RETURN count(p)"))
    assert 0 < partial < 6741, "the load was not interrupted mid-way"

    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert graph_stats(db, DB) == expected_stats
    assert _fingerprint(db) == expected


def test_corrupted_records_reported_and_neighbours_kept(
    db: Driver, data_dir: Path, tmp_path: Path
) -> None:
    lines = (
        (data_dir / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    bad = tmp_path / "kaggle.jsonl"
    broken = [*lines[:10], lines[10][: len(lines[10]) // 2], *lines[11:20]]  # line 11 truncated
    bad.write_text("\n".join(broken) + "\n", encoding="utf-8")
    ps_lines = (data_dir / "paperscape-arxiv-1991-1996" / "pscp-1991.csv").read_text(
        encoding="utf-8"
    )
    ps = tmp_path / "pscp.csv"
    ps.write_text(ps_lines.replace("\n", "\nnot;a;valid;line\n", 1), encoding="utf-8")
    unknown = tmp_path / "unknown.dat"
    unknown.write_bytes(b"\x00\x01 nothing a parser knows")

    report = io.BytesIO()
    summary = load_paths(db, DB, [bad, ps, unknown], errors_to=report)
    issues = [orjson.loads(x) for x in report.getvalue().splitlines()]
    assert any(i["file"] == str(bad) and i["line"] == 11 for i in issues)
    assert any(i["file"] == str(ps) and i["line"] is not None for i in issues)
    assert any(i["file"] == str(unknown) and i["fatal"] for i in issues)
    assert [f.path for f in summary.failed_files] == [str(unknown)]
    assert full_papers(db, "arxiv") == 19
    assert full_papers(db, "paperscape") == 306
    assert not summary.ok


def test_cli_load_exit_code_and_report(
    db: Driver, neo4j_settings: Neo4jSettings, tmp_path: Path, data_dir: Path
) -> None:
    env = {**os.environ, "NEO4J_URI": neo4j_settings.uri}
    report = tmp_path / "errors.jsonl"
    ok = subprocess.run(
        [sys.executable, "-m", "cli", "load", str(data_dir / "profile-page"),
         "--errors", str(report)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "papers" in ok.stderr and report.read_text() == ""
    missing = subprocess.run(
        [sys.executable, "-m", "cli", "load", str(tmp_path / "nope.json"), "--errors", str(report)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert missing.returncode == 3  # ExitCode.INPUT_ERROR: a missing input, nothing loaded
    assert "nope.json" in report.read_text()
