"""AMiner DBLP-Citation-network V12 parser, on ../shared/data/aminer-dblp-v12 (the first 276
records of dblp.v12.json). Expected figures come from that folder's SOURCE.md."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from loaders import aminer
from loaders.io import head
from loaders.records import Paper, PaperIds, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
FILE = DATA / "aminer-dblp-v12" / "dblp_subset.v12.json"


def _split(path: Path) -> tuple[list[Paper], list[ParseIssue]]:
    records = list(aminer.parse(path))
    papers = [r for r in records if isinstance(r, Paper)]
    issues = [r for r in records if isinstance(r, ParseIssue)]
    assert len(papers) + len(issues) == len(records)
    return papers, issues


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    papers, issues = _split(FILE)
    assert issues == []
    return papers


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    return json.loads(FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.ids.aminer: p for p in papers if p.ids.aminer}


def test_counts_match_source_md(papers: list[Paper]) -> None:
    assert len(papers) == 276
    assert len({p.ids.aminer for p in papers}) == 276
    assert all(p.source == "aminer" for p in papers)
    assert min(p.year for p in papers if p.year) == 1971
    assert max(p.year for p in papers if p.year) == 2017
    assert sum(len(p.authors) for p in papers) == 743
    assert len({a.author.aminer for p in papers for a in p.authors}) == 741
    assert all(a.author.aminer for p in papers for a in p.authors)
    assert sum(1 for p in papers for a in p.authors if a.author.affiliation is None) == 348
    assert sum(len(p.references) for p in papers) == 1598
    assert sum(1 for p in papers if p.references) == 166
    loaded = {p.ids.aminer for p in papers}
    assert not any(r.aminer in loaded for p in papers for r in p.references)  # 0 resolve
    assert sum(1 for p in papers if p.categories) == 272
    assert sum(1 for p in papers if p.abstract) == 171
    assert sum(1 for p in papers if p.ids.doi is None) == 174  # doi "" on 174


def test_doc_types_and_venue_types(papers: list[Paper]) -> None:
    assert Counter(p.doc_type for p in papers) == {
        "Conference": 190,
        None: 50,  # doc_type ""
        "Journal": 35,
        "Repository": 1,
    }
    # venue.type C 190 / J 36 / missing 50 (those also have doc_type "" → "other")
    assert Counter(p.venue.type for p in papers if p.venue) == {
        "conference": 190,
        "journal": 36,
        "other": 50,
    }


def test_first_record(by_id: dict[str, Paper]) -> None:
    p = by_id["1091"]
    assert p.title.startswith("Preliminary Design of a Network Protocol Learning Tool")
    assert p.year == 2013
    assert p.ids.doi == "10.1007/978-3-642-39476-8_19"
    assert p.ids.key() == "doi:10.1007/978-3-642-39476-8_19"
    assert p.source_citation_count == 1
    assert p.references == (PaperIds(aminer="2005687710"), PaperIds(aminer="2018037215"))
    assert p.venue is not None
    assert p.venue.name == "International Conference on Human-Computer Interaction"
    assert p.venue.type == "conference"
    first = p.authors[0]
    assert (first.position, first.raw_name, first.author.aminer) == (
        1,
        "Makoto Satoh",
        "2312688602",
    )
    assert first.author.affiliation == "Shinshu University"
    assert p.abstract is not None
    assert p.abstract.startswith("The purpose of this study is to develop a learning tool")
    assert p.abstract.endswith("basic principles of network protocols.")
    assert len(p.abstract.split()) == 58  # IndexLength


def test_fos_categories_keep_zero_weight(by_id: dict[str, Paper], raw: list[dict]) -> None:
    p = by_id["1388"]
    assert "aminer-fos:Graph" in {c.id for c in p.categories}  # {"name": "Graph", "w": 0.0}
    assert all(c.scheme == "aminer-fos" for c in p.categories)
    expected = sum(len({f["name"] for f in r.get("fos", [])}) for r in raw)
    assert sum(len(c) for c in (q.categories for q in by_id.values())) == expected
    assert p.ids.doi is None and p.ids.key() == "aminer:1388"


def test_tab_artefact_removed(papers: list[Paper], raw: list[dict]) -> None:
    with_tab = sum(1 for r in raw for a in r["authors"] if "#TAB#" in a.get("org", ""))
    assert with_tab == 98  # SOURCE.md
    affiliations = [a.author.affiliation for p in papers for a in p.authors]
    assert not any("#TAB#" in (x or "") for x in affiliations)
    assert "Archaeological Computing Research Group, University of Southampton, UK" in affiliations


def test_escape_artefacts_decoded(papers: list[Paper]) -> None:
    abstracts = " ".join(p.abstract or "" for p in papers)
    assert "u0027" not in abstracts and "u0026" not in abstracts and "u003c" not in abstracts
    assert "Context'" in abstracts
    assert "Q&A" in abstracts
    assert aminer.fix_artefacts("Aristotleu0027s.") == "Aristotle's."
    assert aminer.fix_artefacts(r"keeps \u0027 escapes") == r"keeps \u0027 escapes"
    assert aminer.fix_artefacts("menu0027") == "men'"


def test_corrupt_lines_reported_with_line_numbers(tmp_path: Path) -> None:
    lines = FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    lines[3] = lines[3][:50]  # truncated record on line 4
    lines[6] = ',{"id": 7, "authors": [], "title": "", "year": 2001}'  # no title, line 7
    lines[9] = ',{"authors": [], "title": "No id"}'  # line 10
    path = tmp_path / "dblp.v12.json"
    path.write_text("\r\n".join(lines))
    papers, issues = _split(path)
    assert len(papers) == 276 - 3
    assert [(i.location.file, i.location.line, i.fatal) for i in issues] == [
        (str(path), 4, False),
        (str(path), 7, False),
        (str(path), 10, False),
    ]
    assert "title" in issues[1].reason and "7" in issues[1].reason


def test_broken_utf8_line_is_one_bad_record(tmp_path: Path) -> None:
    data = FILE.read_bytes().split(b"\n")
    data[5] = data[5].replace(b"a", b"\xff", 1)
    path = tmp_path / "bad-utf8.json"
    path.write_bytes(b"\n".join(data))
    papers, issues = _split(path)
    assert len(papers) == 275
    assert [i.location.line for i in issues] == [6]


def test_gzip_and_jsonl_identical(tmp_path: Path, papers: list[Paper], raw: list[dict]) -> None:
    gz = tmp_path / "dblp.v12.json.gz"
    gz.write_bytes(gzip.compress(FILE.read_bytes()))
    assert _split(gz) == (papers, [])
    jsonl = tmp_path / "dblp.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in raw))
    assert _split(jsonl) == (papers, [])


def test_sniff() -> None:
    assert aminer.sniff(head(FILE), FILE)
    for other in [
        DATA / "s2-graph-api-paper" / "paper_2d5673caa9e6af3a7b82a43f19ee920992db07ad.json",
        *sorted((DATA / "openalex-works-api").glob("*.json")),
        DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl",
        DATA / "dblp-xml" / "dblp-sample.xml",
        Path(__file__).parents[1] / "fixtures" / "s2_corpus_sample.jsonl",
    ]:
        assert not aminer.sniff(head(other), other), other.name
