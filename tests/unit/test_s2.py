"""S2 Graph API parser, on ../shared/data/s2-graph-api-paper (Turing 1950 with 1,000 citing
papers and 14 references). Expected figures come from that folder's SOURCE.md."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from loaders import s2
from loaders.io import head
from loaders.records import Paper, PaperIds, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
FILE = DATA / "s2-graph-api-paper" / "paper_2d5673caa9e6af3a7b82a43f19ee920992db07ad.json"
FOCAL = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"


def _split(records: list) -> tuple[list[Paper], list[ParseIssue]]:
    papers = [r for r in records if isinstance(r, Paper)]
    issues = [r for r in records if isinstance(r, ParseIssue)]
    assert len(papers) + len(issues) == len(records)
    return papers, issues


@pytest.fixture(scope="module")
def records() -> list:
    return list(s2.parse(FILE))


@pytest.fixture(scope="module")
def papers(records: list) -> list[Paper]:
    return _split(records)[0]


@pytest.fixture(scope="module")
def focal(papers: list[Paper]) -> Paper:
    return next(p for p in papers if p.ids.s2 == FOCAL)


def test_counts_match_source_md(records: list, papers: list[Paper]) -> None:
    _, issues = _split(records)
    # 1,015 records = 1 focal + 1,000 citations + 14 references; 6 references are unresolved
    # stubs (all ids null), reported instead of loaded: 1,009 papers, 6 issues.
    assert len(papers) + len(issues) == 1015
    assert len(papers) == 1009
    assert len({p.ids.s2 for p in papers}) == 1009
    assert len(issues) == 6
    assert all(p.source == "s2" for p in papers)
    assert sum(len(p.authors) for p in papers) == 3399
    # SOURCE.md's 3,236 "distinct authorIds" counts null as one value: 3,235 real ids + null.
    assert len({a.author.s2 for p in papers for a in p.authors}) == 3236
    assert len({a.author.s2 for p in papers for a in p.authors if a.author.s2}) == 3235
    assert sum(1 for p in papers for a in p.authors if a.author.s2 is None) == 3
    assert sum(1 for p in papers if not p.authors) == 8 - 6  # 8 without authors incl. 6 stubs
    assert sum(1 for p in papers if p.year is None) == 5 - 4  # 4 of the 5 null years are stubs


def test_null_references_reported(records: list) -> None:
    _, issues = _split(records)
    raw = json.loads(FILE.read_text())
    expected = [(i, r["title"]) for i, r in enumerate(raw["references"]) if r["paperId"] is None]
    assert len(expected) == 6
    assert [i.location.index for i in issues] == [i for i, _ in expected]
    for issue, (index, title) in zip(issues, expected, strict=True):
        assert issue.location.file == str(FILE)
        assert f"references[{index}]" in issue.reason and title in issue.reason
        assert not issue.fatal
    assert "London Math. Soc" in issues[0].reason


def test_focal_paper(focal: Paper) -> None:
    assert focal.title == "Computing Machinery and Intelligence"
    assert focal.ids.doi == "10.1093/mind/lix.236.433"
    assert focal.ids.dblp == "journals/x/Turing50"
    assert focal.year == 1950 and focal.date == "1950-10-01"
    assert focal.source_citation_count == 10059  # not len(citations) (truncated at 1,000)
    assert (
        focal.venue is not None and focal.venue.name == "The Philosophy of Artificial Intelligence"
    )
    assert [c.id for c in focal.categories] == ["s2-field:Computer Science", "s2-field:Sociology"]
    assert focal.primary_category == "s2-field:Computer Science"
    (author,) = focal.authors
    assert author.position == 1 and author.raw_name == "A. Turing"
    assert author.author.s2 == "2262347"
    assert author.author.dblp == "Alan M. Turing"  # externalIds.DBLP is a list


def test_references_and_citations_direction(focal: Paper, papers: list[Paper]) -> None:
    raw = json.loads(FILE.read_text())
    resolved = [r["paperId"] for r in raw["references"] if r["paperId"]]
    assert len(resolved) == 14 - 6
    assert [r.s2 for r in focal.references] == resolved
    citing_ids = {c["paperId"] for c in raw["citations"]}
    citing = [p for p in papers if p.ids.s2 in citing_ids]
    assert len(citing) == 1000
    assert all(p.references == (focal.ids,) for p in citing)
    refs = [p for p in papers if p.ids.s2 in set(resolved)]
    assert len(refs) == 8 and all(p.references == () for p in refs)


def test_external_ids(papers: list[Paper]) -> None:
    raw = json.loads(FILE.read_text())
    every = [raw, *raw["citations"], *raw["references"]]
    counts = Counter(k for r in every for k in (r.get("externalIds") or {}))
    assert counts["DOI"] == 981 and counts["ArXiv"] == 243 and counts["DBLP"] == 389
    assert sum(1 for p in papers if p.ids.doi) == 981
    assert sum(1 for p in papers if p.ids.arxiv) == 243
    assert sum(1 for p in papers if p.ids.dblp) == 389
    arxiv = next(p for p in papers if p.ids.s2 and p.ids.arxiv == "2405.19561")
    assert arxiv.ids.key() == "arxiv:2405.19561"


def test_fields_of_study_fallback(papers: list[Paper]) -> None:
    # fieldsOfStudy is null on 408 records; s2FieldsOfStudy fills in, deduplicated.
    first = next(p for p in papers if p.ids.s2 == "619922f86647f431ab4e105683f1780605dd745d")
    assert [c.id for c in first.categories] == ["s2-field:Computer Science"]
    assert all(len({c.id for c in p.categories}) == len(p.categories) for p in papers)
    primary = Counter(p.primary_category for p in papers)
    assert primary["s2-field:Computer Science"] >= 407


def test_venues(papers: list[Paper]) -> None:
    first = next(p for p in papers if p.ids.s2 == "619922f86647f431ab4e105683f1780605dd745d")
    assert first.venue is not None
    assert first.venue.key() == "s2-venue:ef1356d5-69c7-484e-a110-3efae1e93ecc"
    assert first.venue.type == "journal" and first.venue.issn == "2329-9266"
    raw = json.loads(FILE.read_text())
    no_venue = [
        c["paperId"]
        for c in raw["citations"]
        if not c["publicationVenue"] and not c["venue"] and not (c.get("journal") or {}).get("name")
    ]
    by_id = {p.ids.s2: p for p in papers}
    assert all(by_id[i].venue is None for i in no_venue)
    assert Counter(p.venue.type for p in papers if p.venue)["conference"] == 89


def test_embedding_not_loaded(papers: list[Paper]) -> None:
    assert all(len(repr(p)) < 100_000 for p in papers)
    raw = json.loads(FILE.read_text())
    first_float = repr(raw["embedding"]["vector"][0])
    assert not any(first_float in repr(p) or "specter_v1" in repr(p) for p in papers)


def test_gzip_identical(tmp_path: Path, records: list) -> None:
    gz = tmp_path / "paper.json.gz"
    gz.write_bytes(gzip.compress(FILE.read_bytes()))
    again = list(s2.parse(gz))
    assert [r for r in again if isinstance(r, Paper)] == [
        r for r in records if isinstance(r, Paper)
    ]
    assert len(again) == len(records)


def test_bad_entries_do_not_kill_neighbours(tmp_path: Path) -> None:
    raw = json.loads(FILE.read_text())
    raw["citations"][2]["title"] = None  # a paper needs a title
    raw["citations"][3] = "garbage"
    raw["citations"][4]["year"] = 3000
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(raw))
    papers, issues = _split(list(s2.parse(path)))
    assert len(papers) == 1009 - 3
    bad = [(i.location.index, i.reason.split(" ")[0]) for i in issues if "citations" in i.reason]
    assert bad == [(2, "citations[2]"), (3, "citations[3]:"), (4, "citations[4]")]
    assert "title" in issues[-3].reason and "year" in issues[-1].reason
    assert all(i.location.file == str(path) for i in issues)


def test_batch_list_and_fatal(tmp_path: Path) -> None:
    raw = json.loads(FILE.read_text())
    first, second = raw["citations"][0], raw["citations"][1]
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps([first, None, second]))
    papers, issues = _split(list(s2.parse(batch)))
    assert [p.ids.s2 for p in papers] == [first["paperId"], second["paperId"]]
    assert [i.location.index for i in issues] == [1]
    broken = tmp_path / "broken.json"
    broken.write_text('{"paperId": "ab')
    (issue,) = list(s2.parse(broken))
    assert issue.fatal and issue.location.file == str(broken)


def test_stub_with_doi_is_kept(tmp_path: Path) -> None:
    stub = {
        "paperId": None,
        "externalIds": {"DOI": "10.1112/PLMS/S2-42.1.230"},
        "title": "On Computable Numbers",
        "year": 1937,
        "authors": [],
    }
    focal = {"paperId": FOCAL, "title": "T", "references": [stub], "citations": []}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(focal))
    papers, issues = _split(list(s2.parse(path)))
    assert issues == []
    assert papers[0].references == (PaperIds(doi="10.1112/plms/s2-42.1.230"),)


def test_sniff() -> None:
    assert s2.sniff(head(FILE), FILE)
    for other in [
        *sorted((DATA / "openalex-works-api").glob("*.json")),
        DATA / "aminer-dblp-v12" / "dblp_subset.v12.json",
        DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl",
        DATA / "dblp-xml" / "dblp-sample.xml",
    ]:
        assert not s2.sniff(head(other), other), other.name
