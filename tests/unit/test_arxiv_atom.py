"""The arXiv API Atom parser against the recorded responses in shared/data."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from loaders import arxiv_atom
from loaders.records import Paper, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
FEEDS = DATA / "arxiv-api-atom"
QUERY = FEEDS / "query_all-testing_start0_max100.atom.xml"


def _papers(path: Path) -> list[Paper]:
    return [r for r in arxiv_atom.parse(path) if isinstance(r, Paper)]


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    return [p for f in sorted(FEEDS.glob("*.atom.xml")) for p in _papers(f)]


@pytest.fixture(scope="module")
def by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.ids.arxiv or "": p for p in papers}


def test_counts_from_source_md(papers: list[Paper]) -> None:
    assert len(papers) == 105  # 100 in the query page + 5 id lookups
    assert len({p.ids.arxiv for p in papers}) == 105
    assert sum(len(p.authors) for p in papers) == 408
    assert sum(a.author.affiliation is not None for p in papers for a in p.authors) == 6
    assert sum(p.ids.doi is not None for p in papers) == 32
    assert sum(p.journal_ref is not None for p in papers) == 19
    dates = sorted(p.date or "" for p in papers)
    assert (dates[0], dates[-1]) == ("2001-03-17", "2026-04-03")
    assert sum(any(c.id == "arxiv:cs.CL" for c in p.categories) for p in papers) == 3
    primary = Counter(p.primary_category for p in papers)
    assert primary["arxiv:cs.SE"] == 64
    assert primary["arxiv:cs.IT"] == 5
    assert primary["arxiv:math.ST"] == 4
    assert primary["arxiv:cs.LG"] == 4
    assert primary["arxiv:cs.DS"] == 3
    assert primary["arxiv:quant-ph"] == 2


def test_query_page_has_100_entries() -> None:
    assert len(_papers(QUERY)) == 100


def test_empty_feed_yields_nothing() -> None:
    assert list(arxiv_atom.parse(FEEDS / "idlist_0000.0000_empty.atom.xml")) == []


def test_error_feed_is_an_issue_not_a_paper() -> None:
    path = FEEDS / "idlist_abc_http400_error.atom.xml"
    out = list(arxiv_atom.parse(path))
    assert len(out) == 1 and isinstance(out[0], ParseIssue)
    assert "incorrect id format for abc" in out[0].reason
    assert out[0].location.file == str(path) and out[0].location.index == 1
    assert not out[0].fatal


def test_invalid_id_in_list_is_silently_dropped_by_arxiv() -> None:
    out = _papers(FEEDS / "idlist_0808.05394_1707.08567.atom.xml")
    assert [p.ids.arxiv for p in out] == ["1707.08567"]


def test_old_style_id_field_by_field(by_id: dict[str, Paper]) -> None:
    p = by_id["astro-ph/0601001"]  # entry id ".../abs/astro-ph/0601001v1": version stripped
    assert p.source == "arxiv"
    assert p.title == (
        "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys "
        "Toward the Galactic Bulge and Carina"
    )
    assert (p.date, p.year) == ("2006-01-02", 2006)
    assert p.journal_ref == "ActaAstron.56:1-50,2006"
    assert p.ids.doi is None
    assert [(a.position, a.author.name, a.author.affiliation) for a in p.authors] == [
        (1, "Andrew Gould", "Ohio State"),
        (2, "Susan Dorsher", "Ohio State"),
        (3, "B. Scott Gaudi", "CfA"),
        (4, "Andrzej Udalski", "Warsaw University Observatory"),
    ]
    assert [c.id for c in p.categories] == ["arxiv:astro-ph"]
    assert p.primary_category == "arxiv:astro-ph"
    assert p.url == "https://arxiv.org/abs/astro-ph/0601001"
    assert p.venue is not None and p.venue.key() == "arxiv"
    assert p.abstract is not None and p.abstract.startswith("We derive the frequencies")
    assert "V_max<17.5" in p.abstract  # entities decoded
    assert by_id["quant-ph/0201082"].ids.arxiv == "quant-ph/0201082"
    assert "2104.12255" in by_id


def test_primary_first_and_whitespace_collapsed(papers: list[Paper]) -> None:
    for p in papers:
        assert p.categories and p.categories[0].id == p.primary_category
        assert len({c.id for c in p.categories}) == len(p.categories)
        assert p.title and "\n" not in p.title and "  " not in p.title
        assert p.abstract is None or "\n" not in p.abstract


def test_gzip_copy_parses_identically(tmp_path: Path) -> None:
    gz = tmp_path / "query.xml.gz"
    gz.write_bytes(gzip.compress(QUERY.read_bytes()))
    assert list(arxiv_atom.parse(gz)) == list(arxiv_atom.parse(QUERY))


def test_bad_entry_and_truncated_file(tmp_path: Path) -> None:
    text = QUERY.read_text(encoding="utf-8")
    first_id = text.index("<id>http://arxiv.org/abs/", text.index("<entry>"))
    end = text.index("</id>", first_id)
    broken = text[:first_id] + "<id>http://example.org/nothing" + text[end:]
    bad = tmp_path / "bad.xml"
    bad.write_text(broken, encoding="utf-8")
    out = list(arxiv_atom.parse(bad))
    issues = [r for r in out if isinstance(r, ParseIssue)]
    assert len(issues) == 1 and issues[0].location.index == 1
    assert issues[0].location.line == broken[: broken.index("<entry>")].count("\n") + 1
    assert len([r for r in out if isinstance(r, Paper)]) == 99

    cut = tmp_path / "cut.xml"
    fifth = [i for i in range(len(text)) if text.startswith("<entry>", i)][5]
    cut.write_text(text[: fifth + 40], encoding="utf-8")
    out = list(arxiv_atom.parse(cut))
    assert len([r for r in out if isinstance(r, Paper)]) == 5
    assert isinstance(out[-1], ParseIssue) and out[-1].fatal


def test_sniff() -> None:
    for feed in FEEDS.glob("*.atom.xml"):
        assert arxiv_atom.sniff(feed.read_bytes()[:8192], feed)
    for other in [
        DATA / "profile-page" / "lizhu-zhang.profile.txt",
        DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl",
        DATA / "paperscape-arxiv-1991-1996" / "pscp-1991.csv",
    ]:
        assert not arxiv_atom.sniff(other.read_bytes()[:8192], other)
