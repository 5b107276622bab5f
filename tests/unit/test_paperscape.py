"""The Paperscape parser against the 1991–1996 benchmark set in shared/data."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from loaders import paperscape
from loaders.records import Paper, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
FOLDER = DATA / "paperscape-arxiv-1991-1996"
FILES = sorted(FOLDER.glob("pscp-*.csv"))
PER_FILE = {  # SOURCE.md, "Counts"
    "pscp-1991.csv": 306,
    "pscp-1992.csv": 3_261,
    "pscp-1993.csv": 6_741,
    "pscp-1994.csv": 10_088,
    "pscp-1995.csv": 13_002,
    "pscp-1996.csv": 15_866,
}


@pytest.fixture(scope="module")
def by_file() -> dict[str, list[object]]:
    return {f.name: list(paperscape.parse(f)) for f in FILES}


@pytest.fixture(scope="module")
def papers(by_file: dict[str, list[object]]) -> list[Paper]:
    return [r for out in by_file.values() for r in out if isinstance(r, Paper)]


@pytest.fixture(scope="module")
def by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.ids.arxiv or "": p for p in papers}


def test_papers_per_file_and_no_issues(by_file: dict[str, list[object]]) -> None:
    assert {name: len(out) for name, out in by_file.items()} == PER_FILE
    assert not [r for out in by_file.values() for r in out if isinstance(r, ParseIssue)]


def test_totals_from_source_md(papers: list[Paper]) -> None:
    assert len(papers) == 49_264
    assert len({p.ids.arxiv for p in papers}) == 49_264
    assert sum(len(p.authors) for p in papers) == 111_535
    assert len({a.raw_name for p in papers for a in p.authors}) == 29_269
    assert sum(not p.authors for p in papers) == 5  # papers without authors are valid
    assert sum(len(p.references) for p in papers) == 146_964
    loaded = {p.ids.arxiv for p in papers}
    assert sum(r.arxiv in loaded for p in papers for r in p.references) == 145_674
    assert sum(p.ids in p.references for p in papers) == 30  # self-citations kept as listed
    # "11,825 papers have 0 references" counts num-total-refs (references in the paper, arXiv
    # or not); those papers list no arXiv reference either, and more papers cite nothing
    # that Paperscape resolved to arXiv. Paper has no field for the total, so it is not kept.
    assert sum(not p.references for p in papers) > 11_825


def test_primary_categories(papers: list[Paper]) -> None:
    primary = Counter(p.primary_category for p in papers)
    for code, count in {
        "hep-ph": 11_325, "hep-th": 11_190, "cond-mat": 5_903, "astro-ph": 5_654,
        "gr-qc": 2_778, "hep-lat": 2_140, "nucl-th": 1_910, "quant-ph": 809,
    }.items():  # fmt: skip
        assert primary[f"arxiv:{code}"] == count, code
    # Legacy archives are folded into their modern category: alg-geom 887 (+ papers filed
    # directly as math.AG), q-alg 743, chao-dyn 686, cmp-lg 650 (all also tagged cs.CL).
    assert primary["arxiv:cs.CL"] == 650
    assert primary["arxiv:math.AG"] >= 887
    assert primary["arxiv:math.QA"] >= 743
    assert primary["arxiv:nlin.CD"] == 686
    assert not any(":cmp-lg" in c.id or ":alg-geom" in c.id for p in papers for c in p.categories)


def test_legacy_and_modern_tag_is_one_category(by_id: dict[str, Paper]) -> None:
    p = by_id["cmp-lg/9404001"]  # "cmp-lg,cs.CL"
    assert [c.id for c in p.categories] == ["arxiv:cs.CL"]
    assert p.primary_category == "arxiv:cs.CL"
    assert p.categories[0].parent is not None and p.categories[0].parent.id == "arxiv:cs"
    q = by_id["gr-qc/9404002"]  # "gr-qc,dg-ga,math.DG"
    assert [c.id for c in q.categories] == ["arxiv:gr-qc", "arxiv:math.DG"]


def test_example_line_field_by_field(by_id: dict[str, Paper]) -> None:
    p = by_id["gr-qc/9404002"]
    assert p.title == "The Patchwork Divergence Theorem"
    assert (p.year, p.date) == (1994, "1994-04")
    assert [r.arxiv for r in p.references] == ["gr-qc/9303002"]
    assert [(a.position, a.author.name, a.raw_name) for a in p.authors] == [
        (1, "T. Dray", "T.Dray"),
        (2, "C. Hellaby", "C.Hellaby"),
    ]
    assert p.source == "paperscape"
    assert p.url == "https://arxiv.org/abs/gr-qc/9404002"
    assert p.venue is not None and p.venue.key() == "arxiv"


def test_year_and_month_from_the_id(by_id: dict[str, Paper]) -> None:
    assert (by_id["hep-lat/9107001"].year, by_id["hep-lat/9107001"].date) == (1991, "1991-07")
    assert by_id["math/9201233"].date == "1992-01"
    years = Counter(p.year for p in by_id.values())
    assert years == {1991: 306, 1992: 3_261, 1993: 6_741, 1994: 10_088, 1995: 13_002,
                     1996: 15_866}  # fmt: skip


def test_author_names(by_id: dict[str, Paper]) -> None:
    assert paperscape.display_name("S.D.Odintsov") == "S. D. Odintsov"
    assert paperscape.display_name("J.-P.Serre") == "J.-P. Serre"
    assert [a.author.name for a in by_id["math/9201233"].authors] == ["P. Ørno"]
    assert [a.author.name for a in by_id["math/9201269"].authors] == [
        "J. F. Traub",
        "H. Woźniakowski",
    ]
    ukqcd = by_id["hep-lat/9205016"].authors
    assert (ukqcd[0].position, ukqcd[0].author.name) == (1, "UKQCD Collaboration")  # kept
    assert len(ukqcd) == 23
    assert by_id["nucl-th/9310002"].authors == ()


def test_titles_with_semicolons_and_math(papers: list[Paper]) -> None:
    assert sum(";" in (p.title or "") for p in papers) == 55
    assert sum("$" in (p.title or "") for p in papers) >= 4_816


def test_gzip_copy_parses_identically(tmp_path: Path, by_file: dict[str, list[object]]) -> None:
    gz = tmp_path / "pscp-1992.csv.gz"
    gz.write_bytes(gzip.compress((FOLDER / "pscp-1992.csv").read_bytes()))
    assert list(paperscape.parse(gz)) == by_file["pscp-1992.csv"]


def test_bad_lines_are_reported_and_neighbours_survive(tmp_path: Path) -> None:
    lines = (FOLDER / "pscp-1991.csv").read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines[first + 1] = "hep-th/9108001;hep-th;0;0"  # too few fields
    lines[first + 3] = "nonsense;hep-th;0;0;;A.B;Title"  # not an arXiv id
    lines[first + 5] = "hep-th/9113001;hep-th;0;0;;A.B;Month 13"  # impossible month
    lines[first + 7] = lines[first + 7].split(";", 6)[0] + ";hep-th;0;0;;A.B;   "  # no title
    fields = lines[first + 9].split(";", 6)
    fields[5] = "--," + fields[5]  # an author token without letters: dropped, paper kept
    lines[first + 9] = ";".join(fields)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    out = list(paperscape.parse(bad))
    issues = [r for r in out if isinstance(r, ParseIssue)]
    assert [(i.location.file, i.location.line) for i in issues] == [
        (str(bad), first + n + 1) for n in (1, 3, 5, 7, 9)
    ]
    assert "'--'" in issues[-1].reason
    assert not any(i.fatal for i in issues)
    assert len([r for r in out if isinstance(r, Paper)]) == 306 - 4


def test_sniff() -> None:
    for f in FILES:
        assert paperscape.sniff(f.read_bytes()[:8192], f)
    for other in [
        DATA / "profile-page" / "lizhu-zhang.profile.txt",
        DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl",
        DATA / "arxiv-api-atom" / "idlist_1605.08386.atom.xml",
    ]:
        assert not paperscape.sniff(other.read_bytes()[:8192], other)
    headerless = b"hep-th/9201001;hep-th;0;3;;A.Author;A title\n"
    assert paperscape.sniff(headerless, Path("x.csv"))


def test_invalid_utf8_line_reported_neighbours_parsed(tmp_path: Path) -> None:
    source = FOLDER / "pscp-1991.csv"
    lines = source.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if not line.startswith(b"#")) + 5
    lines[number - 1] = lines[number - 1].replace(b";", b";\xc3\x28", 1)  # invalid 2-byte seq
    bad = tmp_path / "pscp.csv"
    bad.write_bytes(b"".join(lines))
    items = list(paperscape.parse(bad))
    (issue,) = [i for i in items if isinstance(i, ParseIssue)]
    assert issue.location.line == number and not issue.fatal
    assert f"line {number} is not valid UTF-8: byte(s) c3" in issue.reason
    assert sum(isinstance(i, Paper) for i in items) == PER_FILE["pscp-1991.csv"] - 1
