"""The batched writer's database side: one write transaction per batch, a fixed number of
UNWIND statements per batch, idempotent (MERGE on constraint-backed keys) so the driver may
retry it and a re-run changes nothing.

A batch (``graph.rows.IngestBatch``) holds the typed rows of ``graph.rows``, built from
canonical records by ``loaders.writer``; the bulk path (``graph.bulk``) takes the same rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, Literal

from neo4j import Driver, ManagedTransaction

from graph import ingest_queries as q
from graph.author_clustering import (
    DEFAULT_RULES,
    DEFAULT_WEIGHTS,
    Apart,
    BatchAuthorships,
    BatchClusters,
    IdentityRules,
    Match,
    PreparedBatch,
    Rule,
)
from graph.author_links import (
    decide_relink,
    prepare_batch,
    profile_rows,
    read_relink,
    relink_to_strong,
    same_authorship,
    store_clusters,
    write_moves,
)
from graph.db import driver_key
from graph.identity import (
    ExistingAuthor,
    PaperRef,
    TitleCandidate,
    VenueIndex,
    VenueNode,
    author_key,
    id_lookup_values,
    resolve_papers,
)
from graph.ids import (
    AUTHOR_ID_KINDS,
    PAPER_ID_KINDS,
    names_compatible,
    nearby_title_keys,
    normalize_name,
    surname_key,
    venue_key,
)
from graph.rows import (
    AuthorNode,
    AuthorRow,
    AuthorTable,
    CategoryRow,
    IngestBatch,
    ParentRow,
    VenueRow,
    VenueTable,
)
from graph.schema import migrate
from graph.stamp import replace_stamp

__all__ = ["IngestBatch", "link_by_coauthor_everywhere", "refresh_metrics", "write_batch"]

Row = dict[str, Any]  # a record read back from the database
_ID_ROW = Match(Rule.ID).row()  # an authorship whose record carried a strong author id


_MIGRATED: set[tuple[int, str]] = set()


def ensure_migrated(driver: Driver, database: str) -> None:
    """The data migrations of ``graph.schema.migrate`` (the arXiv Physics group, field
    membership of papers loaded before it existed), once per driver and database in this
    process: a load into a graph made by an earlier version ends with the current hierarchy,
    and a re-load changes nothing."""
    key = (driver_key(driver), database)
    if key not in _MIGRATED:
        migrate(driver, database)
        _MIGRATED.add(key)


def write_batch(
    driver: Driver, database: str, batch: IngestBatch, rules: IdentityRules = DEFAULT_RULES
) -> Counter[str]:
    """Write one batch in one managed write transaction; returns created/matched counts.
    ``rules``: the clustering on or off, and the authors never joined (``graph.overrides``).
    The first batch of a process into a database runs the data migrations first."""
    ensure_migrated(driver, database)
    with driver.session(database=database) as session:
        counts = session.execute_write(_write, batch, rules)
    if rules.kept is not None:
        rules.kept.settle()
    return counts


def _run(tx: ManagedTransaction, query: str, counts: Counter[str], key: str, **params: Any) -> None:
    summary = tx.run(query, **params).consume()
    counts[f"{key}_created"] += (
        summary.counters.relationships_created or summary.counters.nodes_created
    )


def _write(tx: ManagedTransaction, batch: IngestBatch, rules: IdentityRules) -> Counter[str]:
    counts: Counter[str] = Counter()
    if rules.kept is not None:
        rules.kept.begin()
    nodes = _resolve_papers(tx, batch, counts)
    authors = _read_authors(tx, batch, nodes.papers, rules)
    # The clustering (pure Python) runs beside the writes that do not depend on it: while the
    # server writes the batch's papers and citations, this process builds the evidence of the
    # batch's name-only authorships and decides where each goes.
    with ThreadPoolExecutor(1, thread_name_prefix="scholargraph-clustering") as pool:
        decided = pool.submit(authors.cluster)
        _write_papers(tx, nodes)
        _write_citations(tx, nodes.cites, counts)
        clusters = decided.result()
        _write_authors(tx, batch, nodes.papers, counts, rules, authors, clusters, pool)
    _write_venues_and_categories(tx, batch, nodes.papers, counts)
    before, stamp = replace_stamp(tx)  # last: it holds one lock until the commit
    if rules.kept is not None:
        rules.kept.stamped(before, stamp)
    return counts


# -- papers -------------------------------------------------------------------------------------
#: What a paper reference of a batch is: record ``i`` ("paper"), a reference of record ``i``
#: ("cites"), the citing or cited end of citation ``k``.
_Role = tuple[Literal["paper", "cites", "citing", "cited"], int]


@dataclass(frozen=True, slots=True)
class PaperNodes:
    """Where the batch's paper references landed: the node of each paper record (in batch
    order) and every citation as (citing node, cited node)."""

    papers: list[str]
    cites: list[tuple[str, str]]
    node_rows: list[Row] = field(default_factory=list)  # to write (``_write_papers``)
    prop_rows: list[Row] = field(default_factory=list)


def _resolve_papers(tx: ManagedTransaction, batch: IngestBatch, counts: Counter[str]) -> PaperNodes:
    """Resolves every paper reference of the batch (records, their references, citation ends)
    and joins the nodes found to be one work; the paper nodes and their properties are written
    by :func:`_write_papers`. Each reference carries what it is (``_Role``), so the result is
    read back by role, never by position arithmetic."""
    refs: list[PaperRef] = []
    roles: list[_Role] = []

    def add(ref: PaperRef, role: _Role) -> None:
        refs.append(ref)
        roles.append(role)

    for i, p in enumerate(batch.papers):
        add(PaperRef(p["ids"], p["title_key"], not p["stub"], p["first_author"], p["venue_key"]),
            ("paper", i))  # fmt: skip
        for r in p["references"]:
            add(PaperRef(r["ids"], r["title_key"]), ("cites", i))
    for k, cit in enumerate(batch.citations):
        add(PaperRef(cit["citing"]["ids"], cit["citing"]["title_key"]), ("citing", k))
        add(PaperRef(cit["cited"]["ids"], cit["cited"]["title_key"]), ("cited", k))

    params: dict[str, Any] = id_lookup_values((r.ids for r in refs), PAPER_ID_KINDS)
    by_id: dict[tuple[str, str], str] = {}
    for rec in tx.run(q.PAPER_LOOKUP, **params):
        by_id[(rec["kind"], rec["value"])] = rec["id"]
    titles = sorted(
        {k for r in refs if r.title_key and (r.full or not r.ids)
         for k in nearby_title_keys(r.title_key)}
    )  # fmt: skip
    by_title: dict[str, list[TitleCandidate]] = {}
    for rec in tx.run(q.PAPER_TITLE_LOOKUP, titles=titles):
        venue = rec["venue"]
        by_title.setdefault(rec["key"], []).append(
            TitleCandidate(rec["id"], rec["key"], rec["weak"], surname_key(rec["first_author"]),
                           venue_key(venue) if venue else None)
        )  # fmt: skip

    res = resolve_papers(refs, by_id, by_title)
    adopting = sorted({s for s, _ in res.merges if s in res.created})
    if adopting:
        tx.run(q.CREATE_PAPER_NODES, ids=adopting).consume()
    for survivor, absorbed in res.merges:
        tx.run(q.MERGE_TWO_PAPERS, survivor=survivor, absorbed=absorbed).consume()
        counts["papers_merged"] += 1
    key_of: dict[str, str] = {}
    for ref, node in zip(refs, res.node_of, strict=True):
        if ref.title_key and (ref.full or node not in key_of):
            key_of[node] = ref.title_key
    node_rows = [
        {"id": node, "ids": ids, "title_key": key_of.get(node)} for node, ids in res.ids_of.items()
    ]

    papers = [""] * len(batch.papers)
    cites: list[tuple[str, str]] = []
    ends: dict[int, dict[str, str]] = {}
    for (what, at), node in zip(roles, res.node_of, strict=True):
        if what == "paper":
            papers[at] = node
        elif what == "cites":  # a record's references follow the record
            cites.append((papers[at], node))
        else:
            ends.setdefault(at, {})[what] = node
    cites += [(e["citing"], e["cited"]) for _k, e in sorted(ends.items())]

    prop_rows = []
    full_nodes: set[str] = set()
    for paper, node in zip(batch.papers, papers, strict=True):
        if paper["stub"]:
            continue
        full_nodes.add(node)
        prop_rows.append(
            {
                "id": node,
                "props": paper["props"],
                "title_key": paper["title_key"],
                "source": paper["source"],
                "rank": paper["rank"],
                "source_value": paper["source_value"],
                "source_prefix": paper["source_prefix"],
                "authors_complete": paper["authors_complete"],
                "source_citation_count": paper["source_citation_count"],
            }
        )
    counts["papers_created"] += len(full_nodes & res.created)
    counts["papers_matched"] += len(full_nodes - res.created)
    counts["stubs_created"] += len(res.created - full_nodes)
    return PaperNodes(papers, cites, node_rows, prop_rows)


def _write_papers(tx: ManagedTransaction, nodes: PaperNodes) -> None:
    """The batch's paper nodes with their ids, then the properties of its full records."""
    tx.run(q.MERGE_PAPER_NODES, rows=nodes.node_rows).consume()
    tx.run(q.SET_PAPER_PROPERTIES, rows=nodes.prop_rows).consume()


# -- authors ------------------------------------------------------------------------------------
def _author_lookup(
    tx: ManagedTransaction, refs: list[AuthorRow]
) -> dict[tuple[str, str], ExistingAuthor]:
    params = id_lookup_values((r["ids"] for r in refs), AUTHOR_ID_KINDS)
    found: dict[tuple[str, str], ExistingAuthor] = {}
    for rec in tx.run(q.AUTHOR_LOOKUP, dict(params)):
        ids = {k: v for k, v in rec["ids"].items() if v}
        found[(rec["kind"], rec["value"])] = ExistingAuthor(rec["id"], ids)
    return found


@dataclass(slots=True)
class AuthorReads:
    """What the graph said about a batch's authors before any of them is written: the strong-id
    authors it knows, the authorships already on the batch's papers, and the name-only
    authorships settled by a stronger rule (``decided``, ``slot``) or left to the clustering
    (``prepare``: its reads done; it and :meth:`cluster` run without the transaction)."""

    known: dict[tuple[str, str], ExistingAuthor] = field(default_factory=dict)
    existing: dict[str, list[Row]] = field(default_factory=dict)
    decided: dict[tuple[int, int], str] = field(default_factory=dict)
    slot: dict[tuple[int, int], Match] = field(default_factory=dict)
    prepare: Callable[[], PreparedBatch] | None = None

    def cluster(self) -> BatchClusters:
        """Where each name-only authorship goes: the clustering's mentions and decisions, then
        the ones a stronger rule settled."""
        if self.prepare is None:  # one author per printed name (the rule before the clustering)
            clusters = BatchClusters(dict(self.decided), {}, [], {}, dict(self.slot))
        else:
            prepared = self.prepare()
            clusters = prepared.finish(prepared.run())
            clusters.node_of.update(self.decided)
            clusters.settled.update(self.slot)
        clusters.build_rows()
        return clusters


def _read_authors(
    tx: ManagedTransaction,
    batch: IngestBatch,
    paper_nodes: list[str],
    rules: IdentityRules = DEFAULT_RULES,
) -> AuthorReads:
    """Every read of the graph the batch's authorships need, in one place, before the paper
    writes (none of these reads depends on them)."""
    all_refs: list[AuthorRow] = [a for p in batch.papers for a in p["authors"]]
    all_refs += [p["author"] for p in batch.profiles]
    if not all_refs:
        return AuthorReads()
    reads = AuthorReads(known=_author_lookup(tx, all_refs))
    # Authorships already in the graph on these papers: evidence for name-only links.
    full_papers = sorted(
        {node for p, node in zip(batch.papers, paper_nodes, strict=False) if p["authors"]}
    )
    for rec in tx.run(q.EXISTING_AUTHORSHIPS, papers=full_papers):
        reads.existing.setdefault(rec["paper"], []).append(dict(rec))
    _name_only_clusters(tx, batch, paper_nodes, reads, rules)
    return reads


def _write_authors(
    tx: ManagedTransaction,
    batch: IngestBatch,
    paper_nodes: list[str],
    counts: Counter[str],
    rules: IdentityRules,
    reads: AuthorReads,
    clusters: BatchClusters,
    pool: ThreadPoolExecutor,
) -> None:
    """The batch's authors and authorships (``clusters``: where its name-only ones go), the
    clusters' joins and profiles, the relink to strong-id authors, what profile pages say.
    The profiles' stored form is built in ``pool`` while the server writes the authorships."""
    if not batch.profiles and not any(p["authors"] for p in batch.papers):
        return
    stored = pool.submit(profile_rows, clusters)
    existing = reads.existing
    table = AuthorTable(reads.known)
    authored: dict[tuple[str, str], Row] = {}
    superseded: list[Row] = []
    for pi, (paper, pnode) in enumerate(zip(batch.papers, paper_nodes, strict=False)):
        for ai, ref in enumerate(paper["authors"]):
            strong = bool(ref["ids"])
            prior = existing.get(pnode, [])
            node = None if strong else clusters.node_of.get((pi, ai))
            if node is None or node.startswith("name:"):  # else a strong-id author holds it
                node = table.assign(ref, paper["source"], node)
            if strong:
                for old in prior:
                    if (
                        old["author"].startswith("name:")
                        and old["author"] != node
                        and _same_slot(ref, old)
                    ):
                        superseded.append({"author": old["author"], "paper": pnode})
            authored[(node, pnode)] = {
                "author": node, "paper": pnode, "position": ref.get("position"),
                "raw_name": ref.get("raw_name"), "source": paper["source"],
                **(_ID_ROW if strong else clusters.match_row((pi, ai))),
            }  # fmt: skip
    reported = []
    for prof in batch.profiles:
        node = table.assign(prof["author"], prof["props"].get("reported_source", "profile"))
        reported.append({"id": node, "props": prof["props"]})

    tx.run(q.MERGE_AUTHORS, rows=list(table.nodes.values())).consume()
    summary = tx.run(q.MERGE_AUTHORED, rows=list(authored.values())).consume()
    counts["authorships_created"] += summary.counters.relationships_created
    counts["authorships_matched"] += len(authored) - summary.counters.relationships_created
    if superseded:
        emptied = [r["id"] for r in tx.run(q.DELETE_SUPERSEDED_AUTHORED, rows=superseded)]
        counts["authorships_relinked"] += len(superseded)
        if rules.kept is not None:
            rules.kept.deleted(emptied)
    store_clusters(tx, clusters, rules.kept, stored.result())
    counts["author_clusters_joined"] += len(clusters.merges)
    _link_by_coauthor(tx, list(authored.values()), table.nodes, counts, rules)
    if reported:
        tx.run(q.SET_AUTHOR_REPORTED, rows=reported).consume()
    counts["authors_seen"] += len(table.nodes)


def _name_only_clusters(
    tx: ManagedTransaction,
    batch: IngestBatch,
    paper_nodes: list[str],
    reads: AuthorReads,
    rules: IdentityRules = DEFAULT_RULES,
) -> None:
    """Where each name-only authorship of the batch goes (``graph.author_clustering``). The
    same authorship already in the graph (a re-run) and a strong-id author in the same slot
    settle it; a profile page's owner is pinned on the page's own papers (the owner wrote every
    one); every other one joins the cluster its evidence points to, or starts one. Fills
    ``reads`` (``reads.existing``: the authorships already on the batch's papers, one read for
    both rules); the clustering's own reads are done here, its decisions by ``reads.cluster``."""
    existing = reads.existing
    owners = {
        (prof["props"].get("reported_source", "profile"), prof["author"]["name_key"])
        for prof in batch.profiles
        if not prof["author"]["ids"]
    }
    on_paper = {
        paper: [(old["author"], old["raw_name"], old["position"]) for old in rows]
        for paper, rows in existing.items()
    }
    decided, slot = reads.decided, reads.slot
    pinned: dict[tuple[int, int], str] = {}
    for pi, (paper, pnode) in enumerate(zip(batch.papers, paper_nodes, strict=False)):
        for ai, ref in enumerate(paper["authors"]):
            if ref["ids"]:
                continue
            node = same_authorship(ref, on_paper.get(pnode, ()))
            if node is None and (node := _slot_match(ref, existing.get(pnode, []))):
                slot[(pi, ai)] = Match(Rule.SAME_SLOT)
            if node is not None:
                decided[(pi, ai)] = node
            elif (paper["source"], ref["name_key"]) in owners:
                pinned[(pi, ai)] = author_key({}, ref["name_key"])
    if rules.cluster:
        authorships = BatchAuthorships(batch.papers, paper_nodes, decided, pinned)
        reads.prepare = prepare_batch(
            tx, authorships, apart=rules.apart, name_stats=rules.name_stats, kept=rules.kept
        )


def _same_slot(ref: AuthorRow, old: Row) -> bool:
    if ref.get("position") is not None and old["position"] is not None:
        return bool(
            ref["position"] == old["position"] and names_compatible(ref["name"], old["name"])
        )
    return False


def _link_by_coauthor(
    tx: ManagedTransaction,
    authored: list[Row],
    author_rows: dict[str, AuthorNode],
    counts: Counter[str],
    rules: IdentityRules = DEFAULT_RULES,
) -> None:
    """The name-only → strong-id relink, in both load orders: a name-only authorship moves to
    a strong-id author when the clustering's own evidence and threshold
    (``graph.author_links.relink_to_strong``) pick exactly one strong-id author under its
    blocking key. Examined: the name-only authorships this batch wrote, and every name-only
    authorship under the blocking key (``match_key``) of a strong-id author this batch wrote.
    Several candidates → no link."""
    items = {
        (r["author"], r["paper"]): author_rows[r["author"]]["match_key"]
        for r in authored
        if r["author"].startswith("name:")
    }
    keys = sorted({a["match_key"] for a in author_rows.values() if not a["id"].startswith("name:")})
    if keys:
        for rec in tx.run(q.NAME_ONLY_UNDER_KEYS, keys=keys):
            items[(rec["author"], rec["paper"])] = rec["key"]
    counts["authorships_linked_by_coauthor"] += relink_to_strong(
        tx, items, apart=rules.apart, kept=rules.kept
    )


def link_by_coauthor_everywhere(
    driver: Driver, database: str, batch: int = 5000, apart: Apart | None = None
) -> int:
    """The name-only → strong-id relink over every name-only authorship (after an offline
    import, which cannot run it batch by batch); returns how many authorships moved.

    Whole blocking keys go into each group (keys packed up to ``batch`` authorships; a larger
    key alone), so the strong-id authors of a key are read once, and every authorship of a key
    is judged against their profiles as they stood before the sweep moved anything under it:
    the outcome does not depend on ``batch``. A group's reads, its decisions and its moves are
    three steps: the decisions (pure Python, most of the time) run in a worker process while
    this one reads the next group and writes the moves of the one before. Keys are independent
    (a move changes only the papers of a strong-id author under its own key), so this is the
    outcome of doing each group in one transaction, in key order."""
    records, _, _ = driver.execute_query(q.ALL_NAME_ONLY_AUTHORSHIPS, database_=database)
    by_key: dict[str, dict[tuple[str, str], str]] = {}
    for r in records:
        by_key.setdefault(r["key"], {})[(r["author"], r["paper"])] = r["key"]
    del records
    moved = 0
    pending: Future[list[Row]] | None = None
    pool: ProcessPoolExecutor | None = None
    try:
        with driver.session(database=database) as session:
            for items in _packed(by_key, batch):
                reads = session.execute_read(read_relink, items)
                if reads is None:
                    continue
                if pool is None:  # only a sweep with candidates pays for the process
                    pool = ProcessPoolExecutor(1, mp_context=get_context("fork"))
                decided = pool.submit(decide_relink, reads, DEFAULT_WEIGHTS, apart)
                if pending is not None:
                    moved += session.execute_write(_move_and_stamp, pending.result())
                pending = decided
            if pending is not None:
                moved += session.execute_write(_move_and_stamp, pending.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return moved


def _packed(
    by_key: Mapping[str, dict[tuple[str, str], str]], batch: int
) -> Iterator[dict[tuple[str, str], str]]:
    """Whole keys, in key order, packed into groups of at most ``batch`` items (a larger key
    alone)."""
    group: dict[tuple[str, str], str] = {}
    for key in sorted(by_key):
        if group and len(group) + len(by_key[key]) > batch:
            yield group
            group = {}
        group.update(by_key[key])
    if group:
        yield group


def _move_and_stamp(tx: ManagedTransaction, moves: list[Row]) -> int:
    moved = write_moves(tx, moves)
    replace_stamp(tx)
    return moved


def _slot_match(ref: AuthorRow, prior: list[Row]) -> str | None:
    """The author already on this paper who is this name-only authorship: at the same printed
    position with a compatible name (another source's printing of the same author list, "J.
    Gratch" for "Jonathan Gratch"), a strong-id author first; without a position, a strong-id
    author of the same name."""
    ranked = sorted(prior, key=lambda old: (old["author"].startswith("name:"), old["author"]))
    for old in ranked:
        if ref.get("position") is not None and old["position"] == ref["position"]:
            if names_compatible(ref["name"], old["name"]):
                return str(old["author"])
        elif (
            ref.get("position") is None
            and not old["author"].startswith("name:")
            and ref["name_key"] == normalize_name(old["name"])
        ):
            return str(old["author"])
    return None


# -- venues, categories, citations --------------------------------------------------------------
def _write_venues_and_categories(
    tx: ManagedTransaction, batch: IngestBatch, paper_nodes: list[str], counts: Counter[str]
) -> None:
    published: list[Row] = []
    categories: dict[str, CategoryRow | ParentRow] = {}
    hierarchy: set[tuple[str, str]] = set()
    in_category: list[Row] = []
    venues = VenueTable(_venue_index(tx, [v for p in batch.papers if (v := p["venue"])]))
    for paper, node in zip(batch.papers, paper_nodes, strict=False):
        if paper["venue"]:
            published.append({"paper": node, "venue": venues.add(paper["venue"])})
        for cat in paper["categories"]:
            categories.setdefault(cat["id"], cat)
            chain = [cat, *cat["parents"]]
            for child, parent in zip(chain, chain[1:], strict=False):
                categories.setdefault(parent["id"], parent)
                hierarchy.add((child["id"], parent["id"]))
            in_category.append({"paper": node, "category": cat["id"], "primary": cat["primary"]})
    if venues.nodes:
        _run(tx, q.MERGE_VENUES, counts, "venues", rows=list(venues.nodes.values()))
        _run(tx, q.MERGE_PUBLISHED_IN, counts, "published_in", rows=published)
    if categories:
        rows = [
            {"id": c["id"], "name": c["name"], "scheme": c["scheme"]} for c in categories.values()
        ]
        _run(tx, q.MERGE_CATEGORIES, counts, "categories", rows=rows)
        links = [{"child": c, "parent": p} for c, p in sorted(hierarchy)]
        held = {(r["child"], r["parent"]) for r in tx.run(q.EXISTING_SUBCATEGORY_OF, rows=links)}
        _run(tx, q.MERGE_SUBCATEGORY_OF, counts, "subcategory_of", rows=links)
        new_links = [r for r in links if (r["child"], r["parent"]) not in held]
        if new_links:
            _run(tx, q.PROPAGATE_IN_FIELD, counts, "in_field", rows=new_links)
        _run(tx, q.MERGE_IN_CATEGORY, counts, "in_category", rows=in_category)
        papers = sorted({r["paper"] for r in in_category})
        _run(tx, q.MERGE_IN_FIELD, counts, "in_field", papers=papers)


def _venue_index(tx: ManagedTransaction, refs: list[VenueRow]) -> VenueIndex:
    """The graph's venues a batch's venue references may denote (one query)."""
    index = VenueIndex()
    if not refs:
        return index
    params = {
        "ids": sorted({r["id"] for r in refs}),
        "issns": sorted({issn for r in refs if (issn := r["issn"])}),
        "names": sorted({key for r in refs if (key := r["name_key"])}),
    }
    for rec in sorted(tx.run(q.VENUE_LOOKUP, params), key=lambda r: str(r["node"])):
        index.add(VenueNode(rec["node"], rec["issn"], rec["name_key"]), *rec["alt_ids"])
    return index


def _write_citations(
    tx: ManagedTransaction, cites: list[tuple[str, str]], counts: Counter[str]
) -> None:
    rows = [{"src": src, "dst": dst} for src, dst in cites]
    if rows:
        summary = tx.run(q.MERGE_CITES, rows=rows).consume()
        counts["citations_created"] += summary.counters.relationships_created
        counts["citations_matched"] += len(rows) - summary.counters.relationships_created


def refresh_metrics(driver: Driver, database: str) -> None:
    """Recompute citation counts and author metrics from the graph (after a load)."""
    with driver.session(database=database) as session:
        papers = session.run(q.REFRESH_PAPER_METRICS).consume()
        authors = session.run(q.REFRESH_AUTHOR_METRICS).consume()
        if papers.counters.contains_updates or authors.counters.contains_updates:
            # citation counts may have moved: snapshots read them again (an empty graph, as a
            # load that wrote nothing leaves it, stays empty)
            session.execute_write(replace_stamp)
