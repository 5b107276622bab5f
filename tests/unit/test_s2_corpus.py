"""S2 Open Research Corpus JSONL parser.

There is no sample of this format in ../shared/data, so tests/fixtures/s2_corpus_sample.jsonl
holds seven lines in the 2019–2020 release schema (keys as in AllenAI's release notes: id,
title, paperAbstract, authors[{name, ids}], inCitations, outCitations, year, venue,
journalName, journalVolume, journalPages, doi, doiUrl, pmid, fieldsOfStudy, s2Url, s2PdfUrl,
pdfUrls, sources, entities, magId). Line 5 is truncated JSON and line 6 has a malformed id;
line 4 has an arXiv PDF link, an author without ids, a malformed ``inCitations`` entry and a
title broken over two lines; line 7 has no year, no venue and empty strings everywhere.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from loaders import s2_corpus
from loaders.io import head
from loaders.records import Citation, Paper, PaperIds, ParseIssue

FIXTURE = Path(__file__).parents[1] / "fixtures" / "s2_corpus_sample.jsonl"
DATA = Path(__file__).parents[2].parent / "shared" / "data"


def _split(path: Path) -> tuple[list[Paper], list[Citation], list[ParseIssue]]:
    records = list(s2_corpus.parse(path))
    papers = [r for r in records if isinstance(r, Paper)]
    citations = [r for r in records if isinstance(r, Citation)]
    issues = [r for r in records if isinstance(r, ParseIssue)]
    assert len(papers) + len(citations) + len(issues) == len(records)
    return papers, citations, issues


@pytest.fixture(scope="module")
def parsed() -> tuple[list[Paper], list[Citation], list[ParseIssue]]:
    return _split(FIXTURE)


@pytest.fixture(scope="module")
def raw_lines() -> list[dict | None]:
    out: list[dict | None] = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            out.append(None)
    return out


def _paper(papers: list[Paper], s2: str) -> Paper:
    return next(p for p in papers if p.ids.s2 == s2)


def test_counts(parsed, raw_lines) -> None:
    papers, citations, issues = parsed
    assert len(raw_lines) == 7
    valid = [r for r in raw_lines if r and len(r["id"]) == 40]
    assert len(papers) == len(valid) == 5
    assert all(p.source == "s2" for p in papers)
    assert len(citations) == sum(len(r["inCitations"]) for r in valid) - 1  # one malformed id
    assert sum(len(p.references) for p in papers) == sum(len(r["outCitations"]) for r in valid)


def test_bad_lines_reported_and_neighbours_kept(parsed) -> None:
    papers, _, issues = parsed
    where = [(i.location.file, i.location.line, i.fatal) for i in issues]
    assert (str(FIXTURE), 5, False) in where
    assert (str(FIXTURE), 6, False) in where
    line_4 = [i for i in issues if i.location.line == 4]
    assert len(line_4) == 1 and "inCitations[0]" in line_4[0].reason
    assert _paper(papers, "204e3073870fae3d05bcbc2f6a8e263d9b72e776")  # line 4 still loaded
    assert _paper(papers, "f3b9d1c2e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9")  # line 7, after the bad ones


def test_out_citations_are_references(parsed) -> None:
    papers, _, _ = parsed
    p = _paper(papers, "0067bc2887479de03b07f05642ef22e710452ac5")
    assert p.references == (
        PaperIds(s2="42fba05549e5bbaa4d5e52948de2694bdd6fc0d5"),
        PaperIds(s2="eced5bbdff9d80cc9f61d5316412542fde84ad78"),
    )


def test_in_citations_are_citations_into_this_paper(parsed) -> None:
    papers, citations, _ = parsed
    cited = _paper(papers, "0067bc2887479de03b07f05642ef22e710452ac5")
    into = [c for c in citations if c.cited == cited.ids]
    assert [c.citing.s2 for c in into] == [
        "92f55e4c2cf488f0439f071ea73c146b55f62eb6",
        "4cd223df721b722b1c40689caa52932a41fcc223",
    ]
    assert all(c.source == "s2" for c in into)


def test_paper_fields(parsed) -> None:
    papers, _, _ = parsed
    p = _paper(papers, "0067bc2887479de03b07f05642ef22e710452ac5")
    assert p.ids.doi == "10.1145/210232.210233"
    assert p.year == 1991
    assert p.url == "https://semanticscholar.org/paper/0067bc2887479de03b07f05642ef22e710452ac5"
    assert p.venue is not None and p.venue.name == "ACM Trans. Math. Softw."
    assert p.venue.type == "journal"
    assert p.journal_ref == "ACM Trans. Math. Softw. 17, 437-451"
    assert [c.id for c in p.categories] == ["s2-field:Mathematics", "s2-field:Computer Science"]
    assert p.primary_category == "s2-field:Mathematics"
    assert [(a.position, a.author.name, a.author.s2) for a in p.authors] == [
        (1, "Jarle Berntsen", "2901822"),
        (2, "Terje O. Espelid", "3065129"),
        (3, "Alan Genz", "1734544"),
    ]
    frog = _paper(papers, "7e58b926bbbc122edeccb7cb4f7f68ca11480698")
    assert frog.abstract is not None and "\n" not in frog.abstract and "  " not in frog.abstract
    assert frog.ids.doi == "10.1023/a:1020916001559"


def test_arxiv_author_without_ids_and_empty_strings(parsed) -> None:
    papers, _, _ = parsed
    p = _paper(papers, "204e3073870fae3d05bcbc2f6a8e263d9b72e776")
    assert p.ids.arxiv == "1706.03762" and p.ids.doi is None
    assert p.title == "Attention is All you Need"
    assert p.authors[2].author.s2 is None and p.authors[2].author.key() == "name:anonymous"
    assert p.venue is not None and p.venue.name == "NIPS" and p.venue.type == "other"
    assert p.journal_ref is None
    bare = _paper(papers, "f3b9d1c2e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9")
    assert bare.year is None and bare.venue is None and bare.abstract is None
    assert bare.url == "https://semanticscholar.org/paper/f3b9d1c2e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9"
    assert bare.categories == () and bare.primary_category is None
    assert bare.authors[0].author.name == "K. Müller"


def test_gzip_identical(tmp_path: Path) -> None:
    gz = tmp_path / "s2-corpus-000.gz"  # the releases' own naming: no .jsonl suffix
    gz.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert list(s2_corpus.parse(gz)) == [_relocate(r, str(gz)) for r in s2_corpus.parse(FIXTURE)]


def _relocate(record, file: str):
    if isinstance(record, ParseIssue):
        loc = record.location
        return ParseIssue(type(loc)(file, loc.line, loc.index, loc.offset), record.reason)
    return record


def test_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.gz"
    bad.write_bytes(gzip.compress(FIXTURE.read_bytes())[:200])
    records = list(s2_corpus.parse(bad))
    assert isinstance(records[-1], ParseIssue) and records[-1].fatal


def test_sniff(tmp_path: Path) -> None:
    assert s2_corpus.sniff(head(FIXTURE), FIXTURE)
    for other in [
        DATA / "s2-graph-api-paper" / "paper_2d5673caa9e6af3a7b82a43f19ee920992db07ad.json",
        *sorted((DATA / "openalex-works-api").glob("*.json")),
        DATA / "aminer-dblp-v12" / "dblp_subset.v12.json",
        DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl",
    ]:
        assert not s2_corpus.sniff(head(other), other), other.name
