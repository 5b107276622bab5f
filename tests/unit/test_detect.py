"""Input checks and format choice (loaders/detect.py) on the real samples."""

from __future__ import annotations

from pathlib import Path

from graph.errors import FormatMismatch, SourceError
from loaders import arxiv_kaggle, detect, profile

DATA = Path(__file__).parents[2].parent / "shared" / "data"
SNAPSHOT = DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
PAGE = DATA / "profile-page" / "lizhu-zhang.profile.txt"


def test_missing_inputs_name_each_problem(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.md").write_text("documentation only", encoding="utf-8")
    inputs = [str(SNAPSHOT), str(tmp_path / "nope.jsonl"), str(tmp_path / "*.xml"), str(empty)]
    problems = detect.missing_inputs(inputs)
    assert all(isinstance(p, SourceError) for p in problems)
    assert [(p.path, p.reason) for p in problems] == [
        (str(tmp_path / "nope.jsonl"), "no such file or directory"),
        (str(tmp_path / "*.xml"), "no file matches this pattern"),
        (str(empty), "the directory holds no file to load"),
    ]
    assert detect.missing_inputs([str(DATA / "arxiv-kaggle-snapshot" / "*.jsonl")]) == []


def test_forced_format_must_not_contradict_the_content() -> None:
    ((paths, outcome),) = detect.plan([SNAPSHOT], "profile")
    assert paths == [SNAPSHOT]
    assert isinstance(outcome, FormatMismatch)
    assert str(outcome).startswith(f"{SNAPSHOT}: --format profile does not recognise its content")
    assert "which is arxiv-kaggle" in str(outcome)
    assert [m for _, m in detect.plan([SNAPSHOT], "arxiv-kaggle")] == [arxiv_kaggle]
    assert [m for _, m in detect.plan([PAGE], "profile")] == [profile]


def test_forced_format_reads_a_file_no_check_recognises(tmp_path: Path) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("nothing any sniffer knows\n", encoding="utf-8")
    assert [m for _, m in detect.plan([odd], "paperscape")] == [detect.parser_for("paperscape")]
