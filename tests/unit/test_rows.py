"""The loaders → graph contract (``graph.rows``): the rows ``loaders.writer`` builds from real
records, and the author and venue tables both writers keep. Pure code, no database."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import get_type_hints

import pytest

from graph.identity import display_name_rank
from graph.ids import normalize_title
from graph.rows import AuthorRow, AuthorTable, PaperRow, VenueRow, VenueTable
from loaders import bibtex, openalex
from loaders.records import AuthorRef, Paper
from loaders.writer import author_row, paper_row

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def _papers(module, path: Path, limit: int = 200) -> list[Paper]:  # type: ignore[no-untyped-def]
    out = [r for r in module.parse(path) if isinstance(r, Paper)]
    return out[:limit]


@pytest.mark.parametrize(
    ("module", "path"),
    [
        (openalex, "openalex-works-api/works_chunk_1_page_1.json"),
        (bibtex, "bibtex-iridia/biblio.bib"),
    ],
)
def test_paper_rows_of_real_records_hold_exactly_the_contracts_keys(module, path) -> None:  # type: ignore[no-untyped-def]
    papers = _papers(module, DATA / path)
    assert papers
    required = set(get_type_hints(PaperRow))
    author_keys = set(get_type_hints(AuthorRow))
    venue_keys = set(get_type_hints(VenueRow))
    for paper in papers:
        row = paper_row(paper)
        assert set(row) == required, paper.ids
        for author in row["authors"]:
            assert set(author) == author_keys, author
        if row["venue"] is not None:
            assert set(row["venue"]) == venue_keys


def _ref(name: str, **ids: str) -> AuthorRow:
    return author_row(AuthorRef(name=name, **ids))


def test_one_strong_id_is_one_node_whatever_the_printed_name() -> None:
    table = AuthorTable()
    a = table.assign(_ref("J. Gratch", orcid="0000-0002-1825-0097"), "bibtex")
    b = table.assign(_ref("Jonathan Gratch", orcid="0000-0002-1825-0097"), "openalex")
    assert a == b
    node = table.nodes[a]
    assert node["ids"] == {"orcid": "0000-0002-1825-0097"}
    assert node["variants"] == ["J. Gratch", "Jonathan Gratch"]
    assert node["sources"] == ["bibtex", "openalex"]


@pytest.mark.parametrize(
    "order", list(itertools.permutations(["J. Gratch", "JONATHAN GRATCH", "Jonathan Gratch"]))
)
def test_the_display_name_does_not_depend_on_the_order_of_arrival(order: tuple[str, ...]) -> None:
    table = AuthorTable()
    nodes = {table.assign(_ref(name, orcid="0000-0002-1825-0097"), "s2") for name in order}
    assert len(nodes) == 1
    best = max(order, key=display_name_rank)
    assert table.nodes[nodes.pop()]["name"] == best


def test_an_id_held_by_another_node_is_never_added() -> None:
    table = AuthorTable()
    first = table.assign(_ref("Ke Li", orcid="0000-0001-5109-3700", s2="111"), "s2")
    # another ORCID with the first one's S2 id: a different person; the S2 id stays with the first
    second = table.assign(_ref("Ke Li", orcid="0000-0002-1694-233X", s2="111"), "s2")
    assert first != second
    assert "s2" not in table.nodes[second]["ids"]
    assert table.known[("s2", "111")].node_id == first


def test_a_decided_node_takes_the_reference_as_it_is() -> None:
    table = AuthorTable()
    node = table.assign(_ref("Ke Li"), "aminer", node="name:ke li#2")
    assert node == "name:ke li#2"
    assert table.nodes[node]["ids"] == {}


def test_joined_nodes_keep_every_variant_and_source_once() -> None:
    table = AuthorTable()
    keep = table.assign(_ref("K. Li"), "bibtex", node="name:k li")
    gone = table.assign(_ref("Ke Li"), "aminer", node="name:ke li")
    table.assign(_ref("K. Li"), "aminer", node=gone)
    table.join(keep, gone)
    assert gone not in table.nodes
    node = table.nodes[keep]
    assert node["variants"] == ["K. Li", "Ke Li"]
    assert node["sources"] == ["bibtex", "aminer"]
    assert node["name"] == max(["K. Li", "Ke Li"], key=display_name_rank)


def _venue(vid: str, name: str, issn: str | None = None) -> VenueRow:
    return VenueRow(id=vid, name=name, name_key=normalize_title(name), type="journal", issn=issn,
                    openalex_id=None, dblp_key=None)  # fmt: skip


def test_one_venue_under_two_source_ids_is_one_node_with_the_other_id_kept() -> None:
    table = VenueTable()
    name = "IEEE Transactions on Evolutionary Computation"
    a = table.add(_venue("name:ieee transactions on evolutionary computation", name))
    b = table.add(_venue("s2-venue:abc", name, issn="1089-778X"))
    assert a == b
    row = table.nodes[a]
    assert row["alt_ids"] == ["s2-venue:abc"]
    assert row["issn"] == "1089-778X"  # filled from the later reference


def test_two_issns_under_one_name_are_two_venues() -> None:
    table = VenueTable()
    a = table.add(_venue("issn:1111-1111", "Journal of Physics", issn="1111-1111"))
    b = table.add(_venue("issn:2222-2222", "Journal of Physics", issn="2222-2222"))
    assert a != b
    assert sorted(table.nodes) == sorted([a, b])
