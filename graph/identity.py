"""Identity resolution for one write batch: which node does each incoming reference denote?

Pure functions. The ingest transaction looks up every strong id of a batch in one query, then
these functions decide, following DESIGN.md:

* papers are the same when any strong id matches; references that share an id inside the batch
  are grouped (union-find); a group that touches two existing nodes merges them;
* a paper without strong ids is keyed by its normalised title + year; it is the same work as a
  reference or node with that title, the year within one, the same first-author surname and a
  compatible venue (``same_work``), and a record with strong ids adopts such weak-only nodes;
* authors are matched ORCID first, then source ids; two different ORCIDs or source ids are never
  merged, so a conflicting id is dropped from the write rather than forcing a merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from graph.ids import (
    AUTHOR_ID_KINDS,
    PAPER_ID_KINDS,
    nearby_title_keys,
    split_title_key,
    venues_compatible,
)

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


class PaperRef(NamedTuple):
    """One paper reference of a write batch, as identity resolution sees it."""

    ids: IdMap  # strong ids
    title_key: str | None  # ``graph.ids.title_key``: normalised title and year
    full: bool = False  # a full record (not a citation end or a stub)
    first_author: str | None = None  # ``graph.ids.surname_key`` of the first printed author
    venue: str | None = None  # ``graph.ids.venue_key``


class TitleCandidate(NamedTuple):
    """An existing node found by a title key near a reference's."""

    node: str
    title_key: str
    weak: bool  # holds no strong id
    first_author: str | None = None
    venue: str | None = None


def same_work(
    a_key: str, a_first: str | None, a_venue: str | None,
    b_key: str, b_first: str | None, b_venue: str | None,
) -> bool:  # fmt: skip
    """Whether two references with title keys can be one work: the same normalised title, years
    at most one apart, the same first-author surname and compatible venues (either side may
    not know one). Same-title different works ("Ant Colony Optimization", two 2011 chapters
    with other first authors in other books) stay apart."""
    (ta, ya), (tb, yb) = split_title_key(a_key), split_title_key(b_key)
    if ta != tb or (ya is not None and yb is not None and abs(ya - yb) > 1):
        return False
    if a_first is not None and b_first is not None and a_first != b_first:
        return False
    return venues_compatible(a_venue, b_venue)


@dataclass(slots=True)
class _Group:
    """What a union-find root knows of its members, for title matching."""

    title_key: str | None = None
    first_author: str | None = None
    venue: str | None = None
    strong: bool = False
    full: bool = False

    def absorb(self, other: _Group) -> None:
        self.title_key = self.title_key or other.title_key
        self.first_author = self.first_author or other.first_author
        self.venue = self.venue or other.venue
        self.strong |= other.strong
        self.full |= other.full

    def fits(self, ref: PaperRef | TitleCandidate | _Group) -> bool:
        if self.title_key is None or ref.title_key is None:
            return False
        return same_work(
            self.title_key, self.first_author, self.venue,
            ref.title_key, ref.first_author, ref.venue,
        )  # fmt: skip


def _free_id(node: str, first_author: str | None, taken: set[str]) -> str:
    """``node`` (``title:<key>``), or when another work holds it (same title and year, another
    first author or venue), the key followed by ``#`` and the first author's surname, then a
    number: the first work loaded keeps the plain key."""
    if node not in taken:
        return node
    base = f"{node}#{first_author or 'anonymous'}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@dataclass(slots=True)
class PaperResolution:
    node_of: list[str]  # node id for every input reference, by index
    merges: list[tuple[str, str]] = field(default_factory=list)  # (survivor, absorbed)
    created: set[str] = field(default_factory=set)  # node ids that do not exist yet
    ids_of: dict[str, dict[str, str]] = field(default_factory=dict)  # merged strong ids per node


def resolve_papers(
    refs: Sequence[PaperRef],
    existing_by_id: Mapping[tuple[str, str], str],
    existing_by_title: Mapping[str, Sequence[TitleCandidate]],
) -> PaperResolution:
    """Which node each reference denotes.

    ``existing_by_id``: (kind, value) → node id of every strong id already in the graph.
    ``existing_by_title``: title key → existing nodes carrying it (the lookup of every key
    :func:`graph.ids.nearby_title_keys` gives for the batch's references).

    References sharing a strong id are one paper. A reference without strong ids is also one
    with an earlier reference, or an existing node, that is the :func:`same_work`; a full
    record with strong ids adopts such weak-only references and nodes. Two references or nodes
    that both hold strong ids are never joined by title (their ids decide)."""
    uf = _UnionFind()
    first_ref_of: dict[tuple[str, str], int] = {}
    for i, ref in enumerate(refs):
        uf.find(i)
        for key in ((k, v) for k, v in ref.ids.items() if v):
            j = first_ref_of.setdefault(key, i)
            if j != i:
                uf.union(i, j)
    group: dict[int, _Group] = {}
    for i, ref in enumerate(refs):
        g = group.setdefault(uf.find(i), _Group())
        if ref.title_key and (ref.full and not g.full or g.title_key is None):
            g.title_key = ref.title_key  # a full record's key over a citation end's
        g.absorb(_Group(None, ref.first_author, ref.venue, bool(ref.ids), ref.full))

    # Title matching inside the batch, group against group, in reference order.
    by_title: dict[str, list[int]] = {}
    for i, ref in enumerate(refs):
        if not ref.title_key:
            continue
        title = split_title_key(ref.title_key)[0]
        seen = by_title.setdefault(title, [])
        for j in seen:
            ri, rj = uf.find(i), uf.find(j)
            if ri == rj:
                continue
            gi, gj = group[ri], group[rj]
            if gi.strong and gj.strong:
                continue
            if gi.strong != gj.strong and not (gi.full or gj.full):
                continue  # a citation end never hands a strong paper's ids to a weak record
            if gj.fits(gi):
                uf.union(i, j)
                root = uf.find(i)
                joined = _Group()
                for g in (gj, gi) if root == rj else (gi, gj):
                    joined.absorb(g)
                group[root] = joined
        seen.append(i)

    groups: dict[int, list[int]] = {}
    for i in range(len(refs)):
        groups.setdefault(uf.find(i), []).append(i)

    node_of = [""] * len(refs)
    result = PaperResolution(node_of)
    for root, members in groups.items():
        g = group[root]
        merged: dict[str, str] = {}
        found: set[str] = set()
        for i in members:
            for kind in PAPER_ID_KINDS:
                value = refs[i].ids.get(kind)
                if value:
                    merged.setdefault(kind, value)
                    node = existing_by_id.get((kind, value))
                    if node:
                        found.add(node)
        if g.title_key and (not merged or g.full):
            fitting = sorted(
                (c for key in nearby_title_keys(g.title_key)
                 for c in existing_by_title.get(key, ())
                 if (c.weak or not merged) and g.fits(c)),
                key=lambda c: (c.title_key != g.title_key, c.weak, _rank(c.node), c.node),
            )  # fmt: skip
            if merged:
                found.update(c.node for c in fitting)  # weak-only nodes gain the strong ids
            elif fitting and not found:
                found.add(fitting[0].node)  # the best existing node of this work
        if found and (not merged or any(existing_by_id.get(kv) for kv in merged.items())):
            survivor = min(found, key=lambda n: (_rank(n), n))
        else:  # a new paper, or a new strong record adopting weak-only nodes: its own key
            survivor = paper_key(merged, g.title_key)
            if not merged and g.title_key:  # another work may hold this title's id already
                taken = {c.node for key in nearby_title_keys(g.title_key)
                         for c in existing_by_title.get(key, ())}  # fmt: skip
                survivor = _free_id(survivor, g.first_author, taken | result.created)
            result.created.add(survivor)
        result.merges.extend((survivor, other) for other in sorted(found - {survivor}))
        result.ids_of.setdefault(survivor, {}).update(
            {k: v for k, v in merged.items() if k not in result.ids_of.get(survivor, {})}
        )
        for i in members:
            node_of[i] = survivor
    return result


class VenueNode(NamedTuple):
    """A venue node as venue resolution sees it."""

    node: str
    issn: str | None
    name_key: str | None


@dataclass(slots=True)
class VenueIndex:
    """Venues known so far (the graph's, then the batch's), by id, ISSN and normalised name."""

    nodes: dict[str, VenueNode] = field(default_factory=dict)  # node id → what it holds now
    by_id: dict[str, str] = field(default_factory=dict)  # any id it is known under → node id
    by_issn: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=dict)

    def add(self, v: VenueNode, *ids: str) -> None:
        held = self.nodes.get(v.node)
        v = VenueNode(v.node, (held.issn if held else None) or v.issn,
                      (held.name_key if held else None) or v.name_key)  # fmt: skip
        self.nodes[v.node] = v
        for i in (v.node, *ids):
            self.by_id.setdefault(i, v.node)
        if v.issn:
            self.by_issn.setdefault(v.issn, v.node)
        if v.name_key and v.node not in (known := self.by_name.setdefault(v.name_key, [])):
            known.append(v.node)

    def resolve(self, venue_id: str, issn: str | None, name_key: str | None) -> str:
        """The node a venue reference (its own id, ISSN, normalised name) denotes, registered
        for the next: the node holding its id; else one with its ISSN; else the first with its
        normalised name and no other ISSN (two ISSNs are two venues); else its own id. One
        venue printed under a ``name:`` id by one source and an ``s2-venue:`` or ``issn:`` id by
        another ("IEEE Transactions on Evolutionary Computation") is so one node."""
        node = self.by_id.get(venue_id) or (self.by_issn.get(issn) if issn else None)
        if node is None and name_key:
            node = next(
                (n for n in self.by_name.get(name_key, ())
                 if not (issn and self.nodes[n].issn and self.nodes[n].issn != issn)),
                None,
            )  # fmt: skip
        self.add(VenueNode(node or venue_id, issn, name_key), venue_id)
        return node or venue_id


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
