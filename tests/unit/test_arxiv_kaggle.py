"""The Kaggle arXiv snapshot parser against the 200-line head in shared/data."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from loaders import arxiv_kaggle
from loaders.records import Paper, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
SNAPSHOT = DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    out = list(arxiv_kaggle.parse(SNAPSHOT))
    assert all(isinstance(r, Paper) for r in out)
    return [r for r in out if isinstance(r, Paper)]


@pytest.fixture(scope="module")
def by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.ids.arxiv or "": p for p in papers}


def test_counts_from_source_md(papers: list[Paper]) -> None:
    assert len(papers) == 200
    assert len({p.ids.arxiv for p in papers}) == 200
    assert min(p.ids.arxiv or "" for p in papers) == "0704.0001"
    assert max(p.ids.arxiv or "" for p in papers) == "0704.0200"
    assert sum(len(p.authors) for p in papers) == 537
    assert max(len(p.authors) for p in papers) == 15
    assert len({c.id for p in papers for c in p.categories}) == 72
    assert sum(len(p.categories) > 1 for p in papers) == 78
    assert sum(p.ids.doi is None for p in papers) == 83
    assert sum(p.journal_ref is None for p in papers) == 91
    assert sum(any(c.id.startswith("arxiv:cs.") for c in p.categories) for p in papers) == 8
    assert not any(c.id == "arxiv:cs.CL" for p in papers for c in p.categories)
    assert all(p.references == () for p in papers)  # no citation data in this format


def test_primary_categories(papers: list[Paper]) -> None:
    primary = Counter(p.primary_category for p in papers)
    # SOURCE.md counts categories over all listings: astro-ph 23, hep-ph 22 ...; the primary
    # counts are at most those.
    assert primary["arxiv:astro-ph"] <= 23 and primary["arxiv:hep-ph"] <= 22
    listed = Counter(c.id for p in papers for c in p.categories)
    assert listed["arxiv:astro-ph"] == 23
    assert listed["arxiv:hep-ph"] == 22
    assert listed["arxiv:cond-mat.mtrl-sci"] == 19
    assert listed["arxiv:hep-th"] == 15


def test_first_record_field_by_field(by_id: dict[str, Paper]) -> None:
    p = by_id["0704.0001"]
    assert p.source == "arxiv"
    assert p.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )  # "\n  " line folding collapsed
    assert p.abstract is not None and p.abstract.startswith("A fully differential calculation")
    assert "\n" not in p.abstract and p.abstract.endswith("judicious selection of events.")
    assert (p.date, p.year) == ("2007-04-02", 2007)  # v1 created, not v2 or update_date
    assert p.ids.doi == "10.1103/physrevd.76.013009"
    assert p.journal_ref == "Phys.Rev.D76:013009,2007"
    assert p.url == "https://arxiv.org/abs/0704.0001"
    assert p.venue is not None and (p.venue.key(), p.venue.type) == ("arxiv", "repository")
    assert [(a.position, a.author.name) for a in p.authors] == [
        (1, "C. Balázs"),  # authors_parsed, not the LaTeX "Bal\'azs"
        (2, "E. L. Berger"),
        (3, "P. M. Nadolsky"),
        (4, "C.-P. Yuan"),  # "C. -P." repaired
    ]
    assert p.authors[0].raw_name == "C. Bal\\'azs"  # as printed in ``authors``
    assert p.primary_category == "arxiv:hep-ph"


def test_cross_listed_categories_keep_primary_first(by_id: dict[str, Paper]) -> None:
    p = by_id["0704.0046"]
    assert [c.id for c in p.categories] == ["arxiv:quant-ph", "arxiv:cs.IT", "arxiv:math.IT"]
    assert p.primary_category == "arxiv:quant-ph"
    assert [c.name for c in p.categories][1] == "Information Theory"
    assert [c.id for c in by_id["0704.0047"].categories] == ["arxiv:cs.NE", "arxiv:cs.AI"]
    assert by_id["0704.0002"].date == "2007-03-31"


def test_no_latex_accent_or_line_break_left_in_names_and_titles(papers: list[Paper]) -> None:
    for p in papers:
        assert p.title and "\n" not in p.title and "  " not in p.title
        for a in p.authors:
            assert "\\" not in a.author.name and "{" not in a.author.name
            assert " -" not in a.author.name
    names = {a.author.name for p in papers for a in p.authors}
    assert len(names) <= 510  # 510 distinct (last, first, suffix) tuples


def test_gzip_copy_parses_identically(tmp_path: Path, papers: list[Paper]) -> None:
    gz = tmp_path / "snapshot.json.gz"
    gz.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))
    assert list(arxiv_kaggle.parse(gz)) == papers


def test_bad_lines_are_reported_and_neighbours_survive(tmp_path: Path) -> None:
    lines = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:50]  # truncated JSON
    lines[4] = lines[4].replace('"id":"0704.0005"', '"id":"not-an-id"')
    lines[7] = lines[7].replace('"title":"', '"title":" \\n ", "x":"')  # blank title
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = list(arxiv_kaggle.parse(bad))
    issues = [r for r in out if isinstance(r, ParseIssue)]
    assert [(i.location.file, i.location.line) for i in issues] == [
        (str(bad), 2),
        (str(bad), 5),
        (str(bad), 8),
    ]
    assert not any(i.fatal for i in issues)
    assert len([r for r in out if isinstance(r, Paper)]) == 197


def test_sniff() -> None:
    assert arxiv_kaggle.sniff(SNAPSHOT.read_bytes()[:8192], SNAPSHOT)
    for other in [
        DATA / "profile-page" / "lizhu-zhang.profile.txt",
        DATA / "arxiv-api-atom" / "idlist_1605.08386.atom.xml",
        DATA / "paperscape-arxiv-1991-1996" / "pscp-1991.csv",
        *sorted((DATA / "openalex-works-api").glob("*"))[:3],
        *sorted((DATA / "s2-graph-api-paper").glob("*"))[:3],
    ]:
        if other.is_file():
            assert not arxiv_kaggle.sniff(other.read_bytes()[:8192], other), other


def test_invalid_utf8_line_reported_neighbours_parsed(tmp_path: Path) -> None:
    lines = SNAPSHOT.read_bytes().splitlines(keepends=True)
    assert len(lines) == 200
    lines[99] = lines[99].replace(b'"title":"', b'"title":"\xff', 1)  # line 100
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(lines))
    items = list(arxiv_kaggle.parse(bad))
    (issue,) = [i for i in items if isinstance(i, ParseIssue)]
    assert (issue.location.file, issue.location.line, issue.fatal) == (str(bad), 100, False)
    assert "line 100 is not valid UTF-8: byte(s) ff" in issue.reason
    ids = [p.ids.arxiv for p in items if isinstance(p, Paper)]
    assert len(ids) == 199 and "0704.0100" not in ids
    assert {"0704.0099", "0704.0101", "0704.0200"} <= set(ids)
