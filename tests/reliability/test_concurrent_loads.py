"""An author's display name does not depend on the order of loads, sequential or concurrent.

Paperscape's yearly files print many authors differently from year to year ("M. Quiros" and
"M. Quirós", "G. SIERRA" and "G. Sierra") under one name-only id: the name shown must be the
same whichever file is loaded first, and when both load at once. To keep the test quick, each
file is cut down to its entries that name such an author (a few hundred real lines each).

The loads keep one author per printed name (``cluster_authors=False``): what is tested is the
display-name rule under every order; which mentions form one person is the clustering's
business, and its (small) dependence on load order is measured in docs/identity.md.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from graph.identity import better_display_name, display_name_rank
from graph.ingest_queries import MERGE_AUTHORS
from loaders import paperscape
from loaders.writer import author_row, load_paths
from tests.conftest import wipe

DB = "neo4j"
FILES = ("pscp-1992.csv", "pscp-1993.csv")
AUTHORS = """
MATCH (a:Author)
RETURN a.id AS id, a.name AS name, a.name_key AS name_key, a.name_variants AS variants
"""

Snapshot = dict[str, tuple[str, str, frozenset[str]]]


def _snapshot(driver: Driver) -> Snapshot:
    records, _, _ = driver.execute_query(AUTHORS, database_=DB)
    return {r["id"]: (r["name"], r["name_key"], frozenset(r["variants"])) for r in records}


def _printed_names(path: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """name key → printed forms, and arXiv id → the name keys of that entry."""
    forms: dict[str, set[str]] = defaultdict(set)
    entries: dict[str, set[str]] = {}
    for paper in paperscape.parse(path):
        keys = set()
        for authorship in paper.authors:
            row = author_row(authorship.author)
            forms[row["name_key"]].add(row["name"])
            keys.add(row["name_key"])
        assert paper.ids.arxiv
        entries[paper.ids.arxiv] = keys
    return forms, entries


@pytest.fixture(scope="module")
def files(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The two files, each cut down to the entries with an author printed differently in the
    other file (header and lines kept as they are)."""
    full = [data_dir / "paperscape-arxiv-1991-1996" / f for f in FILES]
    (forms_a, entries_a), (forms_b, entries_b) = (_printed_names(p) for p in full)
    differing = {k for k in forms_a.keys() & forms_b.keys() if forms_a[k] != forms_b[k]}
    assert len(differing) >= 50, "the samples no longer exercise the rule"
    out = []
    folder = tmp_path_factory.mktemp("paperscape")
    for path, entries in zip(full, (entries_a, entries_b), strict=True):
        keep = {arxiv for arxiv, keys in entries.items() if keys & differing}
        lines = path.read_text().splitlines(keepends=True)
        kept = [ln for ln in lines if ln.startswith("#") or ln.split(";", 1)[0] in keep]
        (folder / path.name).write_text("".join(kept))
        out.append(folder / path.name)
    return out


@pytest.fixture(scope="module")
def in_order(driver: Driver, files: list[Path]) -> Snapshot:
    """The names after loading the two files one after the other, first to last."""
    wipe(driver)
    for path in files:
        load_paths(driver, DB, [path], refresh=False, cluster_authors=False)
    return _snapshot(driver)


def test_the_samples_print_one_author_in_several_ways(in_order: Snapshot) -> None:
    several = [v for _, _, v in in_order.values() if len(v) > 1]
    assert len(several) >= 50, "the files no longer exercise the rule"


def test_the_display_name_is_the_best_printed_form(in_order: Snapshot) -> None:
    from graph.ids import normalize_name

    for name, name_key, variants in in_order.values():
        assert name == max(variants, key=display_name_rank)
        assert name_key == normalize_name(name)


def test_reversed_order_gives_the_same_names(
    driver: Driver, files: list[Path], in_order: Snapshot
) -> None:
    wipe(driver)
    for path in reversed(files):
        load_paths(driver, DB, [path], refresh=False, cluster_authors=False)
    reversed_order = _snapshot(driver)
    assert reversed_order.keys() == in_order.keys()
    changed = {k: (in_order[k][0], v[0]) for k, v in reversed_order.items() if v != in_order[k]}
    assert not changed, f"{len(changed)} authors differ, e.g. {list(changed.items())[:5]}"


def test_concurrent_loads_give_the_same_names(
    driver: Driver, files: list[Path], in_order: Snapshot
) -> None:
    wipe(driver)
    errors: list[BaseException] = []
    start = threading.Barrier(len(FILES))

    def load(path: Path) -> None:
        try:
            start.wait()
            load_paths(driver, DB, [path], refresh=False, cluster_authors=False, batch_size=100)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=load, args=(p,)) for p in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    together = _snapshot(driver)
    assert together.keys() == in_order.keys()
    changed = {k: (in_order[k][0], v[0]) for k, v in together.items() if v != in_order[k]}
    assert not changed, f"{len(changed)} authors differ, e.g. {list(changed.items())[:5]}"


NAMES = [
    "J. Smith", "John Smith", "JOHN SMITH", "J. A. Smith", "John A. Smith", "José García",
    "Jose Garcia", "Garcia, J.", "Smith", "Ångström", "Angstrom", "李 小龙", "O'Brien",
    "de la Cruz", "De La Cruz", "J.-P. Serre", "Jean-Pierre Serre", "J.-P. BLAIZOT",
    "J. P. Blaizot", "lesmes", "Lesmes", "Straße", "STRASSE", "İlker Öz", "ilker öz",
]  # fmt: skip


def test_cypher_and_python_choose_alike(db: Driver) -> None:
    """The rule as MERGE_AUTHORS runs it agrees with ``better_display_name`` on every pair."""
    pairs = [(f"name:pair-{i}-{j}", current, candidate)
             for i, current in enumerate(NAMES) for j, candidate in enumerate(NAMES)]  # fmt: skip
    # the current names first, then the candidates (one batch each)
    db.execute_query(MERGE_AUTHORS, rows=[_row(n, c) for n, c, _ in pairs], database_=DB)
    db.execute_query(MERGE_AUTHORS, rows=[_row(n, c) for n, _, c in pairs], database_=DB)
    got = {r["id"]: r["name"] for r in db.execute_query(AUTHORS, database_=DB).records}
    for i, current in enumerate(NAMES):
        for j, candidate in enumerate(NAMES):
            want = candidate if better_display_name(candidate, current) else current
            assert got[f"name:pair-{i}-{j}"] == want, (current, candidate)


def _row(node: str, name: str) -> dict[str, Any]:
    return {
        "id": node, "ids": {}, "name": name, "name_key": name.lower(), "match_key": "x",
        "affiliation": None, "variants": [name], "sources": ["test"],
    }  # fmt: skip


def test_the_rule_prefers_complete_forms() -> None:
    assert max(["J. A. Smith", "John Smith"], key=display_name_rank) == "John Smith"
    assert max(["Jose Garcia", "José García"], key=display_name_rank) == "José García"
    assert max(["JOHN SMITH", "John Smith"], key=display_name_rank) == "John Smith"
    assert max(["J.-P. BLAIZOT", "J. P. Blaizot"], key=display_name_rank) == "J. P. Blaizot"
    assert max(["lesmes", "Lesmes"], key=display_name_rank) == "Lesmes"
    assert better_display_name("J. Smith", None)
    assert not better_display_name("J. Smith", "J. Smith")
