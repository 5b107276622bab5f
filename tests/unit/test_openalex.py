"""OpenAlex works parser, on the recorded /works API pages in ../shared/data/openalex-works-api.

Expected figures come from that folder's SOURCE.md (or, where the parser transforms them, are
recomputed here from the raw JSON with the standard library, independently of the parser).
"""

from __future__ import annotations

import copy
import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import orjson
import pytest

from loaders import openalex
from loaders.io import head
from loaders.records import Paper, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
OA = DATA / "openalex-works-api"
PAGES = sorted(OA.glob("works_chunk_*_page_*.json"))
FIRST_PAGES = sorted(OA.glob("works_chunk_*_page_1.json"))
PLACEHOLDER = "https://openalex.org/A9999999999"


def _run(path: Path) -> tuple[list[Paper], list[ParseIssue]]:
    papers: list[Paper] = []
    issues: list[ParseIssue] = []
    for record in openalex.parse(path):
        if isinstance(record, ParseIssue):
            issues.append(record)
        else:
            assert isinstance(record, Paper)
            papers.append(record)
    return papers, issues


@pytest.fixture(scope="module")
def raw_works() -> list[dict]:
    works: list[dict] = []
    for page in PAGES:
        works.extend(json.loads(page.read_text(encoding="utf-8"))["results"])
    return works


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    out: list[Paper] = []
    for page in PAGES:
        got, issues = _run(page)
        assert issues == []
        out.extend(got)
    return out


@pytest.fixture(scope="module")
def by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.ids.openalex: p for p in papers if p.ids.openalex}


def test_counts_match_source_md(papers: list[Paper]) -> None:
    assert len(papers) == 175
    assert len({p.ids.openalex for p in papers}) == 175
    assert all(p.source == "openalex" for p in papers)
    assert min(p.year for p in papers if p.year) == 1988
    assert max(p.year for p in papers if p.year) == 2010
    assert Counter(p.doc_type for p in papers) == {
        "article": 107,
        "book": 27,
        "book-chapter": 16,
        "preprint": 5,
        "review": 5,
        "editorial": 4,
        "report": 4,
        "paratext": 3,
        "dissertation": 3,
        "letter": 1,
    }


@pytest.mark.parametrize("page", sorted(OA.glob("works_chunk_*_page_2.json")), ids=lambda p: p.name)
def test_empty_terminal_pages_yield_nothing(page: Path) -> None:
    assert json.loads(page.read_text())["meta"]["next_cursor"] is None
    assert list(openalex.parse(page)) == []


def test_authorships_deduplicated(raw_works: list[dict], papers: list[Paper]) -> None:
    raw_total = sum(len(w["authorships"]) for w in raw_works)
    assert raw_total == 393  # SOURCE.md, before de-duplication
    # Independently: distinct (work, author id) pairs in the raw JSON, placeholder excluded.
    expected = sum(
        len({a["author"]["id"] for a in w["authorships"]} - {PLACEHOLDER}) for w in raw_works
    )
    # W49044230 lists Richard W. Wrangham 4 times: 393 - 3 = 390.
    assert expected == 390
    assert sum(len(p.authors) for p in papers) == expected
    distinct = {a.author.openalex for p in papers for a in p.authors}
    assert len(distinct) == 354  # SOURCE.md: 354 distinct author ids
    assert sum(1 for p in papers if not p.authors) == 11  # SOURCE.md: 11 works without authors


def test_duplicate_author_keeps_first_position(by_id: dict[str, Paper]) -> None:
    paper = by_id["W49044230"]
    wrangham = [a for a in paper.authors if a.author.openalex == "A5071739156"]
    assert len(wrangham) == 1
    assert wrangham[0].position == 1
    # positions follow the source order, so the next distinct author keeps position 3
    assert [a.position for a in paper.authors[:3]] == [1, 3, 4]
    assert paper.authors[1].raw_name == "Redmond Ian"


def test_authorship_fields(by_id: dict[str, Paper]) -> None:
    first = by_id["W1934649023"].authors[0]
    assert first.position == 1
    assert first.author.name == "Daniel Kaufmann"
    assert first.author.orcid == "0000-0003-3260-0660"
    assert first.author.openalex == "A5084264679"
    assert first.author.affiliation == "Brookings Institution"
    harvey = by_id["W2125576237"].authors[0]
    assert harvey.raw_name == "CELIA A. HARVEY"  # as printed
    assert harvey.author.name == "Célia A. Harvey"  # OpenAlex display name


def test_raw_names_kept(raw_works: list[dict], papers: list[Paper]) -> None:
    # SOURCE.md: raw_author_name differs from display_name in 120 of the 393 authorships.
    differing = sum(
        1
        for w in raw_works
        for a in w["authorships"]
        if a["raw_author_name"] != a["author"]["display_name"]
    )
    assert differing == 120
    assert any(a.raw_name != a.author.name for p in papers for a in p.authors)
    assert all(a.raw_name for p in papers for a in p.authors)


def test_references(papers: list[Paper]) -> None:
    assert sum(len(p.references) for p in papers) == 1887
    assert sum(1 for p in papers if p.references) == 90
    loaded = {p.ids.openalex for p in papers}
    assert sum(1 for p in papers for r in p.references if r.openalex in loaded) == 8
    assert all(
        r.openalex.startswith("W") and "/" not in r.openalex for p in papers for r in p.references
    )


def test_ids_shortened_and_doi_normalised(papers: list[Paper]) -> None:
    for p in papers:
        assert p.ids.openalex.startswith("W") and "http" not in p.ids.openalex
        assert p.ids.doi and not p.ids.doi.startswith("http") and p.ids.doi == p.ids.doi.lower()
        assert p.ids.key() == f"doi:{p.ids.doi}"


def test_nullable_fields(papers: list[Paper]) -> None:
    assert sum(1 for p in papers if p.venue is None) == 19
    assert sum(1 for p in papers if p.primary_category is None) == 7
    assert sum(1 for p in papers if p.abstract is None) == 1
    assert sum(1 for p in papers if any(c.scheme == "openalex-topic" for c in p.categories)) == 168
    assert all(any(c.scheme == "openalex-concept" for c in p.categories) for p in papers)


def test_paper_fields(by_id: dict[str, Paper]) -> None:
    p = by_id["W1934649023"]
    assert p.title == "Governance Matters IV : Governance Indicators For 1996-2004"
    assert p.year == 2005 and p.date == "2005-06-15"
    assert p.url == "https://doi.org/10.1596/1813-9450-3630"
    assert p.source_citation_count == 1589
    assert p.counts_by_year[0] == (2025, 18)
    assert p.abstract is not None and p.abstract.startswith("No AccessPolicy Research Working")
    assert p.venue is not None
    assert p.venue.openalex == "S4210231086"
    assert p.venue.issn == "1813-9450"
    assert p.venue.type == "book"  # OpenAlex source type "ebook platform"
    assert p.venue.key() == "issn:1813-9450"


def test_topic_hierarchy_and_concepts(by_id: dict[str, Paper]) -> None:
    p = by_id["W1934649023"]
    assert p.primary_category == "openalex-topic:T11042"
    topic = next(c for c in p.categories if c.id == p.primary_category)
    assert topic.name == "Corruption and Economic Development"
    chain = []
    node = topic.parent
    while node is not None:
        chain.append((node.id, node.scheme, node.name))
        node = node.parent
    assert chain == [
        ("openalex-subfield:3312", "openalex-subfield", "Sociology and Political Science"),
        ("openalex-field:33", "openalex-field", "Social Sciences"),
        ("openalex-domain:2", "openalex-domain", "Social Sciences"),
    ]
    concept = next(c for c in p.categories if c.id == "openalex-concept:C39389867")
    assert concept.name == "Corporate governance" and concept.scheme == "openalex-concept"
    assert len({c.id for c in p.categories}) == len(p.categories)


def test_html_markup_removed_from_titles(papers: list[Paper]) -> None:
    titles = {p.title for p in papers}
    assert "Annual Reports To Council Ecological Society of America August 2009" in titles
    assert all("<" not in t for t in titles)


def test_abstract_rebuilt_in_position_order() -> None:
    from loaders.text import rebuild_inverted_index

    index = {"world": [1, 3], "hello": [0], "again": [4], "big": [2]}
    assert rebuild_inverted_index(index) == "hello world big world again"
    assert rebuild_inverted_index(None) is None
    with pytest.raises(ValueError):
        rebuild_inverted_index(["not", "a", "map"])


def _one_work(raw_works: list[dict], work_id: str) -> dict:
    return copy.deepcopy(next(w for w in raw_works if w["id"].endswith(work_id)))


def test_placeholder_author_dropped_silently(raw_works: list[dict], tmp_path: Path) -> None:
    work = _one_work(raw_works, "W1934649023")
    real = len(work["authorships"])
    placeholder = {
        "author_position": "middle",
        "author": {"id": PLACEHOLDER, "display_name": "Deleted Author", "orcid": None},
        "institutions": [],
        "raw_author_name": "Deleted Author",
        "raw_affiliation_strings": [],
    }
    work["authorships"].insert(1, placeholder)
    work["authorships"].append(copy.deepcopy(placeholder))
    path = tmp_path / "work.json"
    path.write_bytes(orjson.dumps(work, option=orjson.OPT_INDENT_2))
    papers, issues = _run(path)
    assert issues == []
    assert len(papers) == 1
    placeholders_in = sum(1 for a in work["authorships"] if a["author"]["id"] == PLACEHOLDER)
    assert placeholders_in == 2
    assert len(papers[0].authors) == len(work["authorships"]) - placeholders_in == real
    assert all(a.author.openalex != "A9999999999" for a in papers[0].authors)
    assert papers[0].authors[0].position == 1
    if real > 1:
        assert papers[0].authors[1].position == 3


def test_bare_work_and_array(raw_works: list[dict], tmp_path: Path) -> None:
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(raw_works[0], indent=2))
    papers, issues = _run(bare)
    assert issues == [] and [p.ids.openalex for p in papers] == ["W1934649023"]
    array = tmp_path / "array.json"
    array.write_text(json.dumps(raw_works[:3]))
    papers, issues = _run(array)
    assert issues == [] and len(papers) == 3


def test_jsonl_streams_with_line_numbers(raw_works: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "works.jsonl"
    lines = [orjson.dumps(w).decode() for w in raw_works[:10]]
    lines.insert(4, lines[4][: len(lines[4]) // 2])  # truncated line 5
    bad = _one_work(raw_works, raw_works[7]["id"].rsplit("/", 1)[1])
    bad["title"] = bad["display_name"] = None
    lines.insert(6, orjson.dumps(bad).decode())  # line 7: a work without a title
    lines.insert(2, "")  # a blank line is not an error
    path.write_text("\n".join(lines) + "\n")
    papers, issues = _run(path)
    assert len(papers) == 10
    assert [(i.location.file, i.location.line, i.fatal) for i in issues] == [
        (str(path), 6, False),
        (str(path), 8, False),
    ]
    assert "title" in issues[1].reason and bad["id"].rsplit("/", 1)[1] in issues[1].reason
    gz = tmp_path / "works.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    papers_gz, issues_gz = _run(gz)
    assert papers_gz == papers
    assert [(i.location.line, i.reason) for i in issues_gz] == [
        (i.location.line, i.reason) for i in issues
    ]


def test_bad_work_in_page_reported_with_index(tmp_path: Path) -> None:
    doc = json.loads(FIRST_PAGES[0].read_text())
    doc["results"][3]["title"] = doc["results"][3]["display_name"] = None
    doc["results"][5] = "garbage"
    path = tmp_path / "page.json"
    path.write_text(json.dumps(doc))
    papers, issues = _run(path)
    assert len(papers) == 48
    assert [(i.location.file, i.location.index) for i in issues] == [(str(path), 3), (str(path), 5)]


def test_gzip_page_parses_identically(tmp_path: Path) -> None:
    gz = tmp_path / "page.json.gz"
    with FIRST_PAGES[0].open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert list(openalex.parse(gz)) == list(openalex.parse(FIRST_PAGES[0]))


def test_unreadable_file_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "meta": {"count": 1},\n  "results": [\n')
    (issue,) = list(openalex.parse(path))
    assert isinstance(issue, ParseIssue) and issue.fatal and issue.location.file == str(path)
    (missing,) = list(openalex.parse(tmp_path / "missing.json"))
    assert isinstance(missing, ParseIssue) and missing.fatal


def test_arxiv_id_from_location(raw_works: list[dict], tmp_path: Path) -> None:
    work = _one_work(raw_works, "W1934649023")
    work["locations"].append({"landing_page_url": "https://arxiv.org/abs/2405.01234v2"})
    path = tmp_path / "w.json"
    path.write_bytes(orjson.dumps(work))
    (paper,) = _run(path)[0]
    assert paper.ids.arxiv == "2405.01234"


def test_sniff() -> None:
    for page in PAGES:
        assert openalex.sniff(head(page), page), page.name
    others = [
        DATA / "s2-graph-api-paper" / "paper_2d5673caa9e6af3a7b82a43f19ee920992db07ad.json",
        DATA / "aminer-dblp-v12" / "dblp_subset.v12.json",
        DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl",
        DATA / "dblp-xml" / "dblp-sample.xml",
        DATA / "bibtex-iridia" / "articles.bib",
        DATA / "profile-page" / "lizhu-zhang.profile.txt",
    ]
    for other in others:
        assert not openalex.sniff(head(other), other), other.name
