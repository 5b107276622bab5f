"""The CLI as a user meets it: exit codes, one-line errors, flags, the API's JSON names, tables
with names next to ids (docs/cli.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from neo4j import Driver
from typer.testing import CliRunner

from cli.exit_codes import ExitCode
from cli.load import display_name
from cli.main import app, camel_keys
from graph.settings import Neo4jSettings
from tests.integration.test_export import analysed  # noqa: F401  (fixture)

SCHOLARGRAPH = Path(sys.executable).with_name("scholargraph")
CLOSED = "bolt://127.0.0.1:9"


def _cli(
    monkeypatch: pytest.MonkeyPatch, settings: Neo4jSettings, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("NEO4J_URI", settings.uri)
    monkeypatch.setenv("NEO4J_DATABASE", settings.database)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_serve_with_neo4j_down_prints_one_line_and_exits_4() -> None:
    env = {**os.environ, "NEO4J_URI": CLOSED, "COLUMNS": "1000"}
    t0 = time.monotonic()
    done = subprocess.run(
        [str(SCHOLARGRAPH), "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - t0 < 30
    assert done.returncode == ExitCode.DATABASE_UNAVAILABLE == 4
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Neo4j is not reachable at bolt://127.0.0.1:9" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""  # no URL announced


def test_other_commands_with_neo4j_down_exit_4() -> None:
    env = {**os.environ, "NEO4J_URI": CLOSED, "COLUMNS": "1000"}
    done = subprocess.run(
        [str(SCHOLARGRAPH), "stats"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == ExitCode.DATABASE_UNAVAILABLE
    assert "Traceback" not in done.stderr and "not reachable" in done.stderr


def test_missing_file_says_it_does_not_exist(tmp_path: Path) -> None:
    env = {**os.environ, "NEO4J_URI": CLOSED, "COLUMNS": "1000"}
    missing = tmp_path / "nope.jsonl"
    done = subprocess.run(
        [str(SCHOLARGRAPH), "load", str(missing)], env=env, capture_output=True, text=True
    )
    assert done.returncode == ExitCode.INPUT_ERROR
    assert "no such file or directory" in done.stderr and "--format" not in done.stderr


def test_json_is_a_flag_and_top_an_alias_of_first() -> None:
    help_text = CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"}).stdout
    (json_line,) = [line for line in help_text.splitlines() if "--no-json" in line]
    assert "<bool>" not in json_line  # a flag: it takes no value
    assert "--first" in help_text and "--top" not in help_text


def test_analyze_table_shows_names_and_json_uses_camel_case(
    analysed: Driver,  # noqa: F811
    neo4j_settings: Neo4jSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = _cli(
        monkeypatch, neo4j_settings, "analyze", "-g", "coauthorship", "-a", "degree", "--first", "3"
    )
    assert code == 0
    assert "Author " in out and "name" in out  # names next to ids
    code, out, err = _cli(
        monkeypatch, neo4j_settings, "analyze", "-g", "coauthorship", "-a", "degree",
        "--top", "2", "--json",
    )  # fmt: skip
    assert code == 0 and "deprecated" in err
    data = orjson.loads(out)
    assert {"nodeCount", "edgeCount", "resultKeys", "specHash"} <= set(data)
    assert "node_count" not in data and len(data["top"]["degree"]) == 2
    code, out, _ = _cli(monkeypatch, neo4j_settings, "stats")
    stats = orjson.loads(out)
    assert {"stubPapers", "totalNodes", "totalRelationships"} <= set(stats)
    assert "AUTHORED" in stats["relationships"]  # relationship types keep their names


def test_camel_keys_renames_snake_case_only() -> None:
    value = {"joint_paper_count": 1, "CITES_X": 2, "Paper": [{"h_index": 3}], "p1": 4}
    assert camel_keys(value) == {"jointPaperCount": 1, "CITES_X": 2, "Paper": [{"hIndex": 3}],
                                 "p1": 4}  # fmt: skip


def test_progress_labels_tell_files_apart() -> None:
    names = [f"/data/part_{i}/works.jsonl.gz" for i in range(4)]
    labels = [display_name(n) for n in names]
    assert len(set(labels)) == 4 and labels[0] == "part_0/works.jsonl.gz"
    long = display_name("/x/" + "a" * 80 + "/file.jsonl")
    assert len(long) <= 48 and "…" in long and long.endswith("file.jsonl")
