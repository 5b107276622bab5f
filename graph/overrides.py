"""Identity overrides: a person's word over the clustering, kept across re-loads.

A TOML file (``scholargraph load --overrides FILE``, ``bulk-import --overrides FILE``, or
``SCHOLARGRAPH_IDENTITY_OVERRIDES``) with three kinds of entries, authors named by their id as
the API shows it (``Author.id``: ``name:k li``, ``name:k li#1a2b3c4d5e6f``, ``orcid:…``)::

    [[merge]]            # these authors are one person; the first id survives
    ids = ["name:k li", "name:ke li#1a2b3c4d5e6f"]

    [[split]]            # this author's authorships on these papers are another person
    author = "name:ke li"
    papers = ["arxiv:2501.01234", "doi:10.1145/3025453"]

    [[never]]            # never joined: not by the clustering, not by the relink to a strong id
    ids = ["name:l zhang", "name:l zhang#61ab30abe201"]

``never`` pairs (and the two sides of every split) bind the writers while they cluster
(``graph.author_clustering.Apart``). ``merge`` and ``split`` are applied after every load and
bulk import (:func:`apply_overrides`); applying them again changes nothing, and a re-load keeps
what they did (a re-run finds each authorship where it is). Moved authorships carry the rule
``override``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from neo4j import Driver, ManagedTransaction

from graph import cluster_queries as cq
from graph.author_clustering import Apart, Match, Profile, Rule
from graph.author_links import profile_row, profiles_from_graph
from graph.errors import InputError
from graph.ids import PAPER_ID_PROPERTY, parse_author_id, parse_paper_id
from graph.labels import Label
from graph.stamp import replace_stamp

KINDS = ("merge", "split", "never")


@dataclass(frozen=True, slots=True)
class Split:
    author: str
    papers: tuple[str, ...]

    @property
    def digest(self) -> str:
        text = "\n".join((self.author, *sorted(self.papers)))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]

    @property
    def new_id(self) -> str | None:
        """The id of the split-off author, a function of the entry alone (applying it again
        finds the same node): ``name:<key>#<digest>``; for a strong-id author the key is its
        stored name key (known in the graph: None here)."""
        if not self.author.startswith("name:"):
            return None
        return f"{self.author.partition('#')[0]}#{self.digest}"


@dataclass(frozen=True, slots=True)
class Overrides:
    merges: tuple[tuple[str, ...], ...] = ()
    splits: tuple[Split, ...] = ()
    never: tuple[tuple[str, ...], ...] = ()
    source: str | None = None
    pairs: Apart = field(default_factory=lambda: Apart(()), compare=False)

    @property
    def apart(self) -> Apart:
        """``never`` pairs and both sides of every split."""
        return self.pairs

    def __bool__(self) -> bool:
        return bool(self.merges or self.splits or self.never)

    @classmethod
    def read(cls, path: Path | str) -> Overrides:
        """Parses and checks the file; an error names the file, the entry and the field."""
        where = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as e:
            raise InputError("overrides file", where, f"a readable file ({e.strerror})") from e
        except tomllib.TOMLDecodeError as e:
            raise InputError("overrides file", where, f"valid TOML ({e})") from e
        return cls.from_mapping(data, where)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "overrides") -> Overrides:
        unknown = sorted(set(data) - set(KINDS))
        if unknown:
            raise InputError(
                f"{where}: table", unknown[0], "one of [[merge]], [[split]], [[never]]"
            )
        merges = tuple(_ids(e, f"{where}: merge #{i + 1}") for i, e in
                       enumerate(_entries(data, "merge", where)))  # fmt: skip
        never = tuple(_ids(e, f"{where}: never #{i + 1}") for i, e in
                      enumerate(_entries(data, "never", where)))  # fmt: skip
        splits = []
        for i, e in enumerate(_entries(data, "split", where)):
            at = f"{where}: split #{i + 1}"
            author = e.get("author")
            if not isinstance(author, str):
                raise InputError(f"{at} author", author, "an author id")
            papers = e.get("papers")
            if not isinstance(papers, list) or not papers:
                raise InputError(f"{at} papers", papers, "a non-empty list of paper ids")
            splits.append(Split(_author_id(author, at), tuple(_paper_id(p, at) for p in papers)))
        pairs = [*never, *((s.author, s.new_id) for s in splits if s.new_id is not None)]
        return cls(tuple(merges), tuple(splits), tuple(never), where, Apart(pairs))


def read_overrides(path: Path | str | None) -> Overrides | None:
    """The overrides file at ``path`` (None: no file, no overrides)."""
    return None if path is None else Overrides.read(path)


def _entries(data: Mapping[str, Any], kind: str, where: str) -> list[Mapping[str, Any]]:
    entries = data.get(kind, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"{where}: {kind}", entries, f"an array of tables ([[{kind}]])")
    return entries


def _ids(entry: Mapping[str, Any], at: str) -> tuple[str, ...]:
    ids = entry.get("ids")
    if not isinstance(ids, list) or len(ids) < 2 or not all(isinstance(i, str) for i in ids):
        raise InputError(f"{at} ids", ids, "a list of at least two author ids")
    out = tuple(dict.fromkeys(_author_id(i, at) for i in ids))
    if len(out) < 2:
        raise InputError(f"{at} ids", ids, "at least two different author ids")
    return out


def _author_id(raw: str, at: str) -> str:
    try:
        return parse_author_id(raw).node_id
    except InputError as e:
        raise InputError(f"{at} author id", raw, e.expected) from e


def _paper_id(raw: object, at: str) -> str:
    if not isinstance(raw, str):
        raise InputError(f"{at} paper id", raw, "a paper id")
    try:
        return parse_paper_id(raw).node_id
    except InputError as e:
        raise InputError(f"{at} paper id", raw, e.expected) from e


# -- applying them ------------------------------------------------------------------------------

#: The authorships of ``row.author`` on ``row.papers`` (each matched by node id or by the
#: stored id of its kind) move to the author ``row.new`` (or ``name:<name key>#<digest>`` for a
#: strong-id author), created with the old author's names; rule ``override``.
SPLIT_AUTHOR = f"""
UNWIND $rows AS row
MATCH (old:{Label.AUTHOR.value} {{id: row.author}})
UNWIND row.papers AS paper
MATCH (old)-[r:AUTHORED]->(x:{Label.PAPER.value})
WHERE x.id = paper.id OR x[paper.property] = paper.value
WITH row, old, r, x, coalesce(row.new, 'name:' + old.name_key + '#' + row.digest) AS new_id
MERGE (new:{Label.AUTHOR.value} {{id: new_id}})
  ON CREATE SET new.name = coalesce(r.raw_name, old.name), new.name_key = old.name_key,
                new.match_key = old.match_key, new.name_variants = [], new.sources = []
MERGE (new)-[r2:AUTHORED]->(x)
SET r2.position = r.position, r2.raw_name = r.raw_name, r2.source = r.source,
    r2.match_rule = $rule, r2.match_score = null, r2.match_evidence = null,
    new.name_variants = new.name_variants +
        [n IN [coalesce(r.raw_name, old.name)] WHERE NOT n IN new.name_variants],
    new.sources = new.sources + [s IN [r.source] WHERE s IS NOT NULL AND NOT s IN new.sources]
SET new.name_variants_text = reduce(t = '', n IN new.name_variants | t + ' ' + n),
    new.never_with = coalesce(new.never_with, []) +
        [i IN [old.id] WHERE NOT i IN coalesce(new.never_with, [])],
    old.never_with = coalesce(old.never_with, []) +
        [i IN [new.id] WHERE NOT i IN coalesce(old.never_with, [])]
DELETE r
RETURN collect(DISTINCT new_id) AS created, count(*) AS moved
"""

#: Two authors never joined (a ``[[never]]`` pair), remembered on both nodes
#: (``Author.never_with``), so a later load without the file keeps them apart too.
KEEP_APART = f"""
UNWIND $pairs AS pair
MATCH (a:{Label.AUTHOR.value} {{id: pair[0]}}), (b:{Label.AUTHOR.value} {{id: pair[1]}})
SET a.never_with = coalesce(a.never_with, []) +
        [i IN [b.id] WHERE NOT i IN coalesce(a.never_with, [])],
    b.never_with = coalesce(b.never_with, []) +
        [i IN [a.id] WHERE NOT i IN coalesce(b.never_with, [])]
"""

#: Which of some author ids exist, with their stored cluster profiles.
EXISTING = f"""
UNWIND $ids AS i
MATCH (a:{Label.AUTHOR.value} {{id: i}})
RETURN a.id AS id, a.cluster_profile AS profile
"""


def apply_overrides(driver: Driver, database: str, overrides: Overrides) -> Counter[str]:
    """Applies the merges, then the splits, in one write transaction; returns what changed
    (``overrides_merged``, ``override_authorships_moved``) and how many named authors are not
    in the graph (``overrides_unknown``: they may come with a later load)."""
    with driver.session(database=database) as session:
        return session.execute_write(_apply, overrides)


def _apply(tx: ManagedTransaction, ov: Overrides) -> Counter[str]:
    counts: Counter[str] = Counter()
    named = sorted({i for ids in ov.merges for i in ids} | {s.author for s in ov.splits})
    stored = {r["id"]: r["profile"] for r in tx.run(EXISTING, ids=named)}
    counts["overrides_unknown"] += len(set(named) - set(stored))
    retired: dict[str, set[str]] = {i: _retired(i, p) for i, p in stored.items()}
    touched: set[str] = set()
    joins = []
    for ids in ov.merges:
        there = [i for i in ids if i in retired]
        if len(there) < 2:
            continue
        survivor = there[0]
        for gone in there[1:]:
            joins.append({"survivor": survivor, "absorbed": gone, **Match(Rule.OVERRIDE).row()})
            retired[survivor] |= retired.pop(gone) | {gone}
        touched.add(survivor)
    if joins:
        tx.run(cq.JOIN_AUTHORS, rows=joins).consume()
        counts["overrides_merged"] += len(joins)
    rows = [
        {"author": s.author, "new": s.new_id, "digest": s.digest,
         "papers": [_paper_row(p) for p in s.papers]}
        for s in ov.splits if s.author in retired
    ]  # fmt: skip
    if rows:
        for r in tx.run(SPLIT_AUTHOR, rows=rows, rule=Rule.OVERRIDE):
            counts["override_authorships_moved"] += int(r["moved"])
            touched |= set(r["created"])
        touched |= {s.author for s in ov.splits if s.author in retired}
    pairs = sorted({(a, b) for ids in ov.never for a in ids for b in ids if a < b})
    if pairs:
        tx.run(KEEP_APART, pairs=[list(p) for p in pairs]).consume()
    _refresh_profiles(tx, sorted(i for i in touched if i.startswith("name:")), retired)
    replace_stamp(tx)  # a load keeping profiles in memory reads its blocks again
    return counts


def _retired(author: str, profile: str | None) -> set[str]:
    if not profile:
        return set()
    return Profile.from_dict(author, "", orjson.loads(profile)).retired


def _paper_row(node_id: str) -> dict[str, str]:
    kind, _, value = node_id.partition(":")
    return {"id": node_id, "property": PAPER_ID_PROPERTY.get(kind, "id"), "value": value}


def _refresh_profiles(
    tx: ManagedTransaction, ids: list[str], retired: Mapping[str, set[str]]
) -> None:
    """Name-only authors whose authorships the overrides moved: their cluster profiles are
    rebuilt from their papers (``profiles_from_graph``), keeping the ids they retired."""
    rows = []
    for author, profile in sorted(profiles_from_graph(tx, ids).items()):
        profile.retired = set(retired.get(author, set()))
        rows.append(profile_row(profile))
    if rows:
        tx.run(cq.SET_CLUSTER_PROFILES, rows=rows).consume()
