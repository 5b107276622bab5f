"""Paper identity beyond ids (``graph.identity.resolve_papers``, ``same_work``): the pure
rules, no database (the real records are loaded in tests/integration/test_paper_matching.py)."""

from __future__ import annotations

from graph.identity import PaperRef, TitleCandidate, resolve_papers, same_work
from graph.ids import surname_key, title_key, venue_key, venues_compatible

GRATCH = title_key(
    "Adaptive Problem-solving for Large-scale Scheduling Problems: A Case Study", 1996
)
ACO = title_key("Ant Colony Optimization", 2011)


def test_abbreviated_and_full_venue_names_share_a_key() -> None:
    assert venue_key("IEEE Trans. Computers") == venue_key("IEEE Transactions on Computers")
    assert venue_key("J. Parallel Distrib. Comput.") == venue_key(
        "Journal of Parallel and Distributed Computing"
    )
    assert venue_key("Comput. J.") == venue_key("The Computer Journal")
    assert venue_key("ICML") != venue_key("ICMLA")  # an acronym stays whole


def test_venue_compatibility() -> None:
    jair = venue_key("Journal of Artificial Intelligence Research")
    assert venues_compatible(venue_key("JAIR"), jair)  # an acronym of the full name
    assert venues_compatible(None, jair) and venues_compatible(venue_key("arXiv"), jair)
    assert not venues_compatible(
        venue_key("The Industrial Electronics Handbook: Intelligent Systems"),
        venue_key("Encyclopedia of Operations Research and Management Science"),
    )


def test_same_work_needs_title_year_first_author_and_venue() -> None:
    assert GRATCH is not None and ACO is not None
    later = GRATCH.replace("|1996", "|1997")
    assert same_work(GRATCH, "gratch", None, later, "gratch", "jou art int res")
    assert not same_work(GRATCH, "gratch", None, GRATCH.replace("|1996", "|1998"), None, None)
    assert not same_work(ACO, "blum", None, ACO, "dorigo", None)  # two chapters, one title
    assert not same_work(ACO, "dorigo", venue_key("Handbook A"), ACO, "dorigo",
                         venue_key("Encyclopedia B"))  # fmt: skip
    assert surname_key("J.Gratch") == surname_key("Jonathan Gratch") == "gratch"


def test_a_weak_record_joins_the_strong_record_of_its_work_in_one_batch() -> None:
    refs = [
        PaperRef({}, GRATCH, True, "gratch", "jou art int res"),
        PaperRef({"arxiv": "cs/9605104"}, GRATCH, True, "gratch", None),
    ]
    res = resolve_papers(refs, {}, {})
    assert res.node_of == ["arxiv:cs/9605104", "arxiv:cs/9605104"]
    assert res.created == {"arxiv:cs/9605104"} and not res.merges


def test_same_title_other_first_author_stays_apart_in_one_batch() -> None:
    refs = [
        PaperRef({}, ACO, True, "blum", venue_key("The Industrial Electronics Handbook")),
        PaperRef({}, ACO, True, "dorigo", venue_key("Encyclopedia of Operations Research")),
        PaperRef({}, ACO),  # a citation of the title alone: joins one of them, never both
    ]
    res = resolve_papers(refs, {}, {})
    assert res.node_of[0] != res.node_of[1]
    assert res.node_of[2] in res.node_of[:2]
    assert len(res.created) == 2


def test_a_strong_record_adopts_a_weak_node_of_its_work() -> None:
    weak = f"title:{GRATCH}"
    existing = {GRATCH: [TitleCandidate(weak, GRATCH, True, "gratch", "jou art int res")]}
    refs = [PaperRef({"arxiv": "cs/9605104"}, GRATCH, True, "gratch", None)]
    res = resolve_papers(refs, {}, existing)
    assert res.node_of == ["arxiv:cs/9605104"]
    assert res.merges == [("arxiv:cs/9605104", weak)] and "arxiv:cs/9605104" in res.created


def test_a_weak_record_joins_an_existing_strong_node() -> None:
    existing = {GRATCH: [TitleCandidate("arxiv:cs/9605104", GRATCH, False, "gratch", None)]}
    res = resolve_papers([PaperRef({}, GRATCH, True, "gratch", "jair")], {}, existing)
    assert res.node_of == ["arxiv:cs/9605104"] and not res.created and not res.merges


def test_title_never_joins_two_strong_papers() -> None:
    refs = [
        PaperRef({"doi": "10.1/a"}, ACO, True, "dorigo", None),
        PaperRef({"doi": "10.1/b"}, ACO, True, "dorigo", None),
    ]
    existing = {ACO: [TitleCandidate("doi:10.1/c", ACO, False, "dorigo", None)]}
    res = resolve_papers(refs, {}, existing)
    assert res.node_of == ["doi:10.1/a", "doi:10.1/b"] and not res.merges


def test_a_weak_record_of_another_work_is_not_joined_to_an_existing_node() -> None:
    existing = {ACO: [TitleCandidate(f"title:{ACO}", ACO, True, "blum", None)]}
    res = resolve_papers([PaperRef({}, ACO, True, "dorigo", None)], {}, existing)
    assert res.node_of != [f"title:{ACO}"] and res.created == set(res.node_of)


def test_one_venue_under_a_name_id_and_a_source_id_is_one_node() -> None:
    from graph.identity import VenueIndex, VenueNode
    from graph.ids import normalize_title

    tec = normalize_title("IEEE Transactions on Evolutionary Computation")
    index = VenueIndex()
    index.add(VenueNode(f"name:{tec}", None, tec))  # in the graph: a BibTeX journal
    assert index.resolve("s2-venue:abc", "1089-778X", tec) == f"name:{tec}"  # S2: by name
    assert index.resolve("issn:1089-778X", "1089-778X", None) == f"name:{tec}"  # by ISSN now
    assert index.resolve("s2-venue:abc", None, None) == f"name:{tec}"  # by the id it was given
    # the same name with another ISSN is another venue (two ISSNs are two venues)
    assert index.resolve("issn:9999-9999", "9999-9999", tec) == "issn:9999-9999"
    assert index.resolve(f"name:{tec}", None, tec) == f"name:{tec}"
