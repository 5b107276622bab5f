"""The database side of author clustering: where the writers' name-only authorships go.

``graph.author_clustering`` decides (pure); this module reads what it needs from the graph in
one query per step of a write batch, and writes the outcome:

* :func:`prepare_batch` — every read the clustering of a batch's name-only authorships needs:
  the stored profiles (``Author.cluster_profile``) of the clusters under the batch's blocking
  keys and the cluster ids in use, found from the printed names alone; what is left (building
  the mentions' evidence, then the decisions) needs neither the transaction nor the graph, so
  the writer runs it beside the batch's paper writes;
* :func:`store_clusters` — clusters of earlier loads that the batch showed to be one person are
  joined (``JOIN_AUTHORS``), then every touched cluster's profile is stored;
* :func:`relink_to_strong` — a name-only authorship moves to a strong-id author (ORCID, OpenAlex,
  S2, dblp) under its blocking key when the clustering's own score
  (``graph.author_clustering.score``) reaches the same threshold for exactly one candidate,
  whose profile is built from its papers in the graph. Both writers call it: the transactional
  one batch by batch, the bulk path once after the import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from neo4j import Driver, ManagedTransaction

from graph import cluster_queries as cq
from graph import ingest_queries as q
from graph.author_clustering import (
    DEFAULT_WEIGHTS,
    NO_MATCH_ROW,
    Apart,
    BatchAuthorships,
    BatchClusters,
    KeptProfiles,
    Match,
    Mention,
    PreparedBatch,
    Profile,
    Rule,
    StoredState,
    StrongCandidates,
    Weights,
    make_mention,
    mention_id,
    prepare_rows,
    read_ahead,
    strong_link,
)
from graph.name_stats import NameStats
from graph.stamp import READ_STAMP

CANDIDATE_PAPERS = 200  # most recent papers of a strong-id author read for its profile


def profile_json(profile: Profile) -> str:
    """The stored form of a profile (one canonical JSON string: both writers write it so)."""
    return orjson.dumps(profile.to_dict(), option=orjson.OPT_SORT_KEYS).decode("utf-8")


def profile_token(stored: str) -> str:
    """The token stored with a profile: a digest of its stored form (equal token, equal
    profile; ``KeptProfiles``)."""
    return hashlib.blake2b(stored.encode("utf-8"), digest_size=16).hexdigest()


def profile_row(profile: Profile) -> dict[str, str]:
    """A row of ``SET_CLUSTER_PROFILES``."""
    stored = profile_json(profile)
    return {"id": profile.id, "profile": stored, "token": profile_token(stored)}


def load_profiles(tx: ManagedTransaction, blocks: Sequence[str]) -> list[Profile]:
    """Every stored profile under ``blocks``, read and parsed."""
    records = tx.run(cq.CLUSTER_PROFILES, blocks=list(blocks))
    out = []
    for r in sorted(records, key=lambda r: r["id"]):
        profile = Profile.from_dict(r["id"], r["block"], orjson.loads(r["profile"]))
        profile.never = set(r["never"] or ())
        out.append(profile)
    return out


def kept_profiles(
    tx: ManagedTransaction, blocks: Sequence[str], kept: KeptProfiles
) -> list[Profile]:
    """The stored profiles under ``blocks`` as :func:`load_profiles` gives them: the blocks
    ``kept`` holds in full while no other writer has written since (``graph.stamp``), else
    only the profiles it does not hold under their stored token are read."""
    stamp = tx.run(READ_STAMP).single()
    known = kept.known(stamp["stamp"] if stamp else None, blocks)
    to_read = sorted(set(blocks) - set(known))
    stored = [
        StoredState(r["id"], r["block"], r["token"], tuple(r["never"] or ()))
        for r in tx.run(cq.CLUSTER_TOKENS, blocks=to_read)
    ] if to_read else []  # fmt: skip
    block_of = {s.id: s.block for s in stored}
    stale = kept.stale(stored)
    read = {
        r["id"]: Profile.from_dict(r["id"], block_of[r["id"]], orjson.loads(r["profile"]))
        for r in tx.run(cq.STORED_PROFILES_OF, ids=stale)
    } if stale else {}  # fmt: skip
    out = kept.profiles_of(stored, read, to_read) + kept.of_known(known)
    return sorted(out, key=lambda p: p.id)


def taken_ids(tx: ManagedTransaction, ids: Sequence[str]) -> list[str]:
    return [r["id"] for r in tx.run(cq.AUTHOR_IDS_IN_USE, ids=list(ids))]


def same_authorship(ref: Mapping[str, Any], on_paper: Iterable[Any]) -> str | None:
    """The author of the authorship a re-run writes again: same printed name and position,
    else the same printed name (a name printed twice in one list is one authorship)."""
    same_name = sorted(
        (a for a in on_paper if a[1] == ref.get("raw_name")), key=lambda a: str(a[0])
    )
    for author, _raw, position in same_name:
        if position == ref.get("position"):
            return str(author)
    return str(same_name[0][0]) if same_name else None


@dataclass(frozen=True, slots=True)
class GraphClusters:
    """The stored side of the clustering read in a write transaction (``kept``: a load's
    profiles and indexes from its earlier batches; None: every batch reads its blocks'
    profiles)."""

    tx: ManagedTransaction
    kept: KeptProfiles | None = None

    def profiles_of(self, blocks: Iterable[str]) -> list[Profile]:
        if self.kept is None:
            return load_profiles(self.tx, list(blocks))
        return kept_profiles(self.tx, list(blocks), self.kept)

    def taken(self, ids: Iterable[str]) -> list[str]:
        if self.kept is None:
            return taken_ids(self.tx, list(ids))
        return self.kept.taken(list(ids), lambda unknown: taken_ids(self.tx, unknown))


def prepare_batch(
    tx: ManagedTransaction,
    batch: BatchAuthorships,
    w: Weights = DEFAULT_WEIGHTS,
    apart: Apart | None = None,
    name_stats: NameStats | None = None,
    kept: KeptProfiles | None = None,
) -> Callable[[], PreparedBatch]:
    """Every read the clustering of a batch's name-only authorships needs, made now against the
    graph's stored profiles (``kept``: see :class:`GraphClusters`). Returns what is left:
    ``prepare_rows`` on what was read (the mentions' evidence and name prior, then
    :meth:`PreparedBatch.run`), which touches neither the transaction nor the graph."""
    ahead = read_ahead(batch, GraphClusters(tx, kept))
    indexes = kept.indexes if kept is not None else None
    return lambda: prepare_rows(batch, ahead, w, apart, name_stats, indexes)


#: Every printed form of every author: what the name prior counts (``graph.name_stats``).
PRINTED_NAMES = "MATCH (a:Author) UNWIND a.name_variants AS name RETURN DISTINCT name"


def printed_names(driver: Driver, database: str) -> NameStats:
    """The name prior's counts of the names the graph already holds (a load starts from them
    and adds its own rows as it goes)."""
    stats = NameStats()
    records, _, _ = driver.execute_query(PRINTED_NAMES, database_=database)
    for r in records:
        stats.add_name(r["name"])
    return stats


def profile_rows(clusters: BatchClusters) -> list[dict[str, str]]:
    """The stored form of every profile a batch touched (pure: the writer builds them while
    the server writes the batch's authorships)."""
    return [profile_row(p) for _, p in sorted(clusters.profiles.items())]


def store_clusters(
    tx: ManagedTransaction,
    clusters: BatchClusters,
    kept: KeptProfiles | None = None,
    rows: list[dict[str, str]] | None = None,
) -> None:
    """After the batch's authors and authorships are written: joins, then profiles (``kept``
    keeps them once the batch commits; ``rows``: :func:`profile_rows`, if built already)."""
    if clusters.merges:
        joins = [{"survivor": s, "absorbed": g, **NO_MATCH_ROW} for s, g in clusters.merges]
        tx.run(cq.JOIN_AUTHORS, rows=joins).consume()
    rows = profile_rows(clusters) if rows is None else rows
    if rows:
        tx.run(cq.SET_CLUSTER_PROFILES, rows=rows).consume()
    if kept is not None:
        kept.written(
            [g for _s, g in clusters.merges],
            {r["id"]: (r["token"], clusters.profiles[r["id"]]) for r in rows},
        )


# -- the relink to strong-id authors -------------------------------------------------------------


def _mention_of(record: Mapping[str, Any], cid: str, affiliation: str | None = None) -> Mention:
    return make_mention(
        mention_id(record["paper"], record.get("position"), cid),
        record["name"],
        paper=record["paper"],
        coauthors=record["coauthors"],
        title=record["title"],
        abstract=record["abstract"],
        venue=record["venue"],
        categories=record["categories"],
        affiliation=affiliation,
        year=record["year"],
    )


def profiles_from_graph(tx: ManagedTransaction, ids: Iterable[str]) -> dict[str, Profile]:
    """Profiles of authors built from their papers in the graph (the most recent
    ``CANDIDATE_PAPERS`` of each): strong-id candidates of the relink, authors an override
    changed."""
    return profiles_from_rows(_candidate_rows(tx, ids))


def _candidate_rows(tx: ManagedTransaction, ids: Iterable[str]) -> list[dict[str, Any]]:
    records = tx.run(cq.CANDIDATE_EVIDENCE, ids=sorted(set(ids)), per_author=CANDIDATE_PAPERS)
    return records.data()


def profiles_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, Profile]:
    """:func:`profiles_from_graph` on rows of ``CANDIDATE_EVIDENCE`` already read (pure)."""
    out: dict[str, Profile] = {}
    for r in rows:
        papers = sorted(r["papers"], key=lambda p: p["paper"])
        mentions = [
            _mention_of(p, r["id"], r["affiliation"] if i == 0 else None)
            for i, p in enumerate(papers)
        ]
        if mentions:
            out[r["id"]] = Profile.of(r["id"], mentions)
    return out


@dataclass(frozen=True, slots=True)
class RelinkReads:
    """What the relink of some name-only authorships reads from the graph, as plain rows (they
    cross to a worker process in the sweep after a bulk import): the strong-id authors under
    each blocking key, each authorship's evidence and blocking key, the candidates' papers."""

    strong: dict[str, list[str]]
    key_of: dict[tuple[str, str], str]
    evidence: list[dict[str, Any]]
    candidates: list[dict[str, Any]]


def read_relink(tx: ManagedTransaction, items: Mapping[tuple[str, str], str]) -> RelinkReads | None:
    """Every read :func:`decide_relink` needs for ``items`` (``(author, paper) → blocking
    key``). Candidates are looked up per key first, so a graph without strong-id authors under
    these keys (a name-only source loaded alone) costs one index seek per key: None, nothing to
    decide."""
    if not items:
        return None
    strong: dict[str, list[str]] = {}
    for rec in tx.run(q.STRONG_UNDER_KEYS, keys=sorted(set(items.values()))):
        strong.setdefault(rec["key"], []).append(rec["id"])
    key_of = {(a, p): k for (a, p), k in sorted(items.items()) if k in strong}
    if not key_of:
        return None
    evidence = tx.run(
        cq.MENTION_EVIDENCE, items=[{"author": a, "paper": p} for a, p in key_of]
    ).data()
    candidates = _candidate_rows(tx, {c for k in set(key_of.values()) for c in strong[k]})
    return RelinkReads(strong, key_of, evidence, candidates)


def decide_relink(
    reads: RelinkReads, w: Weights = DEFAULT_WEIGHTS, apart: Apart | None = None
) -> list[dict[str, Any]]:
    """The moves (rows of ``MOVE_AUTHORSHIP``): each authorship that exactly one strong-id
    author under its key matches, by the clustering's own score and threshold (pure)."""
    profiles = profiles_from_rows(reads.candidates)
    moves = []
    indexed: dict[str, StrongCandidates] = {}  # key → its strong-id authors, indexed
    for ev in sorted(reads.evidence, key=lambda r: (r["author"], r["paper"])):
        if ev["rule"] == Rule.OVERRIDE:
            continue  # where the overrides file put it, it stays
        m = _mention_of(ev, ev["author"])
        key = reads.key_of[(ev["author"], ev["paper"])]
        if key not in indexed:
            strong = reads.strong[key]
            indexed[key] = StrongCandidates((profiles[c] for c in strong if c in profiles), w)
        # not an author already on the paper, nor one the overrides keep apart from it
        excluded = set(ev["listed"]) | set(ev["never"] or ())
        candidates = [
            p
            for p in indexed[key].of(m)
            if p.id not in excluded and not (apart and apart({ev["author"]}, {p.id}))
        ]
        found = strong_link(m, candidates, w)
        if found is not None:
            moves.append({"author": ev["author"], "paper": ev["paper"], "strong": found[0].id,
                          **Match(Rule.RELINKED, found[1]).row()})  # fmt: skip
    return moves


def write_moves(
    tx: ManagedTransaction, moves: list[dict[str, Any]], kept: KeptProfiles | None = None
) -> int:
    """Moves the authorships :func:`decide_relink` chose; returns how many moved."""
    if moves:
        emptied = [r["id"] for r in tx.run(q.MOVE_AUTHORSHIP, rows=moves)]
        if kept is not None:  # clusters whose last authorship moved are gone
            kept.deleted(emptied)
    return len(moves)


def relink_to_strong(
    tx: ManagedTransaction,
    items: Mapping[tuple[str, str], str],
    w: Weights = DEFAULT_WEIGHTS,
    apart: Apart | None = None,
    kept: KeptProfiles | None = None,
) -> int:
    """Checks name-only authorships ``(author, paper) → blocking key`` against the strong-id
    authors under their key; moves each that exactly one candidate matches, in ``tx``: its
    reads, decisions and writes. Returns how many moved."""
    reads = read_relink(tx, items)
    if reads is None:
        return 0
    return write_moves(tx, decide_relink(reads, w, apart), kept)
