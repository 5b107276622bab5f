"""Labelled sets in S2AND's layout: ``<name>_papers.json``, ``<name>_signatures.json`` and
``<name>_clusters.json`` in one folder, as Semantic Scholar's S2AND benchmark ships each of its
datasets (aminer, arnetminer, inspire, kisti, orcid, pubmed, qian, zbmath, ...). Read into the
rows of ``mentions.jsonl`` (``loaders.labelled``), so such a set is evaluated like the others.

* ``papers``: ``{paper_id: {title, abstract, venue, journal_name, year, authors: [{position,
  author_name}]}}``, positions 0-based.
* ``signatures``: ``{signature_id: {paper_id, author_info: {block, position, first, middle,
  last, suffix, affiliations}}}``; a signature is one mention.
* ``clusters``: ``{cluster_id: {signature_ids: [...]}}``, the gold persons. A signature in no
  cluster has no gold person: it is counted as skipped, not scored.

The printed form of a signature is the paper's author at its position when that name has the
signature's surname, else the author with that surname, else the name spelled from the
signature's parts (then put first in the author list). The block is the signature's S2 block
(``"d roller"``). Mentions are ordered by block (first seen), then by year and paper id: the
files' own order may follow the gold clusters, and an incremental clustering must not be handed
its answer by the order it reads in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from graph.ids import normalize_name

PARTS = ("signatures", "papers", "clusters")


def signature_files(folder: Path) -> list[Path]:
    """The ``<name>_signatures.json`` files of a folder that have their ``_papers.json``."""
    return sorted(
        p
        for p in folder.glob("*_signatures.json")
        if p.with_name(p.name.replace("_signatures.json", "_papers.json")).is_file()
    )


def read_json_object(path: Path) -> dict[str, Any]:
    """A labelled set's JSON file, which must hold one object (keyed by id or name)."""
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as e:
        raise ValueError(f"{path}: not JSON ({e})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def read_folder(folder: Path) -> Iterator[dict[str, Any]]:
    """Every mention of every S2AND dataset in ``folder``, dataset by dataset (by name)."""
    for sig_path in signature_files(folder):
        name = sig_path.name.removesuffix("_signatures.json")
        yield from read_dataset(folder, name)


def read_dataset(folder: Path, name: str) -> Iterator[dict[str, Any]]:
    paths = {part: folder / f"{name}_{part}.json" for part in PARTS}
    if not paths["clusters"].is_file():
        raise ValueError(f"{paths['clusters']}: missing (the gold persons of {name!r})")
    signatures, papers, clusters = (read_json_object(paths[part]) for part in PARTS)
    gold: dict[str, str] = {}
    for cluster_id, cluster in clusters.items():
        for sig in (cluster or {}).get("signature_ids") or ():
            gold[str(sig)] = f"{name}::{cluster_id}"
    rows = []
    for sig_id, sig in signatures.items():
        paper = papers.get(str(sig.get("paper_id")))
        if paper is None:
            raise ValueError(
                f"{paths['signatures']}: signature {sig_id!r} names paper "
                f"{sig.get('paper_id')!r}, which {paths['papers'].name} does not hold"
            )
        rows.append(_row(name, str(sig_id), sig, paper, gold.get(str(sig_id))))
    first_seen = {b: i for i, b in enumerate(dict.fromkeys(r["block"] for r in rows))}
    rows.sort(
        key=lambda r: (first_seen[r["block"]], r["year"] or 0, r["paper_id"], r["mention_id"])
    )
    yield from rows


def _row(
    dataset: str, sig_id: str, sig: dict[str, Any], paper: dict[str, Any], gold: str | None
) -> dict[str, Any]:
    info = sig.get("author_info") or {}
    listed = sorted(
        (a for a in paper.get("authors") or () if str(a.get("author_name") or "").strip()),
        key=lambda a: a.get("position", 0),
    )
    names = [str(a["author_name"]).strip() for a in listed]
    parts = (info.get(k) for k in ("first", "middle", "last", "suffix"))
    spelled = " ".join(str(p).strip() for p in parts if p and str(p).strip())
    printed = _printed(names, [a.get("position") for a in listed], info, spelled)
    block = str(info.get("block") or info.get("given_block") or "").strip() or (
        " ".join(normalize_name(spelled).split()[-1:]) or sig_id
    )
    affiliations = [str(a).strip() for a in info.get("affiliations") or () if str(a).strip()]
    year = paper.get("year")
    return {
        "dataset": dataset,
        "block": block,
        "mention_id": sig_id,
        "paper_id": str(sig.get("paper_id")),
        "name_as_printed": printed or spelled or None,
        "authors": names,
        "coauthors": [n for n in names if n != printed],
        "title": paper.get("title") or "",
        "venue": paper.get("venue") or paper.get("journal_name") or None,
        "year": year if isinstance(year, int) else None,
        "affiliation": "; ".join(affiliations) or None,
        "keywords": None,
        "abstract": paper.get("abstract") or None,
        "gold_person": gold,
    }


def _printed(
    names: list[str], positions: list[Any], info: dict[str, Any], spelled: str
) -> str | None:
    """The signature's printed form in the author list: the name at its position when it has
    the signature's surname, else the first name with that surname."""
    surname = normalize_name(str(info.get("last") or spelled)).split()[-1:]
    same = [n for n in names if normalize_name(n).split()[-1:] == surname]
    position = info.get("position")
    if position in positions:
        at = names[positions.index(position)]
        if not surname or at in same:
            return at
    return same[0] if same else None
