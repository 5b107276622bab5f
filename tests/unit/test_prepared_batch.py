"""The clustering of a batch in two halves (``prepare_rows``, then ``PreparedBatch.run``): every
read of the stored side happens in the first, so the transactional writer may run the second in
a worker thread beside its other writes without touching the transaction from two threads; and
the two halves decide what ``cluster_rows`` decides."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import orjson
import pytest

from graph.author_clustering import (
    NO_MATCH_ROW,
    BatchAuthorships,
    BatchClusters,
    Profile,
    Rule,
    cluster_rows,
    prepare_rows,
    read_ahead,
)
from graph.identity import paper_key
from graph.name_stats import NameStats
from loaders.labelled import read_mentions
from loaders.records import Paper
from loaders.writer import paper_row

SETS = Path(__file__).resolve().parents[3] / "shared" / "data" / "author-disambiguation"


class StoredSide:
    """The profiles and ids of earlier batches, which refuses to be read once sealed."""

    def __init__(self) -> None:
        self.profiles: dict[str, Profile] = {}
        self.sealed = False
        self.reads = 0

    def profiles_of(self, blocks: Iterable[str]) -> list[Profile]:
        assert not self.sealed, "the clustering read the stored side after its reads were done"
        self.reads += 1
        wanted = set(blocks)
        return [p for _i, p in sorted(self.profiles.items()) if p.block in wanted]

    def taken(self, ids: Iterable[str]) -> list[str]:
        assert not self.sealed, "the clustering looked up ids after its reads were done"
        self.reads += 1
        return [i for i in ids if i in self.profiles]

    def keep(self, out: BatchClusters) -> None:
        for _survivor, gone in out.merges:
            self.profiles.pop(gone, None)
        self.profiles.update(out.profiles)


def _batches() -> list[tuple[list[dict], list[str]]]:
    s = read_mentions(SETS / "qian-dblp", limit_blocks=40)
    records = [r for r in s.records if isinstance(r, Paper)]
    out = []
    for start in range(0, len(records), 60):
        rows = [paper_row(r) for r in records[start : start + 60]]
        out.append((rows, [paper_key(r["ids"], r["title_key"]) for r in rows]))
    return out


def test_the_decisions_read_nothing_and_equal_cluster_rows() -> None:
    batches = _batches()
    assert len(batches) >= 3
    halves, whole = StoredSide(), StoredSide()
    halves_stats, whole_stats = NameStats(min_names=10), NameStats(min_names=10)
    joined = 0
    for rows, nodes in batches:
        halves.sealed = False
        prepared = prepare_rows(BatchAuthorships(rows, nodes), halves, name_stats=halves_stats)
        halves.sealed = True  # from here on, any read of the stored side fails the test
        split = prepared.finish(prepared.run())
        halves.keep(split)
        one = cluster_rows(BatchAuthorships(rows, nodes), whole, name_stats=whole_stats)
        whole.keep(one)
        assert split.node_of == one.node_of
        assert split.merges == one.merges
        assert sorted(split.profiles) == sorted(one.profiles)
        joined += len(split.node_of) - len(set(split.node_of.values()))
    assert halves.reads >= 2 * len(batches)  # the reads were made, in the first half
    assert joined > 0  # mentions were joined: the comparison decides something


def test_match_rows_built_ahead_are_the_rows_of_each_decision() -> None:
    """``BatchClusters.build_rows`` (run in the writer's worker thread) gives, for every
    authorship the batch decided, the match properties its ``AUTHORED`` row gets from
    ``match(key).row()``; the stored evidence is JSON of the evidence, keys sorted."""
    side, stats = StoredSide(), NameStats(min_names=10)
    rules: Counter[str] = Counter()
    for rows, nodes in _batches():
        out = cluster_rows(BatchAuthorships(rows, nodes), side, name_stats=stats)
        side.keep(out)
        assert not out.rows
        out.build_rows()
        assert set(out.rows) == set(out.node_of)  # every decided authorship, nothing else
        for key, row in out.rows.items():
            match = out.match(key)
            assert match is not None and row == match.row()
            rules[row["match_rule"]] += 1
            if match.evidence is not None:
                stored = row["match_evidence"]
                assert orjson.loads(stored) == match.evidence.as_dict()
                assert list(orjson.loads(stored)) == sorted(match.evidence.as_dict())
        assert out.match_row((len(rows), 0)) == NO_MATCH_ROW  # not decided by this batch
    assert rules[Rule.EVIDENCE] > 0 and rules[Rule.NEW_CLUSTER] > 0  # both kinds were checked


def test_the_reads_made_ahead_are_the_reads_prepare_rows_makes() -> None:
    """``read_ahead`` finds from the printed names alone every block and id ``prepare_rows``
    asks the stored side for (decided and pinned authorships included), so the writer reads
    them before it hands the rest (the evidence, the decisions) to its worker thread; and
    ``prepare_rows`` on what was read ahead decides what it decides on the live side."""
    ahead_side, live = StoredSide(), StoredSide()
    ahead_stats, live_stats = NameStats(min_names=10), NameStats(min_names=10)
    asked: dict[str, list[str]] = {}

    class Asked:
        """The live side, remembering what was asked of it."""

        def profiles_of(self, blocks: Iterable[str]) -> list[Profile]:
            asked["blocks"] = list(blocks)
            return live.profiles_of(asked["blocks"])

        def taken(self, ids: Iterable[str]) -> list[str]:
            asked["ids"] = list(ids)
            return live.taken(asked["ids"])

    seen = Counter[str]()
    for rows, nodes in _batches():
        keys = [
            (pi, ai, a["name_key"])
            for pi, row in enumerate(rows)
            for ai, a in enumerate(row["authors"])
            if not a["ids"]
        ]
        decided = {(pi, ai): "name:settled" for pi, ai, _k in keys[::7]}
        owner = keys[1][2]  # one printed name pinned to its owner, as a profile page does
        pinned = {
            (pi, ai): f"name:{k}" for pi, ai, k in keys if k == owner and (pi, ai) not in decided
        }
        ahead_side.sealed = False
        batch = BatchAuthorships(rows, nodes, decided, pinned)
        ahead = read_ahead(batch, ahead_side)
        ahead_side.sealed = True  # the rest must be served by what was read ahead
        prepared = prepare_rows(batch, ahead, name_stats=ahead_stats)
        out = prepared.finish(prepared.run())
        asked.clear()
        on_live = prepare_rows(batch, Asked(), name_stats=live_stats)
        expected = on_live.finish(on_live.run())
        assert set(asked["blocks"]) <= set(ahead.blocks) and set(asked["ids"]) <= set(ahead.ids)
        seen["read ahead, not asked"] += len(ahead.blocks) - len(asked["blocks"])
        assert out.node_of == expected.node_of and out.merges == expected.merges
        ahead_side.keep(out)
        live.keep(expected)
        seen["pinned"] += len(pinned)
        seen["decided left out"] += len(decided)
        seen["joined"] += len(out.node_of) - len(set(out.node_of.values()))
    assert seen["pinned"] and seen["decided left out"] and seen["joined"], seen
    with pytest.raises(ValueError, match="not read ahead"):
        ahead.profiles_of(["zz"])
    with pytest.raises(ValueError, match="ids not read ahead"):
        ahead.taken(["name:zz"])
