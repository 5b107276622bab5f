"""Bad bytes and bad command lines against the real CLI and the real Neo4j: a line that does not
decode costs that line only, and the exit code says which kind of problem happened
(docs/loaders.md#exit-codes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from neo4j import Driver

from cli.exit_codes import ExitCode
from graph.settings import Neo4jSettings
from graph.stats import graph_stats

DB = "neo4j"
SCHOLARGRAPH = Path(sys.executable).with_name("scholargraph")
SNAPSHOT = "arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"


def run(
    settings: Neo4jSettings | None, *args: str, uri: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "1000"}  # no wrapping in stderr messages
    env["NEO4J_URI"] = uri or (settings.uri if settings else "bolt://127.0.0.1:9")
    return subprocess.run(
        [str(SCHOLARGRAPH), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def issues(report: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in report.read_bytes().splitlines()]


def count(driver: Driver, query: str, **params: object) -> int:
    return int(driver.execute_query(query, params, database_=DB).records[0][0])


def arxiv_papers(driver: Driver) -> int:
    return count(
        driver, "MATCH (p:Paper) WHERE NOT p.stub AND 'arxiv' IN p.sources RETURN count(p)"
    )


def nodes(driver: Driver) -> int:
    return count(driver, "MATCH (n) RETURN count(n)")


@pytest.fixture()
def broken_snapshot(data_dir: Path, tmp_path: Path) -> Path:
    """The real 200-line snapshot with one invalid UTF-8 byte in line 100's title."""
    lines = (data_dir / SNAPSHOT).read_bytes().splitlines(keepends=True)
    assert len(lines) == 200 and b'"id":"0704.0100"' in lines[99]
    lines[99] = lines[99].replace(b'"title":"', b'"title":"\xff', 1)
    path = tmp_path / "snapshot.jsonl"
    path.write_bytes(b"".join(lines))
    return path


def test_bad_byte_on_line_100_costs_that_line_only(
    db: Driver, neo4j_settings: Neo4jSettings, broken_snapshot: Path, tmp_path: Path
) -> None:
    report = tmp_path / "errors.jsonl"
    proc = run(neo4j_settings, "load", str(broken_snapshot), "--errors", str(report))
    assert proc.returncode == ExitCode.RECORDS_REJECTED, proc.stderr
    (issue,) = issues(report)
    assert (issue["file"], issue["line"], issue["fatal"]) == (str(broken_snapshot), 100, False)
    assert "line 100 is not valid UTF-8: byte(s) ff" in str(issue["reason"])
    assert arxiv_papers(db) == 199
    present = {
        r["a"]
        for r in db.execute_query(
            "MATCH (p:Paper) WHERE p.arxiv_id IN ['0704.0099', '0704.0100', '0704.0101', "
            "'0704.0200'] RETURN p.arxiv_id AS a",
            database_=DB,
        ).records
    }
    assert present == {"0704.0099", "0704.0101", "0704.0200"}
    before = graph_stats(db, DB)
    again = run(neo4j_settings, "load", str(broken_snapshot), "--errors", str(report))
    assert again.returncode == ExitCode.RECORDS_REJECTED, again.stderr
    assert graph_stats(db, DB) == before  # a re-run changes nothing


def test_clean_load_exits_0(
    db: Driver, neo4j_settings: Neo4jSettings, data_dir: Path, tmp_path: Path
) -> None:
    report = tmp_path / "errors.jsonl"
    proc = run(neo4j_settings, "load", str(data_dir / SNAPSHOT), "--errors", str(report))
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert report.read_bytes() == b"" and arxiv_papers(db) == 200


def test_missing_inputs_exit_3_and_load_nothing(
    db: Driver, neo4j_settings: Neo4jSettings, data_dir: Path, tmp_path: Path
) -> None:
    report = tmp_path / "errors.jsonl"
    pattern = str(tmp_path / "nothing-*.jsonl")
    missing = str(tmp_path / "nope.jsonl")
    proc = run(
        neo4j_settings, "load", str(data_dir / SNAPSHOT), pattern, missing, "--errors", str(report)
    )
    assert proc.returncode == ExitCode.INPUT_ERROR, proc.stderr
    assert f"{pattern}: no file matches this pattern" in proc.stderr
    assert f"{missing}: no such file or directory" in proc.stderr
    assert [(i["file"], i["fatal"]) for i in issues(report)] == [(pattern, True), (missing, True)]
    assert nodes(db) == 0  # checked before anything was loaded, the valid file included

    alone = run(neo4j_settings, "load", pattern, "--errors", str(report))
    assert alone.returncode == ExitCode.INPUT_ERROR, alone.stderr


def test_forced_format_that_does_not_match_writes_nothing(
    db: Driver, neo4j_settings: Neo4jSettings, data_dir: Path, tmp_path: Path
) -> None:
    report = tmp_path / "errors.jsonl"
    proc = run(
        neo4j_settings, "load", str(data_dir / SNAPSHOT), "--format", "profile",
        "--errors", str(report),
    )  # fmt: skip
    assert proc.returncode == ExitCode.INPUT_ERROR, proc.stderr
    (issue,) = issues(report)
    assert issue["fatal"] and issue["file"] == str(data_dir / SNAPSHOT)
    assert "--format profile does not recognise its content, which is arxiv-kaggle" in str(
        issue["reason"]
    )
    assert nodes(db) == 0  # no Author named with a whole JSON line, nothing at all

    odd = tmp_path / "notes.txt"  # content no format claims: the forced parser reads it
    odd.write_text("first note\nsecond note\n", encoding="utf-8")
    forced = run(
        neo4j_settings, "load", str(odd), "--format", "paperscape", "--errors", str(report)
    )
    assert forced.returncode == ExitCode.INPUT_ERROR, forced.stderr
    assert "--format paperscape recognised no record" in str(issues(report)[-1]["reason"])
    assert nodes(db) == 0


def test_unreadable_file_exits_3_while_the_others_load(
    db: Driver, neo4j_settings: Neo4jSettings, data_dir: Path, tmp_path: Path
) -> None:
    unknown = tmp_path / "blob.dat"
    unknown.write_bytes(b"\x00\x01 nothing a parser knows")
    report = tmp_path / "errors.jsonl"
    proc = run(
        neo4j_settings, "load", str(unknown), str(data_dir / SNAPSHOT), "--errors", str(report)
    )
    assert proc.returncode == ExitCode.INPUT_ERROR, proc.stderr
    assert arxiv_papers(db) == 200
    assert [i["file"] for i in issues(report)] == [str(unknown)]


def test_usage_errors_exit_2(neo4j_settings: Neo4jSettings, data_dir: Path, tmp_path: Path) -> None:
    snapshot = str(data_dir / SNAPSHOT)
    assert run(neo4j_settings, "load", snapshot, "--format", "nosuch").returncode == ExitCode.USAGE
    assert run(neo4j_settings, "load", snapshot, "--no-such-option").returncode == ExitCode.USAGE
    assert run(neo4j_settings, "load").returncode == ExitCode.USAGE  # no PATH
    unwritable = str(tmp_path / "no-dir" / "errors.jsonl")
    assert (
        run(neo4j_settings, "load", snapshot, "--errors", unwritable).returncode == ExitCode.USAGE
    )


def test_unreachable_neo4j_exits_4(data_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = run(
        None, "load", str(data_dir / SNAPSHOT), "--errors", str(tmp_path / "e.jsonl"),
        uri=f"bolt://127.0.0.1:{port}",
    )  # fmt: skip
    assert proc.returncode == ExitCode.DATABASE_UNAVAILABLE, proc.stderr
    assert "unavailable" in proc.stderr and "Traceback" not in proc.stderr


def test_bulk_import_input_errors_exit_3(data_dir: Path, tmp_path: Path) -> None:
    """Checked before the local server is touched."""
    nothing = run(None, "bulk-import", str(tmp_path / "none-*.jsonl"))
    assert nothing.returncode == ExitCode.INPUT_ERROR, nothing.stderr
    assert "no file matches this pattern" in nothing.stderr
    wrong = run(None, "bulk-import", str(data_dir / SNAPSHOT))
    assert wrong.returncode == ExitCode.INPUT_ERROR, wrong.stderr
    assert "arxiv-kaggle" in wrong.stderr
