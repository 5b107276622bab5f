"""Identity resolution for one write batch: which node does each incoming reference denote?

Pure functions. The ingest transaction looks up every strong id of a batch in one query, then
these functions decide, following DESIGN.md:

* papers are the same when any strong id matches; references that share an id inside the batch
  are grouped (union-find); a group that touches two existing nodes merges them;
* a paper without strong ids is keyed by its normalised title + year, and a record with strong
  ids adopts a weak-only node with the same title key;
* authors are matched ORCID first, then source ids; two different ORCIDs or source ids are never
  merged, so a conflicting id is dropped from the write rather than forcing a merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from graph.ids import AUTHOR_ID_KINDS, PAPER_ID_KINDS

IdMap = Mapping[str, str]  # {kind: value}


def paper_key(ids: IdMap, title_key: str | None) -> str:
    for kind in PAPER_ID_KINDS:
        if ids.get(kind):
            return f"{kind}:{ids[kind]}"
    if not title_key:
        raise ValueError("a paper reference needs a strong id or a title key")
    return f"title:{title_key}"


def _rank(node_id: str) -> int:
    kind = node_id.partition(":")[0]
    return PAPER_ID_KINDS.index(kind) if kind in PAPER_ID_KINDS else len(PAPER_ID_KINDS)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(slots=True)
class PaperResolution:
    node_of: list[str]  # node id for every input reference, by index
    merges: list[tuple[str, str]] = field(default_factory=list)  # (survivor, absorbed)
    created: set[str] = field(default_factory=set)  # node ids that do not exist yet
    ids_of: dict[str, dict[str, str]] = field(default_factory=dict)  # merged strong ids per node


def resolve_papers(
    refs: Sequence[tuple[IdMap, str | None, bool]],
    existing_by_id: Mapping[tuple[str, str], str],
    existing_weak_by_title: Mapping[str, str],
) -> PaperResolution:
    """``refs``: (strong ids, title key, is_full_record) per reference.

    ``existing_by_id``: (kind, value) → node id of every strong id already in the graph.
    ``existing_weak_by_title``: title key → node id of weak-only nodes (no strong id).
    """
    uf = _UnionFind()
    first_ref_of: dict[tuple[str, str], int] = {}
    for i, (ids, weak_key, _full) in enumerate(refs):
        uf.find(i)
        keys = [(k, v) for k, v in ids.items() if v]
        if not keys and weak_key:
            keys = [("title", weak_key)]
        for key in keys:
            j = first_ref_of.setdefault(key, i)
            if j != i:
                uf.union(i, j)

    groups: dict[int, list[int]] = {}
    for i in range(len(refs)):
        groups.setdefault(uf.find(i), []).append(i)

    node_of = [""] * len(refs)
    result = PaperResolution(node_of)
    for members in groups.values():
        merged: dict[str, str] = {}
        tkey: str | None = None
        found: set[str] = set()
        for i in members:
            ids, t, full = refs[i]
            for kind in PAPER_ID_KINDS:
                value = ids.get(kind)
                if value:
                    merged.setdefault(kind, value)
                    node = existing_by_id.get((kind, value))
                    if node:
                        found.add(node)
            if t and (full or tkey is None):
                tkey = t
        if not merged and tkey:
            weak = existing_weak_by_title.get(tkey)
            if weak:
                found.add(weak)
        elif tkey and any(refs[i][2] for i in members):
            weak = existing_weak_by_title.get(tkey)
            if weak:  # a weak-only node gains its strong ids
                found.add(weak)
        if found:
            survivor = min(found, key=lambda n: (_rank(n), n))
            result.merges.extend((survivor, other) for other in sorted(found - {survivor}))
        else:
            survivor = paper_key(merged, tkey)
            result.created.add(survivor)
        result.ids_of.setdefault(survivor, {}).update(
            {k: v for k, v in merged.items() if k not in result.ids_of.get(survivor, {})}
        )
        for i in members:
            node_of[i] = survivor
    return result


def author_key(ids: IdMap, name_key: str) -> str:
    for kind in AUTHOR_ID_KINDS:
        if ids.get(kind):
            return f"{kind}:{ids[kind]}"
    return f"name:{name_key}"


#: Characters that do not make a printed name more complete ("J.-P. Serre" vs "J. P. Serre").
DISPLAY_NAME_FILLER = (" ", ".", ",", "-")


def display_name_rank(name: str) -> tuple[int, int, str]:
    """How an author's display name is chosen among every printed form seen, best first:

    1. the most characters other than spaces, full stops, commas and hyphens ("John Smith"
       over "J. A. Smith");
    2. mixed case over a name in capitals or in lower case only ("J. P. Blaizot" over
       "J.-P. BLAIZOT");
    3. the greater string ("José" over "Jose").

    A function of the set of names alone, so the result does not depend on the order of loads;
    ``graph.ingest_queries.MERGE_AUTHORS`` applies the same order in Cypher."""
    weight = len(name) - sum(name.count(c) for c in DISPLAY_NAME_FILLER)
    mixed_case = int(name.upper() != name and name.lower() != name)
    return weight, mixed_case, name


def better_display_name(candidate: str, current: str | None) -> bool:
    """Whether ``candidate`` replaces ``current`` as the display name."""
    return current is None or display_name_rank(candidate) > display_name_rank(current)


@dataclass(frozen=True, slots=True)
class ExistingAuthor:
    node_id: str
    ids: IdMap  # the strong ids the node holds


def resolve_author(
    ids: IdMap,
    name_key: str,
    existing_by_id: Mapping[tuple[str, str], ExistingAuthor],
) -> tuple[str, dict[str, str], bool]:
    """→ (node id, ids safe to add to that node, whether the node is new).

    ORCID wins; then source ids in precedence order. An id already held by another node, or a
    kind the chosen node already holds with a different value, is not added (never a merge).
    """
    chosen: ExistingAuthor | None = None
    for kind in AUTHOR_ID_KINDS:
        value = ids.get(kind)
        if not value:
            continue
        hit = existing_by_id.get((kind, value))
        if hit is None:
            continue
        if (
            kind != "orcid"
            and ids.get("orcid")
            and hit.ids.get("orcid") not in (None, ids["orcid"])
        ):
            continue  # a different person by ORCID
        chosen = hit
        break
    addable: dict[str, str] = {}
    held = dict(chosen.ids) if chosen else {}
    for kind in AUTHOR_ID_KINDS:
        value = ids.get(kind)
        if not value or kind in held:
            continue
        owner = existing_by_id.get((kind, value))
        if owner is not None and (chosen is None or owner.node_id != chosen.node_id):
            continue
        addable[kind] = value
    if chosen is not None:
        return chosen.node_id, addable, False
    return author_key(addable, name_key), addable, True


def id_lookup_values(refs: Iterable[IdMap], kinds: tuple[str, ...]) -> dict[str, list[str]]:
    """Distinct values per id kind, for the one lookup query of a batch."""
    out: dict[str, set[str]] = {k: set() for k in kinds}
    for ids in refs:
        for kind in kinds:
            value = ids.get(kind)
            if value:
                out[kind].add(value)
    return {k: sorted(v) for k, v in out.items()}
