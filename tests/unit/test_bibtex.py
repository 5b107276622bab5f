"""BibTeX parser on the real IRIDIA repository (../shared/data/bibtex-iridia, see SOURCE.md)."""

from __future__ import annotations

import gzip
import re
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from loaders import bibtex
from loaders.records import Paper, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
IRIDIA = DATA / "bibtex-iridia"
STRING_FILES = [IRIDIA / "abbrev.bib", IRIDIA / "journals.bib", IRIDIA / "authors.bib"]
ENTRY_FILES = [IRIDIA / "articles.bib", IRIDIA / "biblio.bib", IRIDIA / "crossref.bib"]


@pytest.fixture(scope="module")
def items() -> list[Paper | ParseIssue]:
    return list(bibtex.parse(IRIDIA))


@pytest.fixture(scope="module")
def papers(items: list[Paper | ParseIssue]) -> list[Paper]:
    return [i for i in items if isinstance(i, Paper)]


def titled(papers: list[Paper], title: str) -> Paper:
    found = [p for p in papers if p.title == title]
    assert len(found) == 1, (title, len(found))
    return found[0]


def names(paper: Paper) -> list[str]:
    return [a.author.name for a in paper.authors]


def test_every_entry_is_a_paper(items: list[Paper | ParseIssue], papers: list[Paper]) -> None:
    assert [i for i in items if isinstance(i, ParseIssue)] == []  # no undefined macro either
    assert len(papers) == 3305
    assert Counter(p.doc_type for p in papers) == {
        "article": 1509,
        "incollection": 689,
        "book": 136 + 291,  # biblio.bib + crossref.bib
        "inproceedings": 308,
        "proceedings": 138,
        "misc": 91,
        "techreport": 81,
        "phdthesis": 37,
        "manual": 13,
        "mastersthesis": 8,
        "unpublished": 4,
    }
    assert all(p.source == "bibtex" for p in papers)


def test_dois_are_the_doi_fields_only(papers: list[Paper]) -> None:
    # 1,155 doi fields; crossref children must not inherit their book's DOI
    assert sum(p.ids.doi is not None for p in papers) == 1155
    assert len({p.ids.doi for p in papers if p.ids.doi}) == 1155
    assert all(p.ids.title_key for p in papers if p.ids.doi is None)


def test_macro_built_author_lists(papers: list[Paper]) -> None:
    paper = titled(
        papers, "Simulated annealing cooling schedules for the school timetabling problem"
    )
    # author = Abramson_D #and# {Amoorthy, Mohan Krishna and Dang, Henry}
    assert names(paper) == ["David Abramson", "Mohan Krishna Amoorthy", "Henry Dang"]
    assert [a.position for a in paper.authors] == [1, 2, 3]
    assert [a.raw_name for a in paper.authors] == [
        "David Abramson",
        "Amoorthy, Mohan Krishna",
        "Dang, Henry",
    ]
    deep = titled(papers, "Deep learning")  # {LeCun, Yann} #and# Bengio_Y #and# {Hinton, ...}
    assert names(deep) == ["Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton"]
    convnet = titled(papers, "Convolutional networks for images, speech, and time series")
    assert names(convnet) == ["Yann LeCun", "Yoshua Bengio"]  # ... # and_others
    assert convnet.authors_complete is False


def test_author_fields_all_yield_authors(papers: list[Paper]) -> None:
    author_fields = sum(
        len(re.findall(r"(?im)^\s*author\s*=", p.read_text(encoding="utf-8"))) for p in ENTRY_FILES
    )
    macro_fields = sum(
        len(re.findall(r"(?im)^\s*author\s*=.*#", p.read_text(encoding="utf-8")))
        for p in ENTRY_FILES
    )
    assert (author_fields, macro_fields) == (2872, 1745)
    # +1: BelSte2002gp has no author field and inherits it from its crossref parent
    assert sum(bool(p.authors) for p in papers) == author_fields + 1
    assert all(p.authors for p in papers if p.doc_type == "article")
    assert not any(
        set("{}\\#") & set(a.author.name) or a.author.name != a.author.name.strip()
        for p in papers
        for a in p.authors
    )


def test_journal_macros_expanded(papers: list[Paper]) -> None:
    paper = titled(
        papers,
        "Dynamic-Size Multiple Populations Genetic Algorithm for Multigravity-Assist "
        "Trajectory Optimization",
    )
    assert paper.venue is not None
    assert (paper.venue.name, paper.venue.type) == (
        "Journal of Guidance, Control, and Dynamics",
        "journal",
    )
    assert paper.ids.doi == "10.2514/1.54330"
    assert names(paper) == ["Ossama Abdelkhalik", "Ahmed Gad"]
    assert sum(p.venue is not None and p.venue.type == "journal" for p in papers) >= 1509


def test_crossref_inheritance(papers: list[Paper]) -> None:
    # AarKorMic2005 -> SearchMethod2005
    child = next(p for p in papers if p.ids.doi == "10.1007/0-387-28356-0_7")
    assert child.year == 2005
    assert child.venue is not None
    assert (child.venue.name, child.venue.type) == ("Search Methodologies", "book")
    assert child.title == "Simulated Annealing"
    book = titled(
        papers,
        "Search Methodologies: Introductory Tutorials in Optimization and Decision Support "
        "Techniques",
    )
    assert book.ids.doi == "10.1007/0-387-28356-0"  # the parent keeps its own DOI
    assert book.authors == ()  # editors are not authors
    assert names(child) == ["Emile H. L. Aarts", "Jan H. M. Korst", "Wil Michiels"]
    inherits_author = titled(papers, "Goal and Reference Point Methods")  # BelSte2002gp
    assert names(inherits_author) == ["Valerie Belton", "Theodor J. Stewart"]
    assert inherits_author.year == 2002


def test_latex_decoded(papers: list[Paper]) -> None:
    borda = titled(papers, "Mémoire sur les Élections au Scrutin")
    assert names(borda) == ["Jean-Charles de Borda"]
    assert borda.year == 1781
    assert borda.venue is not None
    assert borda.venue.name == "Histoire de l'Académie Royal des Sciences"
    all_names = {a.author.name for p in papers for a in p.authors}
    assert "Thomas Stützle" in all_names
    assert not any("\\" in (p.title or "") or "{" in (p.title or "") for p in papers)
    assert any("MAX–MIN Ant System" in (p.title or "") for p in papers)  # preamble macro
    checklist = titled(
        papers, "35th AAAI Conference on Artificial Intelligence: Reproducibility Checklist"
    )
    assert names(checklist) == ["AAAI"]  # {{AAAI}}: one brace-protected name


def test_months_give_dates(tmp_path: Path) -> None:
    bib = tmp_path / "m.bib"
    bib.write_text(
        "@article{a, title={T}, author={Doe, Jane and others}, year=2001, month=mar}\n",
        encoding="utf-8",
    )
    (paper,) = bibtex.parse(bib)
    assert isinstance(paper, Paper)
    assert (paper.date, paper.authors_complete, names(paper)) == ("2001-03", False, ["Jane Doe"])


def test_mode_line_string_files_are_named_never_opened() -> None:
    items = list(bibtex.parse(IRIDIA / "articles.bib"))
    assert sum(isinstance(i, Paper) for i in items) == 1509
    issues = [i for i in items if isinstance(i, ParseIssue)]
    hint = issues[0]
    assert hint.location.line == 1 and not hint.fatal
    assert "abbrev.bib, journals.bib, authors.bib: not read" in hint.reason
    assert any("abramson_d" in i.reason for i in issues)  # the macros stay undefined
    given = list(bibtex.parse(IRIDIA / "articles.bib", macros_from=STRING_FILES))
    assert not [i for i in given if isinstance(i, ParseIssue)]


def test_single_file_without_macros_reports_undefined() -> None:
    items = list(bibtex.parse(IRIDIA / "articles.bib", macros_from=[]))
    issues = [i for i in items if isinstance(i, ParseIssue)]
    assert any("AbrAmoDan1999" in i.reason and "abramson_d" in i.reason for i in issues)
    assert all(not i.fatal and i.location.line for i in issues)
    assert sum(isinstance(i, Paper) for i in items) == 1509  # entries still come out


def test_parse_many_any_order(papers: list[Paper]) -> None:
    shuffled = [ENTRY_FILES[1], ENTRY_FILES[2], *STRING_FILES, ENTRY_FILES[0]]
    items = list(bibtex.parse_many(shuffled))
    assert not [i for i in items if isinstance(i, ParseIssue)]
    assert sorted(p.ids.key() for p in items if isinstance(p, Paper)) == sorted(
        p.ids.key() for p in papers
    )
    # macros_from gives strings and crossref parents without emitting their entries
    biblio = list(bibtex.parse(IRIDIA / "biblio.bib", macros_from=[*STRING_FILES, ENTRY_FILES[2]]))
    assert sum(isinstance(i, Paper) for i in biblio) == 1367
    child = next(
        p for p in biblio if isinstance(p, Paper) and p.ids.doi == "10.1007/0-387-28356-0_7"
    )
    assert child.year == 2005


BAD = """@string{me = "Doe, Jane"}

@article{good1, title={First}, author=me, year=2001}

@article{notitle,
  author = me,
  year = 2002
}

@article{broken, title={Second, author=me, year=2003}

@article{good2, title={Third}, author=me # " and Roe, Rick", year=2004}
@article{good1, title={Dup}, year=2005}
@article{orphan, title={Fourth}, crossref={nowhere}, year=2006}
"""


def test_bad_entries_reported_neighbours_kept(tmp_path: Path) -> None:
    bib = tmp_path / "bad.bib"
    bib.write_text(BAD, encoding="utf-8")
    items = list(bibtex.parse(bib))
    got = [p.title for p in items if isinstance(p, Paper)]
    assert got == ["First", "Third", "Fourth"]
    issues = {(i.location.line, i.reason.split(":")[0]) for i in items if isinstance(i, ParseIssue)}
    assert (5, "notitle") in issues
    assert 10 in {line for line, _ in issues}  # the unparsable entry
    assert any(line == 13 and "duplicate key" in reason for line, reason in issues)
    assert (14, "orphan") in issues
    assert all(
        i.location.file == str(bib) and not i.fatal for i in items if isinstance(i, ParseIssue)
    )
    third = next(p for p in items if isinstance(p, Paper) and p.title == "Third")
    assert names(third) == ["Jane Doe", "Rick Roe"]


def test_gzip_directory_parses_identically(tmp_path: Path, items: list[Paper | ParseIssue]) -> None:
    for path in STRING_FILES + ENTRY_FILES:
        (tmp_path / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes()))
    gz_items = list(bibtex.parse(tmp_path))
    assert len(gz_items) == len(items)
    assert gz_items == items


def test_latin1_file_and_missing_file(tmp_path: Path) -> None:
    bib = tmp_path / "latin.bib"
    bib.write_bytes(b"@article{a, title={Caf\xe9 cr\xe8me}, author={M\xfcller, Hans}}\n")
    issue, paper = bibtex.parse(bib)
    assert isinstance(issue, ParseIssue) and not issue.fatal and "Latin-1" in issue.reason
    assert isinstance(paper, Paper)
    assert (paper.title, names(paper)) == ("Café crème", ["Hans Müller"])
    (missing,) = bibtex.parse(tmp_path / "missing.bib")
    assert isinstance(missing, ParseIssue) and missing.fatal


def test_sniff() -> None:
    for path in STRING_FILES + ENTRY_FILES:
        assert bibtex.sniff(path.read_bytes()[:8192], path), path
    dblp_xml = DATA / "dblp-xml" / "dblp-sample.xml"
    assert not bibtex.sniff(dblp_xml.read_bytes()[:8192], dblp_xml)
    assert not bibtex.sniff(b'{"email": "a@article.org"}', Path("x.json"))


_OPENED: list[str] | None = None  # paths Python opens while ``recording_opens`` is active


def _on_audit(event: str, args: tuple[object, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | bytes | Path):
        _OPENED.append(str(Path(str(args[0])).resolve()))


sys.addaudithook(_on_audit)  # audit hooks cannot be removed; it records only when asked


@contextmanager
def recording_opens() -> Iterator[list[str]]:
    global _OPENED
    _OPENED = []
    try:
        yield _OPENED
    finally:
        _OPENED = None


def test_nothing_but_the_input_is_opened(tmp_path: Path) -> None:
    """A mode line, a crossref or ``\\input`` naming another file never makes the loader read it."""
    vault = tmp_path / "vault"
    vault.mkdir()
    secret_bib = vault / "secret.bib"
    secret_bib.write_text(
        '@string{leak = "SECRET-MACRO-91c2"}\n'
        "@book{parent, title={SECRET-TITLE}, booktitle={SECRET-BOOK-91c2}, year=1999}\n",
        encoding="utf-8",
    )
    secret_txt = vault / "secret.txt"
    secret_txt.write_text("SECRET-INPUT-91c2", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    bib = work / "input.bib"
    bib.write_text(
        f'%% -*- mode: bibtex; bibtex-string-files: ("{secret_bib}" "../vault/secret.bib") -*-\n'
        "@article{a, title={Uses a macro}, journal=leak, author={Doe, Jane}, year=2001}\n"
        "@incollection{b, title={Child}, crossref={parent}, author={Roe, Rick}}\n"
        f"@article{{c, title={{Before \\input{{{secret_txt}}} after}}, author={{Poe, Al}}}}\n",
        encoding="utf-8",
    )
    with recording_opens() as opened:
        items = list(bibtex.parse(bib))
    assert str(secret_bib.resolve()) not in opened and str(secret_txt.resolve()) not in opened
    assert not [p for p in opened if p.startswith(str(tmp_path)) and p != str(bib.resolve())]
    assert "SECRET" not in repr(items)
    papers = {p.ids.key(): p for p in items if isinstance(p, Paper)}
    assert len(papers) == 3  # every entry still loads
    assert next(p for p in papers.values() if p.title.startswith("Before")).title == "Before after"
    reasons = [i.reason for i in items if isinstance(i, ParseIssue)]
    assert any(f"string files {secret_bib}, ../vault/secret.bib: not read" in r for r in reasons)
    assert any("leak" in r for r in reasons)  # the macro stays undefined, and says so


def test_one_bad_byte_changes_only_its_line(tmp_path: Path) -> None:
    bib = tmp_path / "mixed.bib"
    bib.write_bytes(
        "@article{a, title={Café}, author={Müller, Hans}, year=2001}\n".encode()
        + b"@article{b, title={Cr\xe8me}, author={Doe, Jane}, year=2002}\n"
        + "@article{c, title={Ångström}, author={Øre, Ole}, year=2003}\n".encode()
    )
    items = list(bibtex.parse(bib))
    issue = next(i for i in items if isinstance(i, ParseIssue))
    assert issue.location.line == 2 and "1 line(s) not valid UTF-8" in issue.reason
    titles = [p.title for p in items if isinstance(p, Paper)]
    assert titles == ["Café", "Crème", "Ångström"]  # the UTF-8 lines are not read as Latin-1
