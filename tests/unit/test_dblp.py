"""dblp XML parser on the real excerpt (../shared/data/dblp-xml, counts from its SOURCE.md)."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from loaders import dblp
from loaders.records import Paper, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
SAMPLE = DATA / "dblp-xml" / "dblp-sample.xml"
BIBTEX = DATA / "bibtex-iridia" / "articles.bib"

HEADER = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<dblp>\n'


@pytest.fixture(scope="module")
def items() -> list[Paper | ParseIssue]:
    return list(dblp.parse(SAMPLE))


@pytest.fixture(scope="module")
def papers(items: list[Paper | ParseIssue]) -> list[Paper]:
    return [i for i in items if isinstance(i, Paper)]


def by_key(papers: list[Paper], key: str) -> Paper:
    return next(p for p in papers if p.ids.dblp == key)


def test_counts_match_source(items: list[Paper | ParseIssue], papers: list[Paper]) -> None:
    assert not [i for i in items if isinstance(i, ParseIssue)]
    assert len(papers) == 1288
    assert len({p.ids.dblp for p in papers}) == 1288  # all keys distinct
    assert Counter(p.doc_type for p in papers) == {"incollection": 1144, "book": 144}
    assert sum(len(p.authors) for p in papers) == 3027
    assert len({a.author.dblp for p in papers for a in p.authors}) == 2399
    assert all(p.source == "dblp" for p in papers)


def test_key_prefixes_become_series_venues(papers: list[Paper]) -> None:
    venues = Counter(p.venue.dblp for p in papers if p.venue)
    expected = {
        "series/hci": 449,
        "series/class": 211,
        "series/cogtech": 170,
        "series/ifip": 124,
        "series/star": 110,
        "series/natosec": 81,
    }
    assert {k: venues[k] for k in expected} == expected
    # every record of the excerpt is in a book series, so every one has its series venue
    assert sum(venues.values()) == 1288
    chapter = by_key(papers, "series/cogtech/Zancanaro12")
    assert chapter.venue is not None
    assert (chapter.venue.name, chapter.venue.type) == ("Cognitive Technologies", "book")


def test_html_entities_decoded(papers: list[Paper]) -> None:
    names = [a.author.name for a in by_key(papers, "series/cogtech/HorndaschRR06").authors]
    assert names == ["Axel Horndasch", "Horst Rapp", "Hans Röttger"]
    berton = by_key(papers, "series/cogtech/BertonKHS06").authors[0]
    assert berton.author.name == "André Berton"
    assert not any("&" in a.author.name for p in papers for a in p.authors)


def test_homonym_suffixes_kept_as_distinct_people(papers: list[Paper]) -> None:
    suffixed = {a.author.dblp for p in papers for a in p.authors if a.author.dblp != a.author.name}
    assert len(suffixed) == 11
    schmitt = next(a for p in papers for a in p.authors if a.author.dblp == "Markus Schmitt 0002")
    assert schmitt.author.name == "Markus Schmitt"
    assert schmitt.author.key() == "dblp:Markus Schmitt 0002"
    bischoff = {a.author.key() for p in papers for a in p.authors if "Bischoff 000" in a.raw_name}
    assert bischoff == {"dblp:Rainer Bischoff 0002", "dblp:Rainer Bischoff 0004"}


def test_titles_inline_markup_and_trailing_period(papers: list[Paper]) -> None:
    title = by_key(papers, "series/cogtech/Zancanaro12").title
    assert title == "Shared Interfaces for Co-located Interaction"
    scan = next(p for p in papers if p.title and "BehaviorScan" in p.title)
    assert scan.title is not None
    assert scan.title.endswith('the "Single Source" Panel BehaviorScan')
    homopus = next(p for p in papers if p.title and "Homopus" in p.title)
    assert homopus.title is not None
    assert homopus.title.startswith("Sub-species of Homopus Areolatus? Biplots")


def test_editors_are_not_authors_and_ids(papers: list[Paper]) -> None:
    book = by_key(papers, "series/cogtech/364227662")  # two <editor>s, no <author>
    assert book.authors == ()
    assert book.title == "Ubiquitous Display Environments"
    chapter = by_key(papers, "series/cogtech/Zancanaro12")
    assert chapter.ids.doi == "10.1007/978-3-642-27663-7_5"
    assert chapter.ids.key() == "doi:10.1007/978-3-642-27663-7_5"
    assert chapter.year == 2012
    assert [a.position for a in by_key(papers, "series/cogtech/HorndaschRR06").authors] == [
        1,
        2,
        3,
    ]


def test_non_doi_ee_is_url(papers: list[Paper]) -> None:
    with_url = [p for p in papers if p.url and "iospress" in p.url]
    assert with_url
    assert all(p.ids.doi is None for p in with_url if "volume/using-opencl" in (p.url or ""))


def write(tmp_path: Path, body: str, name: str = "d.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body + "</dblp>\n", encoding="latin-1")
    return path


CHILD = """<incollection mdate="2013-01-01" key="series/x/Child13">
<author>Ann Author</author>
<title>A Chapter.</title>
<crossref>series/x/parent</crossref>
</incollection>
"""
PARENT = """<book mdate="2013-01-01" key="series/x/parent">
<editor>Ed Itor</editor>
<title>The Book</title>
<booktitle>Book</booktitle>
<year>2013</year>
<series href="db/series/x/index.html">Series X</series>
</book>
"""


def test_crossref_parent_after_child(tmp_path: Path) -> None:
    path = write(tmp_path, CHILD + PARENT)
    child = next(
        p for p in dblp.parse(path) if isinstance(p, Paper) and p.doc_type == "incollection"
    )
    assert child.year == 2013
    assert child.venue is not None
    assert (child.venue.name, child.venue.dblp) == ("Series X", "series/x")
    # one pass only sees parents that came first
    single = [p for p in dblp.parse(path, two_pass=False) if isinstance(p, Paper)]
    assert single[0].year is None
    before = write(tmp_path, PARENT + CHILD, "before.xml")
    assert [p.year for p in dblp.parse(before, two_pass=False) if isinstance(p, Paper)] == [
        2013
    ] * 2


def test_www_pages_skipped_and_other_types(tmp_path: Path) -> None:
    body = (
        '<www mdate="2010-01-01" key="homepages/1/2"><author>P</author><title>Home Page</title>'
        "<url>http://x</url></www>\n"
        '<article mdate="2010-01-01" key="journals/tkde/X10"><author>A B</author>'
        "<title>T<sub>2</sub>.</title><journal>IEEE Trans. Knowl. Data Eng.</journal>"
        "<year>2010</year><ee>https://doi.org/10.1109/TKDE.2010.1</ee></article>\n"
        '<inproceedings mdate="2010-01-01" key="conf/kdd/Y10"><author>C D</author>'
        "<title>U.</title><booktitle>KDD</booktitle><year>2010</year></inproceedings>\n"
    )
    out = list(dblp.parse(write(tmp_path, body)))
    assert [p.ids.dblp for p in out if isinstance(p, Paper)] == [
        "journals/tkde/X10",
        "conf/kdd/Y10",
    ]
    article, paper = out
    assert isinstance(article, Paper) and isinstance(paper, Paper)
    assert article.title == "T2"
    assert article.ids.doi == "10.1109/tkde.2010.1"
    assert article.venue is not None and paper.venue is not None
    assert (article.venue.type, article.venue.dblp) == ("journal", "journals/tkde")
    assert (paper.venue.type, paper.venue.name, paper.venue.dblp) == (
        "conference",
        "KDD",
        "conf/kdd",
    )


def test_bad_records_reported_neighbours_kept(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="latin-1").splitlines(keepends=True)
    # line 24 holds "Andr&eacute; Berton"; line 4 the first record's author
    assert "Andr&eacute; Berton" in lines[23]
    lines[23] = lines[23].replace("&eacute;", "&nosuchentity;")
    assert lines[4].startswith("<title>Shared Interfaces")
    lines[4] = "<year>2012</year>\n"  # first record loses its title (a second <year>)
    corrupted = tmp_path / "corrupt.xml"
    corrupted.write_text("".join(lines), encoding="latin-1")
    items = list(dblp.parse(corrupted))
    issues = [i for i in items if isinstance(i, ParseIssue)]
    assert {(i.location.line, i.fatal) for i in issues} >= {(24, False), (3, False)}
    assert all(i.location.file == str(corrupted) for i in issues)
    assert any("Zancanaro12" in i.reason and "no title" in i.reason for i in issues)
    assert sum(isinstance(i, Paper) for i in items) == 1287


def test_bad_year_and_unreadable_file(tmp_path: Path) -> None:
    body = (
        '<book mdate="1" key="series/x/a"><title>A</title><year>20x0</year></book>\n'
        '<book mdate="1" key="series/x/b"><title>B</title><year>2000</year></book>\n'
    )
    items = list(dblp.parse(write(tmp_path, body)))
    assert [type(i) for i in items] == [ParseIssue, Paper]
    assert isinstance(items[0], ParseIssue) and items[0].location.line == 3
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    out = list(dblp.parse(empty))
    assert len(out) == 1 and isinstance(out[0], ParseIssue) and out[0].fatal


def test_gzip_parses_identically(tmp_path: Path, items: list[Paper | ParseIssue]) -> None:
    gz = tmp_path / "dblp.xml.gz"
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert list(dblp.parse(gz)) == items


def test_sniff() -> None:
    assert dblp.sniff(SAMPLE.read_bytes()[:8192], SAMPLE)
    assert not dblp.sniff(BIBTEX.read_bytes()[:8192], BIBTEX)
    assert not dblp.sniff(b'{"id": "https://openalex.org/W1"}', Path("x.json"))


def test_full_dump_doctype_replaced_lines_kept(tmp_path: Path) -> None:
    path = tmp_path / "dblp.xml"
    path.write_text(
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE dblp SYSTEM "dblp.dtd">\n<dblp>\n'
        '<book mdate="1" key="series/x/a"><author>J&ouml;rg M&uuml;ller</author></book>\n'
        "</dblp>\n",
        encoding="latin-1",
    )
    (issue,) = dblp.parse(path)  # no title: reported on the record's own line
    assert isinstance(issue, ParseIssue) and issue.location.line == 4
    assert dblp.sniff(path.read_bytes(), path)


def test_file_entities_are_refused_and_their_records_reported(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a", encoding="ascii")
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        "<!-- harvested -->\n"
        f'<!DOCTYPE dblp [\n<!ENTITY e SYSTEM "{secret.as_uri()}">\n<!ENTITY i "INJECTED">\n]>\n'
        "<dblp>\n"
        '<book mdate="1" key="series/x/a"><title>A &e; B</title><year>2000</year></book>\n'
        '<book mdate="1" key="series/x/b"><title>&i;</title><year>2000</year></book>\n'
        '<book mdate="1" key="series/x/c"><author>J&ouml;rg M&uuml;ller</author>'
        "<title>Caf&eacute;</title><year>2001</year></book>\n"
        "</dblp>\n",
        encoding="latin-1",
    )
    items = list(dblp.parse(path))
    assert "TOP-SECRET" not in repr(items) and "INJECTED" not in repr(items)
    dtd, first, second, paper = items
    assert isinstance(dtd, ParseIssue) and not dtd.fatal and dtd.location.line == 3
    assert f"&e; (external: {secret.as_uri()!r})" in dtd.reason and "&i;" in dtd.reason
    assert isinstance(first, ParseIssue) and first.location.line == 8
    assert "series/x/a" in first.reason and "&e;" in first.reason and "refused" in first.reason
    assert isinstance(second, ParseIssue) and second.location.line == 9 and "&i;" in second.reason
    assert isinstance(paper, Paper) and paper.title == "Café"
    assert [a.author.name for a in paper.authors] == ["Jörg Müller"]


def test_refused_parent_is_not_inherited(tmp_path: Path) -> None:
    path = tmp_path / "crossref.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE dblp [<!ENTITY v "Volume">]>\n<dblp>\n'
        '<incollection mdate="1" key="series/x/c1"><title>C</title><crossref>series/x/p'
        "</crossref></incollection>\n"
        '<book mdate="1" key="series/x/p"><title>&v;</title><year>1999</year>'
        "<series>S</series></book>\n</dblp>\n",
        encoding="utf-8",
    )
    items = list(dblp.parse(path))
    child = next(i for i in items if isinstance(i, Paper))
    assert child.ids.dblp == "series/x/c1" and child.year is None  # nothing taken from &v;'s book
    assert sum(isinstance(i, ParseIssue) for i in items) == 2  # the DTD, the parent
