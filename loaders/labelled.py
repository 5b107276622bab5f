"""Labelled author-identity data as the product's own records, with the gold label of every
authorship (for ``graph.identity_eval``). Pure: no database.

Two kinds of input:

* **A labelled set** (``mentions.jsonl`` of ``../shared/data/author-disambiguation``: one
  mention per line with ``block, mention_id, paper_id, name_as_printed, authors, coauthors,
  title, venue, year, affiliation, abstract, gold_person``). Each mention's paper becomes a
  name-only AMiner-like ``Paper`` (``source="aminer"``, no author ids): ``PaperIds(aminer=…)``
  when the set has a paper id (AMiner-110), else the title key (Qian-DBLP has none), the author
  list as printed, venue, year, abstract, and the focal author's affiliation. Qian-DBLP's
  source removed the focal author from ``authors`` (``authors`` is null and ``coauthors`` holds
  the rest, lower-cased), so the block's name — taken from the block (file) name, e.g.
  ``Alberto González`` — is put back as the first author; the same happens to the one AMiner
  mention whose printed form was not found in its list. Records are written mention by
  mention, so a paper in two blocks is written twice (the writer merges it by its id or title).
  The same rows are read from a set's original ``<person>`` XML files
  (``loaders.labelled_xml``), from S2AND's dataset files (``loaders.labelled_s2and``) and from
  WhoIsWho's author and paper files (``loaders.labelled_whoiswho``).
* **A sample with strong author ids** (any file the loaders read: OpenAlex A-ids, S2
  authorIds, dblp person names with their homonym numbers such as "Markus Schmitt 0002"). The
  source's own author id is the gold label; every author id is stripped, so the authorships load
  name-only and the writer's name identity is measured against the ids. A person listed twice
  on one paper is one mention (the graph holds one authorship per author and paper). Blocks
  are the name's blocking key (``graph.ids.match_key``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from graph import ids
from graph.identity_eval import TITLE, MentionRef
from loaders import labelled_s2and, labelled_whoiswho, labelled_xml
from loaders.detect import expand, parse_unit, plan
from loaders.labelled_xml import person_files
from loaders.records import (
    AuthorProfile,
    AuthorRef,
    Authorship,
    Paper,
    PaperIds,
    ParseIssue,
    Record,
    VenueRef,
)

MENTIONS_FILE = "mentions.jsonl"
SOURCE = "aminer"
# Which id of a strong-id source is the person (ORCID only when a source has nothing else).
GOLD_KINDS: tuple[str, ...] = ("openalex", "s2", "dblp", "aminer", "orcid")


@dataclass(frozen=True, slots=True)
class LabelledSet:
    name: str
    source: str  # the path it was read from
    records: tuple[Record, ...]
    mentions: tuple[MentionRef, ...]
    skipped: int = 0  # mentions that could not become a record (reported, not scored)


def is_labelled(path: Path) -> bool:
    return path.name == MENTIONS_FILE or (path / MENTIONS_FILE).is_file()


def find_sets(path: Path) -> list[Path]:
    """The labelled sets at ``path``: a ``mentions.jsonl`` file, a set's folder (its
    ``mentions.jsonl``, else its original XML files, in the folder or in its ``xml/``;
    ``loaders.labelled_xml``), or a folder of sets (one level down, sorted)."""
    if path.is_file():
        return [path] if path.name == MENTIONS_FILE else []
    found = _set_in(path)
    if found is not None:
        return [found]
    below = (_set_in(p) for p in sorted(path.iterdir()) if p.is_dir()) if path.is_dir() else ()
    return [p for p in below if p is not None]


def _set_in(folder: Path) -> Path | None:
    if (folder / MENTIONS_FILE).is_file():
        return folder / MENTIONS_FILE
    for candidate in (folder, folder / "xml"):
        if candidate.is_dir() and _layout(candidate) is not None:
            return candidate
    return None


def _layout(folder: Path) -> str | None:
    """Which labelled layout a folder holds: ``<person>`` XML files, S2AND's dataset files or
    WhoIsWho's author and paper files."""
    if person_files(folder):
        return "xml"
    if labelled_s2and.signature_files(folder):
        return "s2and"
    if labelled_whoiswho.author_files(folder):
        return "whoiswho"
    return None


def _folder_rows(folder: Path) -> tuple[str, list[dict[str, Any]]]:
    name = folder.parent.name if folder.name == "xml" else folder.name
    layout = _layout(folder)
    if layout == "xml":
        return name, list(labelled_xml.read_folder(folder, name))
    if layout == "s2and":
        return name, list(labelled_s2and.read_folder(folder))
    if layout == "whoiswho":
        return name, list(labelled_whoiswho.read_folder(folder, name))
    raise ValueError(f"{folder}: no labelled set here")


def read_mentions(path: Path, limit_blocks: int | None = None) -> LabelledSet:
    """A labelled set from its ``mentions.jsonl`` (or its folder), or from a folder of its
    original XML files (one ``<person>`` file per block); ``limit_blocks`` keeps the first N
    blocks by name."""
    if path.is_dir():
        found = _set_in(path)
        if found is None:
            raise ValueError(
                f"{path}: no labelled set here (a {MENTIONS_FILE}, <person> XML files, "
                "S2AND's <name>_signatures.json / _papers.json / _clusters.json, or "
                "WhoIsWho's <prefix>author.json with <prefix>pub.json)"
            )
        path = found
    if path.is_dir():
        name, rows = _folder_rows(path)
        source = path
    else:
        name, source = path.parent.name, path
        rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    if limit_blocks is not None:
        keep = set(sorted({r["block"] for r in rows})[:limit_blocks])
        rows = [r for r in rows if r["block"] in keep]
    records: list[Record] = []
    mentions: list[MentionRef] = []
    skipped = 0
    for row in rows:
        made = _mention_paper(row)
        if made is None:
            skipped += 1
            continue
        paper, mention = made
        records.append(paper)
        mentions.append(mention)
    return LabelledSet(name, str(source), tuple(records), tuple(mentions), skipped)


def _mention_paper(row: dict[str, Any]) -> tuple[Paper, MentionRef] | None:
    if not row.get("gold_person"):
        return None  # nothing to score it against
    block = str(row["block"])
    printed = list(row.get("authors") or [])
    focal = row.get("name_as_printed")
    if not printed:  # Qian-DBLP: the focal author was removed by the source
        printed = [block, *(row.get("coauthors") or [])]
        focal_index = 0
    elif focal in printed:
        focal_index = printed.index(focal)
    else:  # not found in the list: the set's own spelling of it (else the block) goes first
        printed = [focal or block, *printed]
        focal_index = 0
    focal_name = printed[focal_index]
    year = row.get("year")
    year = year if isinstance(year, int) and 1000 <= year <= 2100 else None
    title = str(row.get("title") or "").strip()
    if not title:
        return None
    if row.get("paper_id") not in (None, ""):
        paper_ids = PaperIds(aminer=str(row["paper_id"]))
        kind, value = "aminer", str(row["paper_id"])
    else:
        key = ids.title_key(title, year)
        if key is None:
            return None
        paper_ids = PaperIds(title_key=key)
        kind, value = TITLE, key
    authors: list[Authorship] = []
    for i, name in enumerate(printed):
        affiliation = row.get("affiliation") if i == focal_index else None
        try:
            ref = AuthorRef(name=str(name).strip(), affiliation=affiliation or None)
        except ValueError:
            if i == focal_index:
                return None
            continue  # an unusable co-author name; the others keep their positions
        authors.append(Authorship(ref, position=i + 1, raw_name=ref.name))
    venue = str(row.get("venue") or "").strip()
    paper = Paper(
        ids=paper_ids,
        source=SOURCE,
        title=title,
        abstract=row.get("abstract") or None,
        year=year,
        authors=tuple(authors),
        venue=VenueRef(name=venue) if venue else None,
    )
    mention = MentionRef(
        id=str(row["mention_id"]),
        block=block,
        gold=str(row["gold_person"]),
        paper_kind=kind,
        paper_value=value,
        name=str(focal_name).strip(),
        position=focal_index + 1,
    )
    return paper, mention


def read_strong_id_sample(path: Path, fmt: str | None = None) -> LabelledSet:
    """A sample whose authors carry source ids, parsed by the product's own loaders, ids
    stripped; the ids become the gold labels."""
    records: list[Record] = []
    for unit, module in plan(expand([path]), fmt):
        if isinstance(module, Exception):
            raise module
        records.extend(r for r in parse_unit(unit, module) if not isinstance(r, ParseIssue))
    stripped, mentions = strip_author_ids(records)
    return LabelledSet(path.name, str(path), tuple(stripped), tuple(mentions))


def strip_author_ids(records: Iterable[Record]) -> tuple[list[Record], list[MentionRef]]:
    """Records with every author id removed, and one mention per (paper, gold person) for the
    authorships that had an id. Author profiles are dropped (they only carry reported figures)."""
    out: list[Record] = []
    mentions: list[MentionRef] = []
    seen: set[tuple[str, str, str]] = set()
    for record in records:
        if isinstance(record, AuthorProfile):
            continue
        if not isinstance(record, Paper) or not record.authors:
            out.append(record)
            continue
        kind, value = _paper_handle(record.ids)
        for a in record.authors:
            gold = _gold(a.author)
            if gold is None:
                continue
            printed = a.raw_name or a.author.name
            if (kind, value, gold) in seen:
                continue
            seen.add((kind, value, gold))
            mentions.append(
                MentionRef(
                    id=f"{kind}:{value}#{a.position}:{printed}",
                    block=ids.match_key(ids.normalize_name(a.author.name)),
                    gold=gold,
                    paper_kind=kind,
                    paper_value=value,
                    name=printed,
                    position=a.position,
                )
            )
        out.append(_strip(record))
    return out, mentions


def _paper_handle(paper_ids: PaperIds) -> tuple[str, str]:
    for kind, value in paper_ids.strong().items():
        return kind, value
    if paper_ids.title_key is None:  # PaperIds guarantees one or the other
        raise ValueError("a paper without ids or title key")
    return TITLE, paper_ids.title_key


def _gold(author: AuthorRef) -> str | None:
    strong = author.strong()
    for kind in GOLD_KINDS:
        if kind in strong:
            return f"{kind}:{strong[kind]}"
    return None


def _strip(paper: Paper) -> Paper:
    authors = tuple(
        replace(a, author=AuthorRef(name=a.author.name, affiliation=a.author.affiliation))
        for a in paper.authors
    )
    return replace(paper, authors=authors)


def iter_sets(paths: Iterable[Path], limit_blocks: int | None = None) -> Iterator[LabelledSet]:
    """Every labelled set under ``paths``; a path without ``mentions.jsonl`` is read as a
    sample with strong author ids."""
    for path in paths:
        found = find_sets(path)
        if found:
            for file in found:
                yield read_mentions(file, limit_blocks)
        else:
            yield read_strong_id_sample(path)
