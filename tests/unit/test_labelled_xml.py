"""The labelled sets read from their original XML files: the rows of ``mentions.jsonl``, the
same mentions through ``read_mentions``, and nothing but the file read."""

from __future__ import annotations

import html
from pathlib import Path

import orjson
import pytest

from graph.ids import normalize_name
from loaders.labelled import find_sets, read_mentions
from loaders.labelled_xml import read_folder, read_person

SETS = Path(__file__).resolve().parents[3] / "shared" / "data" / "author-disambiguation"
DATASET = {"aminer110-half": "aminer110", "qian-dblp": "qian-dblp"}


def _jsonl(name: str) -> dict[str, dict]:
    rows = (SETS / name / "mentions.jsonl").read_bytes().splitlines()
    return {r["mention_id"]: r for r in map(orjson.loads, rows)}


@pytest.mark.parametrize("name", sorted(DATASET))
def test_the_xml_files_give_the_rows_of_mentions_jsonl(name: str) -> None:
    """Every mention of the set's ``mentions.jsonl`` (derived from the same XML) comes out of
    the XML with the same fields. Two kinds of difference are where the XML reader reads more
    than that derivation: an abstract whose second escape it decodes (``&quot;`` left in the
    JSON), and a focal name it finds by its accent-folded surname (the JSON missed "Juan
    Carlos López" in block "Juan Carlos Lopez" and kept him among the co-authors)."""
    want = _jsonl(name)
    got = {r["mention_id"]: r for r in read_folder(SETS / name / "xml", DATASET[name])}
    assert set(got) == set(want)
    decoded = found = 0
    for mid, w in want.items():
        g = got[mid]
        for field in w:
            if g[field] == w[field]:
                continue
            if field == "abstract":
                assert g[field] == html.unescape(w[field]), mid
                decoded += 1
            elif field in ("name_as_printed", "coauthors"):
                printed = g["name_as_printed"]
                assert w["name_as_printed"] is None and printed in w["coauthors"], mid
                assert normalize_name(printed) == normalize_name(w["block"]), mid
                assert g["coauthors"] == [n for n in w["coauthors"] if n != printed], mid
                found += field == "name_as_printed"
            else:
                pytest.fail(f"{mid} {field}: {g[field]!r} != {w[field]!r}")
    assert decoded + found < len(want) / 500  # the two kinds above, and rare


@pytest.mark.parametrize("name", sorted(DATASET))
def test_read_mentions_reads_the_xml_folder_as_it_reads_the_jsonl(name: str) -> None:
    from_xml = read_mentions(SETS / name / "xml", limit_blocks=6)
    from_jsonl = read_mentions(SETS / name, limit_blocks=6)
    assert from_xml.name == from_jsonl.name == name
    assert find_sets(SETS / name / "xml") == [SETS / name / "xml"]
    assert len({m.block for m in from_xml.mentions}) == 6
    assert [(m.id, m.block, m.gold, m.position) for m in from_xml.mentions] == [
        (m.id, m.block, m.gold, m.position) for m in from_jsonl.mentions
    ]
    assert [r.title for r in from_xml.records] == [r.title for r in from_jsonl.records]


PERSON = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE person [<!ENTITY secret SYSTEM "file://{secret}">]>
<person>\r
\t<personID>1</personID>\r
\t<FullName>R&eacute;mi M&amp;uuml;ller</FullName>\r
\t<publication>\r
\t\t<title>Fast & <loose> search &secret; &amp;uuml;ber alles</title>\r
\t\t<year>1999</year>\r
\t\t<authors>A. Person,R. M&uuml;ller</authors>\r
\t\t<jconf>null</jconf>\r
\t\t<id>42</id>\r
\t\t<label>3</label>\r
\t\t<organization>null</organization>\r
\t</publication>\r
</person>\r
"""


def test_a_file_that_is_not_well_formed_is_read_as_text_and_reads_nothing_else(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    path = tmp_path / "R_Muller.xml"
    path.write_bytes(PERSON.format(secret=secret).encode())
    (row,) = read_person(path, "toy")
    assert row["block"] == "Rémi Müller"  # escaped twice, decoded
    assert row["title"] == "Fast & <loose> search &secret; über alles"  # the entity stays text
    assert row["authors"] == ["A. Person", "R. Müller"]
    assert row["name_as_printed"] == "R. Müller" and row["coauthors"] == ["A. Person"]
    assert row["venue"] is None and row["affiliation"] is None and row["year"] == 1999
    assert row["gold_person"] == "Rémi Müller::3" and row["paper_id"] == "42"
    assert "do not read me" not in orjson.dumps(row).decode()


def test_a_folder_without_a_labelled_set_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "other.xml").write_text("<dblp><article/></dblp>")
    refused = f"{tmp_path}: no labelled set here \\(a mentions.jsonl, <person> XML files, S2AND"
    with pytest.raises(ValueError, match=refused):
        read_mentions(tmp_path)
    with pytest.raises(ValueError, match="other.xml: not a labelled <person> file"):
        read_person(tmp_path / "other.xml", "toy")


def test_a_publication_without_a_label_is_skipped_and_counted(tmp_path: Path) -> None:
    labelled = PERSON.format(secret=tmp_path / "none")
    unlabelled = labelled.replace("<label>3</label>", "").replace("<id>42</id>", "<id>43</id>")
    (tmp_path / "R_Muller.xml").write_text(labelled)
    (tmp_path / "R_Muller_2.xml").write_text(unlabelled)
    got = read_mentions(tmp_path)
    assert got.name == tmp_path.name
    assert got.skipped == 1
    assert [(m.id, m.gold) for m in got.mentions] == [("R_Muller.xml#0", "Rémi Müller::3")]


def test_sets_are_found_by_their_jsonl_or_their_xml_folder(tmp_path: Path) -> None:
    """A folder of sets: one with ``mentions.jsonl`` (and its XML beside it), one that has only
    its ``xml/`` folder, one of its XML files directly; a folder with neither is not a set."""
    for name in ("a_jsonl", "b_xml_only/xml", "c_files"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "a_jsonl" / "mentions.jsonl").write_text("")
    (tmp_path / "a_jsonl" / "xml").mkdir()
    (tmp_path / "a_jsonl" / "xml" / "X.xml").write_text(PERSON.format(secret="none"))
    (tmp_path / "b_xml_only" / "xml" / "X.xml").write_text(PERSON.format(secret="none"))
    (tmp_path / "c_files" / "X.xml").write_text(PERSON.format(secret="none"))
    (tmp_path / "d_other").mkdir()
    (tmp_path / "d_other" / "other.xml").write_text("<dblp/>")
    assert find_sets(tmp_path) == [
        tmp_path / "a_jsonl" / "mentions.jsonl",
        tmp_path / "b_xml_only" / "xml",
        tmp_path / "c_files",
    ]
    assert find_sets(tmp_path / "b_xml_only") == [tmp_path / "b_xml_only" / "xml"]
    assert read_mentions(tmp_path / "b_xml_only").name == "b_xml_only"
    assert find_sets(tmp_path / "d_other") == []
    assert find_sets(SETS) == [SETS / n / "mentions.jsonl" for n in sorted(DATASET)]
