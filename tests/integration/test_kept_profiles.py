"""A load's cluster profiles kept in memory from batch to batch (``KeptProfiles``) give the
graph that reading every batch's profiles from Neo4j gives, also when another writer changed a
stored profile between two batches (its token differs, so it is read again)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from neo4j import Driver, ManagedTransaction

from graph import cluster_queries as cq
from graph.author_clustering import (
    IdentityRules,
    KeptProfiles,
    Profile,
    paper_mentions,
    plain_id,
)
from graph.author_links import printed_names, profile_row
from graph.ingest import IngestBatch, write_batch
from graph.stamp import replace_stamp
from loaders.labelled import read_mentions
from loaders.records import Paper, Record
from loaders.writer import add_record, paper_row
from tests.conftest import wipe

DB = "neo4j"
AUTHORED = (
    "MATCH (a:Author)-[r:AUTHORED]->(p:Paper) RETURN a.id AS author, p.id AS paper, "
    "r.position AS position, r.match_rule AS rule, r.match_score AS score ORDER BY paper, author"
)
PROFILES = (
    "MATCH (a:Author) WHERE a.cluster_profile IS NOT NULL "
    "RETURN a.id AS id, a.cluster_profile AS profile, a.profile_token AS token ORDER BY id"
)
#: The largest stored cluster of the most crowded block.
LARGEST = (
    "MATCH (a:Author) WHERE a.cluster_profile IS NOT NULL "
    "WITH a.match_key AS block, collect(a) AS clusters ORDER BY size(clusters) DESC LIMIT 1 "
    "UNWIND clusters AS a "
    "RETURN a.id AS id, block, a.cluster_profile AS profile "
    "ORDER BY size(a.cluster_profile) DESC, a.id LIMIT 1"
)


def _records(data_dir: Path) -> list[Record]:
    labelled = read_mentions(data_dir / "author-disambiguation" / "aminer110-half", limit_blocks=4)
    records = list(labelled.records)
    random.Random(7).shuffle(records)  # the blocks' mentions spread over the batches
    return records


def _write(db: Driver, records: Sequence[Record], rules: IdentityRules, size: int = 15) -> None:
    for start in range(0, len(records), size):
        batch = IngestBatch()
        for r in records[start : start + size]:
            add_record(batch, r)
        write_batch(db, DB, batch, rules)


def _graph(db: Driver) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    authored = db.execute_query(AUTHORED, database_=DB).records
    profiles = db.execute_query(PROFILES, database_=DB).records
    return [dict(r) for r in authored], [dict(r) for r in profiles]


def _another_writer(db: Driver) -> str:
    """Empties the evidence of the largest cluster of the most crowded block, as an overrides
    run or a concurrent load might change it (and, as every writer of clusters does, writes a
    new stamp); returns its id."""
    (r,) = db.execute_query(LARGEST, database_=DB).records
    emptied = Profile(r["id"], r["block"], names=Profile.from_dict(
        r["id"], r["block"], orjson.loads(r["profile"])).names)  # fmt: skip

    def change(tx: ManagedTransaction) -> None:
        tx.run(cq.SET_CLUSTER_PROFILES, rows=[profile_row(emptied)]).consume()
        replace_stamp(tx)

    with db.session(database=DB) as session:
        session.execute_write(change)
    return str(r["id"])


def _blocks_per_batch(records: Sequence[Record], size: int = 15) -> int:
    """How many (batch, block) pairs the load touches: the token reads without the stamp."""
    total = 0
    for start in range(0, len(records), size):
        blocks = set()
        for r in records[start : start + size]:
            assert isinstance(r, Paper)
            row = paper_row(r)
            blocks |= {m.block for _i, m in paper_mentions(row, "p")}
        total += len(blocks)
    return total


def _load(db: Driver, records: Sequence[Record], kept: KeptProfiles | None) -> Any:
    wipe(db)
    half = len(records) // 2
    rules = IdentityRules(name_stats=printed_names(db, DB), kept=kept)
    _write(db, records[:half], rules)
    changed = _another_writer(db)
    _write(db, records[half:], rules)
    return changed, _graph(db)


def test_kept_profiles_give_the_graph_that_reading_them_gives(db: Driver, data_dir: Path) -> None:
    records = _records(data_dir)
    assert len(records) > 100
    kept = KeptProfiles()
    changed_kept, with_kept = _load(db, records, kept)
    changed_read, read_each_time = _load(db, records, None)
    assert changed_kept == changed_read
    assert with_kept == read_each_time
    # while no other writer came, the batches took their blocks from memory: each block read
    # once at first, and once more after the other writer's stamp
    blocks = len({m.block for r in records for _i, m in paper_mentions(paper_row(r), "p")})
    assert blocks < kept.blocks_read <= 2 * blocks < _blocks_per_batch(records)
    # ... and each author id a new cluster might take was looked up at most once each time
    ids = {plain_id(m) for r in records for _i, m in paper_mentions(paper_row(r), "p")}
    assert len(ids) < kept.ids_asked <= 2 * len(ids)
    authored, profiles = with_kept
    assert len({a["author"] for a in authored}) < len(authored)  # mentions were joined
    # the load kept what it stored, under the tokens the graph holds
    stored = {p["id"]: p["token"] for p in profiles}
    assert kept.tokens and all(stored[i] == t for i, t in kept.tokens.items() if i in stored)


def test_a_batch_that_does_not_commit_leaves_nothing_kept(db: Driver, data_dir: Path) -> None:
    records = _records(data_dir)
    kept = KeptProfiles()
    rules = IdentityRules(name_stats=printed_names(db, DB), kept=kept)
    _write(db, records[:30], rules)
    assert kept.profiles
    kept.begin()  # a batch clustered, then its transaction failed: no settle
    kept.begin()
    assert not kept.profiles and not kept.indexes
