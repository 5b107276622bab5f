"""Author identity measured end to end: which Author node did each labelled mention land on?

A labelled set is a list of mentions: one authorship of one paper (found again by one of the
paper's ids and the name printed on it), with the gold person it belongs to and the name block
it is scored in. The caller loads the set's records through the product's own writer (the
``load`` path; ``loaders.labelled`` builds the records, ``cli.identity`` runs it). Here the
graph is read back — one query per id kind for the papers, one for their authorships — and the
Author node of every mention is its predicted cluster, scored against the gold labels with
``graph.cluster_metrics`` (pairwise and B³, pooled and per block, worst blocks first).

Nothing here decides identity: it measures whatever the writer did.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver, RoutingControl

from graph.cluster_metrics import BlockedScores, Scores, blocked_scores, scores
from graph.ids import PAPER_ID_KINDS, PAPER_ID_PROPERTY, nearby_title_keys, normalize_name
from graph.labels import identifier

TITLE = "title"  # paper kind for a paper known only by its title key (``title|year``)
MISSING = "missing:"  # predicted cluster of a mention whose authorship was not found


@dataclass(frozen=True, slots=True)
class MentionRef:
    """One labelled authorship and where to find it in the graph."""

    id: str
    block: str
    gold: str
    paper_kind: str  # one of ``graph.ids.PAPER_ID_KINDS`` or ``"title"``
    paper_value: str
    name: str  # the name as printed on the paper (``AUTHORED.raw_name``)
    position: int | None  # 1-based position in the printed author list

    def __post_init__(self) -> None:
        if self.paper_kind not in (*PAPER_ID_KINDS, TITLE):
            raise ValueError(f"unknown paper id kind {self.paper_kind!r}")


def _paper_lookup() -> str:
    props = {**PAPER_ID_PROPERTY, TITLE: "title_key"}
    return " UNION ALL ".join(
        f"UNWIND ${kind} AS v MATCH (p:Paper {{{identifier(prop)}: v}}) "
        f"RETURN '{kind}' AS kind, v AS value, p.id AS id"
        for kind, prop in props.items()
    )


#: (kind, value) → paper node id, for every paper id the mentions name (one branch per kind).
PAPER_LOOKUP = _paper_lookup()

#: Every authorship on the given papers, with what identifies the slot.
AUTHORSHIPS_ON = """
UNWIND $papers AS pid
MATCH (a:Author)-[r:AUTHORED]->(:Paper {id: pid})
RETURN pid AS paper, a.id AS author, r.raw_name AS raw_name, r.position AS position,
       a.name_key AS name_key
"""


def read_back(driver: Driver, database: str, mentions: Sequence[MentionRef]) -> list[str | None]:
    """The Author node id each mention landed on (None when its authorship is not found). A
    title-keyed mention's paper may have been matched to a record of the same work a year
    apart (``graph.identity.same_work``), or share its title and year with another work: every
    node under a nearby key is a candidate, the mention's own key and plain id first, and the
    first holding the mention's slot (printed name and position) is its paper."""
    params: dict[str, set[str]] = {kind: set() for kind in (*PAPER_ID_KINDS, TITLE)}
    for m in mentions:
        if m.paper_kind == TITLE:
            params[TITLE].update(nearby_title_keys(m.paper_value))
        else:
            params[m.paper_kind].add(m.paper_value)
    records, _, _ = driver.execute_query(
        PAPER_LOOKUP,
        {k: sorted(v) for k, v in params.items()},
        database_=database,
        routing_=RoutingControl.READ,
    )
    papers: dict[tuple[str, str], list[str]] = {}
    for r in records:
        papers.setdefault((r["kind"], r["value"]), []).append(r["id"])

    def candidates(m: MentionRef) -> list[str]:
        if m.paper_kind != TITLE:
            return papers.get((m.paper_kind, m.paper_value), [])
        found = [
            (key != m.paper_value, node != f"title:{key}", node)
            for key in nearby_title_keys(m.paper_value)
            for node in papers.get((TITLE, key), [])
        ]
        return list(dict.fromkeys(node for *_, node in sorted(found)))

    wanted = {m.id: candidates(m) for m in mentions}
    records, _, _ = driver.execute_query(
        AUTHORSHIPS_ON,
        {"papers": sorted({n for nodes in wanted.values() for n in nodes})},
        database_=database,
        routing_=RoutingControl.READ,
    )
    slots: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        slots.setdefault(r["paper"], []).append(r)
    out: list[str | None] = []
    for m in mentions:
        landed = None
        for node in wanted[m.id]:
            landed = _pick(m, slots.get(node, []))
            if landed is not None:
                break
        out.append(landed)
    return out


def _pick(m: MentionRef, on_paper: list[Mapping[str, Any]]) -> str | None:
    """The authorship of ``m`` among a paper's authorships: same printed name and position, else
    same printed name, else same name key (a writer that relinked it under another form)."""
    key = normalize_name(m.name)
    tests: tuple[Callable[[Mapping[str, Any]], bool], ...] = (
        lambda r: r["raw_name"] == m.name and r["position"] == m.position,
        lambda r: r["raw_name"] == m.name,
        lambda r: r["name_key"] == key,
    )
    for test in tests:
        hits = sorted(str(r["author"]) for r in on_paper if test(r))
        if hits:
            return hits[0]
    return None


@dataclass(slots=True)
class SetEvaluation:
    """One labelled set, loaded and read back."""

    name: str
    source: str
    mentions: list[MentionRef]
    predicted: list[str]  # Author node id per mention (``missing:<mention id>`` when not found)
    missing: int
    load_counts: dict[str, int] = field(default_factory=dict)
    skipped: int = 0  # labelled mentions that could not become a record (not scored)
    load_seconds: float = 0.0
    read_seconds: float = 0.0

    def rows(self, prefix: str = "") -> list[tuple[str, str, str]]:
        """(block, gold, predicted) per mention; ``prefix`` keeps sets apart when pooled."""
        return [
            (prefix + m.block, prefix + m.gold, prefix + p)
            for m, p in zip(self.mentions, self.predicted, strict=True)
        ]

    @property
    def scores(self) -> BlockedScores:
        return blocked_scores(self.rows())

    def as_dict(self, worst: int = 10, per_block: bool = True) -> dict[str, Any]:
        s = self.scores
        out: dict[str, Any] = {
            "name": self.name,
            "source": self.source,
            "blocks": len(s.blocks),
            "missing_authorships": self.missing,
            "skipped_mentions": self.skipped,
            **s.pooled.as_dict(),
            "block_average_bcubed": s.block_average().as_dict(),
            "worst_blocks": [{"block": b, **v.as_dict()} for b, v in s.worst(worst)],
            "load_seconds": round(self.load_seconds, 2),
            "read_back_seconds": round(self.read_seconds, 2),
            "load_counts": dict(sorted(self.load_counts.items())),
        }
        if per_block:
            out["per_block"] = {b: v.as_dict() for b, v in s.blocks.items()}
        return out


def evaluate_loaded(
    driver: Driver,
    database: str,
    name: str,
    source: str,
    mentions: Sequence[MentionRef],
    load: Callable[[], Mapping[str, int]],
) -> SetEvaluation:
    """Runs ``load`` (the product's writer on the set's records), reads back and scores."""
    if not mentions:
        raise ValueError(f"labelled set {name!r} has no mentions")
    t0 = time.perf_counter()
    counts = dict(load())
    t1 = time.perf_counter()
    landed = read_back(driver, database, mentions)
    t2 = time.perf_counter()
    predicted = [
        a if a is not None else MISSING + m.id for m, a in zip(mentions, landed, strict=True)
    ]
    return SetEvaluation(
        name=name,
        source=source,
        mentions=list(mentions),
        predicted=predicted,
        missing=sum(a is None for a in landed),
        load_counts=counts,
        load_seconds=t1 - t0,
        read_seconds=t2 - t1,
    )


def pooled(evaluations: Iterable[SetEvaluation]) -> Scores:
    """Scores over the mentions of several sets together (each set's labels kept apart)."""
    rows = [row for e in evaluations for row in e.rows(prefix=f"{e.name}/")]
    return scores([g for _b, g, _p in rows], [p for _b, _g, p in rows])


def markdown_table(evaluations: Sequence[SetEvaluation], pooled_over: Sequence[str]) -> str:
    """One row per set and one for the sets in ``pooled_over`` together."""
    head = (
        "| set | mentions | gold persons | predicted clusters | pairwise P | pairwise R "
        "| pairwise F1 | B³ P | B³ R | B³ F1 |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )

    def row(name: str, s: Scores) -> str:
        pw, b3 = s.pairwise, s.bcubed
        cells = [name, f"{s.mentions:,}", f"{s.gold_clusters:,}", f"{s.predicted_clusters:,}"]
        cells += [
            f"{x:.3f}" for x in (pw.precision, pw.recall, pw.f1, b3.precision, b3.recall, b3.f1)
        ]
        return "| " + " | ".join(cells) + " |\n"

    body = "".join(row(e.name, e.scores.pooled) for e in evaluations)
    chosen = [e for e in evaluations if e.name in pooled_over]
    if len(chosen) > 1:
        body += row("**pooled: " + " + ".join(e.name for e in chosen) + "**", pooled(chosen))
    return head + body


COUNT_NODES = "MATCH (n) RETURN count(n) AS n"
DELETE_ALL = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def node_count(driver: Driver, database: str) -> int:
    records, _, _ = driver.execute_query(
        COUNT_NODES, database_=database, routing_=RoutingControl.READ
    )
    return int(records[0]["n"])


def clear_scratch_database(driver: Driver, database: str) -> None:
    """Deletes every node: only for a throwaway database the evaluation started itself."""
    with driver.session(database=database) as session:
        session.run(DELETE_ALL).consume()
