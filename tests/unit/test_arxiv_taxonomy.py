"""The arXiv taxonomy: names for every code the data uses, hierarchy, legacy archives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loaders import arxiv_taxonomy as tx

DATA = Path(__file__).parents[2].parent / "shared" / "data"

# arxiv.org/category_taxonomy: number of subject classes per archive (current taxonomy).
EXPECTED_SUBJECTS = {
    "cs": 40,
    "econ": 3,
    "eess": 4,
    "math": 32,
    "astro-ph": 6,
    "cond-mat": 9,
    "nlin": 5,
    "physics": 22,
    "q-bio": 10,
    "q-fin": 9,
    "stat": 6,
}
SINGLE_ARCHIVES = [
    "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th", "quant-ph",
]  # fmt: skip


def test_every_archive_has_its_subject_classes() -> None:
    for archive, expected in EXPECTED_SUBJECTS.items():
        codes = [c for c in tx.NAMES if c.startswith(archive + ".")]
        assert len(codes) == expected, archive
    for code in SINGLE_ARCHIVES:
        assert tx.is_known(code)


@pytest.mark.parametrize(
    ("code", "name", "parent"),
    [
        ("cs.CL", "Computation and Language (formerly cmp-lg)", "arxiv:cs"),
        ("cs.LG", "Machine Learning", "arxiv:cs"),
        ("stat.ML", "Machine Learning", "arxiv:stat"),
        ("math.AG", "Algebraic Geometry (formerly alg-geom)", "arxiv:math"),
        ("eess.AS", "Audio and Speech Processing", "arxiv:eess"),
        ("econ.EM", "Econometrics", "arxiv:econ"),
        ("q-fin.ST", "Statistical Finance", "arxiv:q-fin"),
        ("q-bio.NC", "Neurons and Cognition", "arxiv:q-bio"),
        ("astro-ph.CO", "Cosmology and Nongalactic Astrophysics", "arxiv:astro-ph"),
        ("cond-mat.stat-mech", "Statistical Mechanics", "arxiv:cond-mat"),
        ("physics.optics", "Optics", "arxiv:physics"),
        ("hep-th", "High Energy Physics - Theory", "arxiv-group:physics"),
        ("astro-ph", "Astrophysics", "arxiv-group:physics"),
        ("quant-ph", "Quantum Physics", "arxiv-group:physics"),
        ("physics", "Physics", "arxiv-group:physics"),
        ("nlin.CD", "Chaotic Dynamics (formerly chao-dyn)", "arxiv:nlin"),
    ],
)
def test_names_and_parents(code: str, name: str, parent: str) -> None:
    ref = tx.category(code)
    assert ref.id == f"arxiv:{code}"
    assert ref.scheme == "arxiv"
    assert ref.name == name
    assert ref.parent is not None and ref.parent.id == parent


def test_hierarchy_reaches_the_group() -> None:
    ref = tx.category("cond-mat.supr-con")
    assert ref.parent is not None and ref.parent.id == "arxiv:cond-mat"
    assert ref.parent.name == "Condensed Matter"
    assert ref.parent.parent is not None and ref.parent.parent.id == "arxiv-group:physics"
    assert ref.parent.parent.parent is None
    cs = tx.category("cs")
    assert (cs.name, cs.parent) == ("Computer Science", None)


def test_the_physics_group_and_the_physics_archive_are_two_categories() -> None:
    """The archive ``physics`` holds physics.* only; the group holds every physics archive."""
    optics = tx.category("physics.optics")
    assert optics.parent is not None and optics.parent.id == "arxiv:physics"
    archive = optics.parent
    assert archive.parent is not None and archive.parent.id == tx.PHYSICS_GROUP_ID
    assert archive.parent.name != archive.name
    for code in ("hep-th", "astro-ph", "cond-mat", "gr-qc", "nlin", "quant-ph"):
        ref = tx.category(code)
        assert ref.id == f"arxiv:{code}"  # archive ids are unchanged
        assert ref.parent is not None and ref.parent.id == tx.PHYSICS_GROUP_ID
    chain = []
    ref = tx.category("nlin.SI")
    while ref is not None:
        chain.append(ref.id)
        ref = ref.parent
    assert chain == ["arxiv:nlin.SI", "arxiv:nlin", tx.PHYSICS_GROUP_ID]
    assert "arxiv:physics" not in chain


@pytest.mark.parametrize(
    ("legacy", "modern"),
    [
        ("cmp-lg", "cs.CL"), ("alg-geom", "math.AG"), ("q-alg", "math.QA"), ("dg-ga", "math.DG"),
        ("funct-an", "math.FA"), ("chao-dyn", "nlin.CD"), ("solv-int", "nlin.SI"),
        ("patt-sol", "nlin.PS"), ("adap-org", "nlin.AO"), ("comp-gas", "nlin.CG"),
        ("chem-ph", "physics.chem-ph"), ("atom-ph", "physics.atom-ph"),
        ("plasm-ph", "physics.plasm-ph"), ("ao-sci", "physics.ao-ph"),
        ("acc-phys", "physics.acc-ph"), ("bayes-an", "physics.data-an"),
        ("mtrl-th", "cond-mat.mtrl-sci"), ("supr-con", "cond-mat.supr-con"),
    ],
)  # fmt: skip
def test_legacy_archives_map_to_modern_categories(legacy: str, modern: str) -> None:
    assert tx.canonical(legacy) == modern
    assert tx.category(legacy) == tx.category(modern)
    assert tx.legacy_alias(modern) == legacy
    assert f"formerly {legacy}" in tx.category(modern).name


def test_legacy_and_modern_tags_do_not_duplicate() -> None:
    refs = tx.categories(["cmp-lg", "cs.CL", "cs.AI"])
    assert [r.id for r in refs] == ["arxiv:cs.CL", "arxiv:cs.AI"]


def test_unknown_codes_never_fail() -> None:
    ref = tx.category("cs.ZZ")
    assert (ref.id, ref.name) == ("arxiv:cs.ZZ", "cs.ZZ")
    assert ref.parent is not None and ref.parent.id == "arxiv:cs"
    odd = tx.category("weird-archive")
    assert (odd.id, odd.name, odd.parent) == ("arxiv:weird-archive", "weird-archive", None)
    assert tx.canonical(" CS.cl ") == "cs.CL"
    with pytest.raises(ValueError):
        tx.category("  ")


def test_every_code_in_the_arxiv_data_has_a_human_name() -> None:
    codes: set[str] = set()
    kaggle = DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    for line in kaggle.read_text(encoding="utf-8").splitlines():
        codes.update(json.loads(line)["categories"].split())
    for csv in (DATA / "paperscape-arxiv-1991-1996").glob("pscp-*.csv"):
        for line in csv.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                codes.update(line.split(";", 2)[1].split(","))
    codes.discard("")
    unknown = sorted(c for c in codes if not tx.is_known(c))
    assert unknown == []
    assert all(tx.category(c).name != tx.canonical(c) for c in codes)
