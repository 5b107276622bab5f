"""All Cypher of the analytics layer: the export builder, write-back and provenance queries.

Values always travel as ``$parameters``. Labels and relationship types come from
``graph.labels`` enums; score property names pass ``graph.labels.identifier()`` before they are
interpolated. The one number interpolated into Cypher is the ego-network hop count, an ``int``
validated to ``0..MAX_HOPS`` by ``GraphSpec`` (Cypher does not accept a parameter as a
quantifier bound).

Export shape (one query per spec): a node table (Neo4j internal node number ``id(n)`` and the
string ``id``) and the edge list as internal numbers and weights, each collected server-side and
returned in slices of ``$chunk`` so the driver streams a modest number of records::

    node_keys: [int] node_ids: [str] src: [int] dst: [int] w: [int]   (one row per chunk)

Why internal numbers: reading the string ``id`` of both ends of every edge costs the server
~3 us per read and the client a string decode; integers keep the Paperscape citation export near
1M edges/s. ``id()`` is deprecated in favour of ``elementId()`` (a string, no faster than the
``id`` property) but stable within a transaction, which is all the export needs: the numbers
never leave the read transaction's result and never reach a user.
"""

from __future__ import annotations

from graph.analytics.spec import MAX_HOPS, GraphKind, GraphSpec
from graph.labels import Label, RelType, identifier

PAPER = Label.PAPER.value
AUTHOR = Label.AUTHOR.value
CATEGORY = Label.CATEGORY.value
VENUE = Label.VENUE.value
RUN = Label.ANALYSIS_RUN.value
AUTHORED = RelType.AUTHORED.value
CITES = RelType.CITES.value
IN_CATEGORY = RelType.IN_CATEGORY.value
IN_FIELD = RelType.IN_FIELD.value
PUBLISHED_IN = RelType.PUBLISHED_IN.value
SUBCATEGORY_OF = RelType.SUBCATEGORY_OF.value

EXPORT_CHUNK = 250_000  # list elements per returned record


_NS = "RETURN collect(DISTINCT n) AS ns"
_NODES = "RETURN collect(id(n)) AS node_keys, collect(n.id) AS node_ids"
_NODE_ROWS = "RETURN id(n) AS key, n.id AS id"


def paper_conditions(spec: GraphSpec, var: str) -> list[str]:
    """The paper filter of ``spec`` on the paper variable ``var`` (a constant of this module)."""
    conds: list[str] = []
    if spec.year_from is not None:
        conds.append(f"{var}.year >= $year_from")
    if spec.year_to is not None:
        conds.append(f"{var}.year <= $year_to")
    if spec.categories:
        # one hop over the precomputed membership (a category and its ancestors, docs/model.md)
        conds.append(
            f"EXISTS {{ ({var})-[:{IN_FIELD}]->(fc:{CATEGORY}) WHERE fc.id IN $categories }}"
        )
    if spec.venues:
        conds.append(f"EXISTS {{ ({var})-[:{PUBLISHED_IN}]->(fv:{VENUE}) WHERE fv.id IN $venues }}")
    return conds


def _where(conds: list[str]) -> str:
    return ("WHERE " + " AND ".join(conds)) if conds else ""


def _hops(spec: GraphSpec) -> int:
    hops = int(spec.hops)
    if not 0 <= hops <= MAX_HOPS:  # GraphSpec checked it; a second look before interpolation
        raise ValueError(f"hops {hops} outside 0..{MAX_HOPS}")
    return hops


def _expand(step: str, hops: int) -> str:
    """From the seeds ``s`` to every ``n`` within ``hops`` steps (0 hops: the seeds)."""
    if hops == 0:
        return "WITH s AS n"
    return f"MATCH (s){step}{{0,{hops}}}(n)"


def _node_set(spec: GraphSpec) -> str:
    """``RETURN collect(n) AS ns`` (seeded) — the filtered graph's nodes within ``hops``."""
    h = _hops(spec)
    if spec.kind is GraphKind.CITATION:
        start = _where(["s.id IN $seeds", *paper_conditions(spec, "s")])
        step = f"((:{PAPER})-[:{CITES}]-(x:{PAPER}) {_where(paper_conditions(spec, 'x'))})"
        return f"MATCH (s:{PAPER}) {start} {_expand(step, h)} {_NS}"
    if spec.kind is GraphKind.COAUTHORSHIP:
        step = (
            f"((:{AUTHOR})-[:{AUTHORED}]->(p:{PAPER})<-[:{AUTHORED}]-(:{AUTHOR}) "
            f"{_where(paper_conditions(spec, 'p'))})"
        )
    else:
        step = (
            f"((:{AUTHOR})-[:{AUTHORED}]->(p:{PAPER})-[:{CITES}]-(q:{PAPER})<-[:{AUTHORED}]-"
            f"(:{AUTHOR}) {_where(paper_conditions(spec, 'p') + paper_conditions(spec, 'q'))})"
        )
    # a seed author counts when it has at least one paper in the filtered graph
    seed_conds = ["s.id IN $seeds"]
    if spec.has_paper_filter:
        seed_conds.append(
            f"EXISTS {{ (s)-[:{AUTHORED}]->(sp:{PAPER}) {_where(paper_conditions(spec, 'sp'))} }}"
        )
    return f"MATCH (s:{AUTHOR}) {_where(seed_conds)} {_expand(step, h)} {_NS}"


def _all_nodes(spec: GraphSpec, rows: bool = False) -> str:
    """``RETURN collect(id(n)) AS node_keys, collect(n.id) AS node_ids`` (unseeded graph);
    ``rows``: one row per node, ``key`` and ``id``."""
    ret = _NODE_ROWS if rows else _NODES
    if spec.kind is GraphKind.CITATION:
        return f"MATCH (n:{PAPER}) {_where(paper_conditions(spec, 'n'))} {ret}"
    if not spec.has_paper_filter:
        return f"MATCH (n:{AUTHOR}) {ret}"
    papers = _where(paper_conditions(spec, "p"))
    return f"MATCH (n:{AUTHOR}) WHERE EXISTS {{ (n)-[:{AUTHORED}]->(p:{PAPER}) {papers} }} " + ret


def _edges(spec: GraphSpec, seeded: bool, rows: bool = False) -> str:
    """``RETURN collect(src) AS src, collect(dst) AS dst, collect(w) AS w``; ``rows``: one row
    per edge, ``src``, ``dst`` and ``w``.

    Seeded: ``a`` comes from ``UNWIND ns`` and ``b`` must be in ``ns`` (induced subgraph).
    """
    head = "UNWIND ns AS a " if seeded else ""
    member = ["b IN ns"] if seeded else []
    if spec.kind is GraphKind.CITATION:
        conds = member + paper_conditions(spec, "a") + paper_conditions(spec, "b")
        ret = (
            "RETURN id(a) AS src, id(b) AS dst, 1 AS w"
            if rows
            else "RETURN collect(id(a)) AS src, collect(id(b)) AS dst, [] AS w"
        )
        return f"{head}MATCH (a:{PAPER})-[:{CITES}]->(b:{PAPER}) {_where(conds)} {ret}"
    if spec.kind is GraphKind.COAUTHORSHIP:
        conds = ["id(a) < id(b)", *member, *paper_conditions(spec, "p")]
        match = (
            f"MATCH (a:{AUTHOR})-[:{AUTHORED}]->(p:{PAPER})<-[:{AUTHORED}]-(b:{AUTHOR}) "
            f"{_where(conds)} WITH a, b, count(DISTINCT p) AS w"
        )
    else:
        conds = [*member, *paper_conditions(spec, "p"), *paper_conditions(spec, "q")]
        if not spec.self_citations:
            conds.append("a <> b")
        match = (
            # two MATCH clauses: a paper citing itself must still pair its authors with
            # themselves (one pattern would forbid reusing the AUTHORED relationship)
            f"MATCH (a:{AUTHOR})-[:{AUTHORED}]->(p:{PAPER})-[:{CITES}]->(q:{PAPER}) "
            f"MATCH (q)<-[:{AUTHORED}]-(b:{AUTHOR}) {_where(conds)} "
            "WITH DISTINCT a, b, p, q WITH a, b, count(*) AS w"
        )
    ret = (
        "RETURN id(a) AS src, id(b) AS dst, w"
        if rows
        else "RETURN collect(id(a)) AS src, collect(id(b)) AS dst, collect(w) AS w"
    )
    # rows: whole graphs only (min_weight 1, always met), so the query needs no parameter
    return f"{head}{match} {'' if rows else 'WHERE w >= $min_weight '}{ret}"


_SLICES = (
    "UNWIND range(0, max_len - 1, $chunk) AS i "
    "RETURN node_keys[i..i + $chunk] AS node_keys, node_ids[i..i + $chunk] AS node_ids, "
    "src[i..i + $chunk] AS src, dst[i..i + $chunk] AS dst, w[i..i + $chunk] AS w"
)


def export_query(spec: GraphSpec) -> str:
    """The one read query that exports ``spec``'s node table and weighted edge list."""
    if spec.seeds:
        body = (
            f"CALL () {{ {_node_set(spec)} }} "
            "CALL (ns) { UNWIND ns AS n "
            "RETURN collect(id(n)) AS node_keys, collect(n.id) AS node_ids } "
            f"CALL (ns) {{ {_edges(spec, seeded=True)} }} "
        )
    else:
        body = f"CALL () {{ {_all_nodes(spec)} }} CALL () {{ {_edges(spec, seeded=False)} }} "
    return (
        body + "WITH node_keys, node_ids, src, dst, w, "
        "CASE WHEN size(node_ids) > size(src) THEN size(node_ids) ELSE size(src) END AS max_len "
        + _SLICES
    )


def node_rows_query(spec: GraphSpec) -> str:
    """The node table of a whole graph one row per node (``key``: internal number, ``id``),
    for readers that stream rows and cannot pass parameters (the Spark connector): only
    whole-graph specs, whose queries hold no value at all."""
    _check_whole(spec)
    return _all_nodes(spec, rows=True)


def edge_rows_query(spec: GraphSpec) -> str:
    """The edge list of a whole graph one row per edge (``src``, ``dst``: internal numbers,
    ``w``); as ``node_rows_query``, parameter-free."""
    _check_whole(spec)
    return _edges(spec, seeded=False, rows=True)


def _check_whole(spec: GraphSpec) -> None:
    if not spec.is_whole_graph or spec.self_citations:
        raise ValueError("row queries take whole-graph specs only (no value to interpolate)")


def export_parameters(spec: GraphSpec, chunk: int = EXPORT_CHUNK) -> dict[str, object]:
    return {
        "seeds": list(spec.seeds),
        "categories": list(spec.categories),
        "venues": list(spec.venues),
        "year_from": spec.year_from,
        "year_to": spec.year_to,
        "min_weight": spec.min_weight,
        "chunk": chunk,
    }


# -- write-back and provenance ---------------------------------------------------------------


def write_scores_query(label: Label, properties: list[str]) -> str:
    """Sets ``properties[k] = $values[k][i]`` on the node ``$ids[i]``: parallel lists, so the
    client builds no per-row maps."""
    sets = ", ".join(f"n.{identifier(p)} = $values[{k}][i]" for k, p in enumerate(properties))
    return (
        "UNWIND range(0, size($ids) - 1) AS i "
        f"MATCH (n:{Label(label).value} {{id: $ids[i]}}) SET {sets}"
    )


def clear_stale_query(label: Label, properties: list[str]) -> str:
    """Removes a result key from up to ``$batch`` nodes outside ``$keep`` (the graph's nodes):
    a node that left the subgraph must not keep an old run's score. Repeat until 0."""
    removes = ", ".join(f"n.{identifier(p)}" for p in properties)
    return (
        f"MATCH (n:{Label(label).value}) WHERE n.{identifier(properties[0])} IS NOT NULL "
        f"AND NOT n.id IN $keep WITH n LIMIT $batch REMOVE {removes} RETURN count(n) AS removed"
    )


def staged_property(key: str, run_tag: str) -> str:
    """Where a run writes ``key`` before it is published: the run's own property."""
    return identifier(f"{identifier(key)}__{identifier(run_tag)}")


def publish_query(label: Label, properties: list[str], staged: list[str]) -> str:
    """Makes a run's staged values the visible ones, for every node of ``label`` at once: a
    node with a staged value gets it; a node without (it left the subgraph) loses the key
    (``SET n.p = null`` removes it). The staged copies stay (readers never read them) and are
    dropped in batches after the publishing transaction, which so holds one change per node
    and output rather than two: at 1M nodes that is what fits the server's transaction memory."""
    sets = ", ".join(
        f"n.{identifier(p)} = n.{identifier(s)}" for p, s in zip(properties, staged, strict=True)
    )
    return (
        f"MATCH (n:{Label(label).value}) WHERE n.{identifier(staged[0])} IS NOT NULL "
        f"OR n.{identifier(properties[0])} IS NOT NULL SET {sets}"
    )


def drop_staged_query(label: Label, staged: list[str]) -> str:
    """Removes a failed run's staged values from up to ``$batch`` nodes. Repeat until 0."""
    removes = ", ".join(f"n.{identifier(s)}" for s in staged)
    return (
        f"MATCH (n:{Label(label).value}) WHERE n.{identifier(staged[0])} IS NOT NULL "
        f"WITH n LIMIT $batch REMOVE {removes} RETURN count(n) AS removed"
    )


RUN_RUNNING, RUN_COMPLETE, RUN_FAILED = "RUNNING", "COMPLETE", "FAILED"
RUN_STATUSES = (RUN_RUNNING, RUN_COMPLETE, RUN_FAILED)
#: Runs written before runs had a status were complete (they were recorded last).
_STATUS = f"coalesce(r.status, '{RUN_COMPLETE}')"

#: A write run is recorded first, RUNNING; its scores are staged under its own properties.
START_RUN = f"""
CREATE (r:{RUN} {{
  id: $id, graph: $graph, spec_hash: $spec_hash, kind: $kind, label: $label,
  whole_graph: $whole_graph, algorithm: $algorithm, status: '{RUN_RUNNING}',
  created_at: datetime($created_at), started_at: datetime($created_at),
  heartbeat_at: datetime(), staged_keys: []
}})
RETURN r.id AS id
"""

STAGE_RUN = f"""
MATCH (r:{RUN} {{id: $id}})
SET r.staged_keys = $staged_keys, r.result_key = $result_key, r.result_keys = $result_keys,
    r.heartbeat_at = datetime()
"""

HEARTBEAT = f"MATCH (r:{RUN} {{id: $id}}) SET r.heartbeat_at = datetime()"

#: The last statement of a write run, in the publishing transaction: the run becomes COMPLETE
#: (no row when it was marked FAILED meanwhile: the transaction is then rolled back).
COMPLETE_RUN = f"""
MATCH (r:{RUN} {{id: $id}}) WHERE r.status = '{RUN_RUNNING}'
SET r.status = '{RUN_COMPLETE}', r.parameters = $parameters, r.node_count = $node_count,
    r.edge_count = $edge_count, r.duration_ms = $duration_ms,
    r.finished_at = datetime($finished_at), r.modularity = $modularity,
    r.community_count = $community_count
RETURN r.id AS id
"""

#: After a published run's staged copies are dropped: nothing left to clean.
STAGED_DROPPED = f"MATCH (r:{RUN} {{id: $id}}) SET r.staged_keys = []"

#: Published runs whose staged copies were not all dropped (the writer died after publishing),
#: quiet for ``$stale_after`` seconds: the caller drops the copies, then ``STAGED_DROPPED``.
LEFTOVER_STAGED = f"""
MATCH (r:{RUN} {{status: '{RUN_COMPLETE}'}})
WHERE size(coalesce(r.staged_keys, [])) > 0
  AND r.heartbeat_at < datetime() - duration({{seconds: $stale_after}})
  AND ($current IS NULL OR r.id <> $current)
RETURN r.id AS id, r.label AS label, r.staged_keys AS staged_keys
"""

FAIL_RUN = f"""
MATCH (r:{RUN} {{id: $id}}) WHERE r.status = '{RUN_RUNNING}'
SET r.status = '{RUN_FAILED}', r.finished_at = datetime(), r.error = $error
RETURN r.label AS label, r.staged_keys AS staged_keys
"""

#: RUNNING runs whose writer has not been heard of for ``$stale_after`` seconds (killed): they
#: become FAILED; the caller then removes their staged values.
ABANDONED_RUNS = f"""
MATCH (r:{RUN} {{status: '{RUN_RUNNING}'}})
WHERE r.heartbeat_at < datetime() - duration({{seconds: $stale_after}})
  AND ($current IS NULL OR r.id <> $current)
SET r.status = '{RUN_FAILED}', r.finished_at = datetime(),
    r.error = 'abandoned: no progress since ' + toString(r.heartbeat_at)
RETURN r.id AS id, r.label AS label, r.staged_keys AS staged_keys
"""

LATEST_RUNS = f"""
MATCH (r:{RUN})
WHERE ($label IS NULL OR r.label = $label)
  AND ($algorithm IS NULL OR r.algorithm = $algorithm)
  AND ($whole_graph IS NULL OR r.whole_graph = $whole_graph)
  AND ($status IS NULL OR {_STATUS} = $status)
RETURN r {{ .* , status: {_STATUS}, created_at: toString(r.created_at),
           started_at: toString(coalesce(r.started_at, r.created_at)),
           finished_at: toString(r.finished_at), heartbeat_at: toString(r.heartbeat_at) }} AS run
ORDER BY r.created_at DESC, r.id
SKIP $skip
LIMIT $limit
"""

# Scores of many nodes in one round trip. Without ``$keys`` the keys are every whole-graph
# result key recorded by the label's runs (so no property name reaches the query text); each
# node's values are read with dynamic property access.
LATEST_SCORES = {
    label: f"""
OPTIONAL MATCH (r:{RUN} {{label: $label, whole_graph: true}})
WHERE {_STATUS} = '{RUN_COMPLETE}'
UNWIND coalesce(r.result_keys, []) AS key
WITH collect(DISTINCT key) AS run_keys
WITH coalesce($keys, run_keys) AS keys
UNWIND $ids AS node_id
MATCH (n:{label.value} {{id: node_id}})
RETURN n.id AS id, [k IN keys WHERE n[k] IS NOT NULL | [k, n[k]]] AS scores
"""
    for label in (Label.PAPER, Label.AUTHOR)
}


# -- novelty (graph/analytics/novelty.py) -----------------------------------------------------

#: Every loaded paper with its text, date and comparison category: the category its source
#: marked primary, else the smallest category id; papers without a category get null.
NOVELTY_PAPERS = f"""
MATCH (p:{PAPER}) WHERE NOT coalesce(p.stub, false)
OPTIONAL MATCH (p)-[r:{IN_CATEGORY}]->(c:{CATEGORY})
WITH p, r, c ORDER BY p.id, coalesce(r.primary, false) DESC, c.id
WITH p, head(collect(c.id)) AS category
RETURN p.id AS id, p.title AS title, p.abstract AS abstract, p.date AS date, p.year AS year,
       category, coalesce(p.citation_count, 0) AS citations
ORDER BY id
"""

#: (author, paper) pairs of the papers in ``$ids`` (the papers that have a novelty value).
NOVELTY_AUTHORSHIPS = f"""
UNWIND $ids AS pid
MATCH (:{PAPER} {{id: pid}})<-[:{AUTHORED}]-(a:{AUTHOR})
RETURN collect(a.id) AS authors, collect(pid) AS papers
"""


# -- benchmark corpus (bench/bench_analytics.py) -----------------------------------------------

SYNTHETIC_PAPERS = f"UNWIND $ids AS id CREATE (:{PAPER} {{id: id, year: $year}})"
SYNTHETIC_CITES = (
    "UNWIND range(0, size($src) - 1) AS i "
    f"MATCH (a:{PAPER} {{id: $src[i]}}) MATCH (b:{PAPER} {{id: $dst[i]}}) "
    f"CREATE (a)-[:{CITES}]->(b)"
)
