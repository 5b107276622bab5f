"""Labelled sets in AMiner WhoIsWho's name-disambiguation layout: ``<prefix>author.json`` with
``<prefix>pub.json`` beside it (``train_author.json`` / ``train_pub.json``). Read into the rows
of ``mentions.jsonl`` (``loaders.labelled``), so such a set is evaluated like the others.

* ``author``: ``{name: {person_id: [paper_id, ...]}}``: each name is a block, each person a
  gold person, each paper id a mention (an id written ``<paper_id>-<index>`` also gives the
  author's 0-based index in the paper's list).
* ``pub``: ``{paper_id: {title, authors: [{name, org}], venue, year, keywords, abstract}}``.

The block's names are written ``li_guo`` and the papers print "Li Guo", "Guo Li" or "L. Guo",
so the printed form is found in the author list by its folded name, its words in any order, or
its surname with a fitting first initial; the author's ``org`` is the affiliation. A name not
found in its paper's list is put first under the block's name. Mentions are ordered by block,
then by year and paper id: the file lists them person by person, and an incremental clustering
must not be handed its answer by the order it reads in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.ids import normalize_name
from loaders.labelled_s2and import read_json_object

AUTHOR_SUFFIX = "author.json"
PUB_SUFFIX = "pub.json"


def author_files(folder: Path) -> list[Path]:
    """The ``<prefix>author.json`` files of a folder that have their ``<prefix>pub.json``."""
    return sorted(
        p
        for p in folder.glob(f"*{AUTHOR_SUFFIX}")
        if p.with_name(p.name.removesuffix(AUTHOR_SUFFIX) + PUB_SUFFIX).is_file()
    )


def read_folder(folder: Path, dataset: str) -> Iterator[dict[str, Any]]:
    """Every mention of every ``<prefix>author.json`` in ``folder`` (by file name)."""
    for path in author_files(folder):
        pubs = path.with_name(path.name.removesuffix(AUTHOR_SUFFIX) + PUB_SUFFIX)
        yield from read_pair(path, pubs, dataset)


def read_pair(author_path: Path, pub_path: Path, dataset: str) -> Iterator[dict[str, Any]]:
    authors, pubs = read_json_object(author_path), read_json_object(pub_path)
    for key, people in authors.items():
        if not isinstance(people, dict):
            raise ValueError(
                f"{author_path}: name {key!r} should map person ids to paper id lists, "
                f"got {type(people).__name__}"
            )
        block = " ".join(w.capitalize() for w in str(key).replace("_", " ").split())
        rows = []
        for person, paper_ids in people.items():
            for value in paper_ids or ():
                pid, index = _paper_ref(str(value), pubs)
                if pid is None:
                    raise ValueError(
                        f"{author_path}: {key!r} / {person!r} lists paper {value!r}, "
                        f"which {pub_path.name} does not hold"
                    )
                rows.append(_row(dataset, block, f"{block}::{person}", pid, pubs[pid], index))
        rows.sort(key=lambda r: (r["year"] or 0, r["paper_id"], r["gold_person"]))
        yield from rows


def _paper_ref(value: str, pubs: dict[str, Any]) -> tuple[str | None, int | None]:
    """A listed paper id, and the author index when it is written ``<id>-<index>``."""
    if value in pubs:
        return value, None
    pid, _, index = value.rpartition("-")
    if pid in pubs and index.isdigit():
        return pid, int(index)
    return None, None


def _row(
    dataset: str, block: str, gold: str, pid: str, pub: dict[str, Any], index: int | None
) -> dict[str, Any]:
    listed = [a for a in pub.get("authors") or () if str(a.get("name") or "").strip()]
    names = [str(a["name"]).strip() for a in listed]
    at = index if index is not None and index < len(listed) else _find(block, names)
    org = str(listed[at].get("org") or "").strip() if at is not None else ""
    year = pub.get("year")
    year = int(year) if isinstance(year, int | str) and str(year).isdigit() else None
    keywords = [str(k).strip() for k in pub.get("keywords") or () if str(k).strip()]
    return {
        "dataset": dataset,
        "block": block,
        "mention_id": f"{pid}#{block}",
        "paper_id": pid,
        "name_as_printed": names[at] if at is not None else None,
        "authors": names,
        "coauthors": [n for i, n in enumerate(names) if i != at],
        "title": pub.get("title") or "",
        "venue": pub.get("venue") or None,
        "year": year,
        "affiliation": org or None,
        "keywords": keywords or None,
        "abstract": pub.get("abstract") or None,
        "gold_person": gold,
    }


def _find(block: str, names: list[str]) -> int | None:
    """The index of the block's name in an author list: the same folded name, the same words
    in another order (Chinese names printed surname first), or the same surname with a fitting
    first initial (the block's first or last word as the surname)."""
    want = normalize_name(block).split()
    keys = [normalize_name(n).split() for n in names]
    for test in (
        lambda k: k == want,
        lambda k: sorted(k) == sorted(want) or "".join(k) == "".join(want),
        lambda k: len(k) >= 2 and len(want) >= 2 and k[-1] == want[-1] and k[0][0] == want[0][0],
        lambda k: len(k) >= 2 and len(want) >= 2 and k[-1] == want[0] and k[0][0] == want[-1][0],
    ):
        hits = [i for i, k in enumerate(keys) if test(k)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None  # two authors fit equally: the source does not say which
    return None
