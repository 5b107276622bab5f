"""The clustering's inverted index kept from batch to batch (``MemoryClusters``) and updated
incrementally (``_BlockIndex.put_mention`` / ``put_merged``) decides exactly as an index built
afresh from the stored profiles for every batch, on real labelled records."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import author_clustering
from graph.author_clustering import MemoryClusters, _BlockIndex
from graph.identity import paper_key
from graph.ingest import _packed
from graph.name_stats import NameStats
from loaders.labelled import read_mentions
from loaders.records import Paper
from loaders.writer import paper_row

SETS = Path(__file__).resolve().parents[3] / "shared" / "data" / "author-disambiguation"


class FreshIndexClusters(MemoryClusters):
    """The index rebuilt from the stored profiles for every batch (the transactional writer's
    way: it reads the profiles from the graph each time)."""

    def batch(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.indexes = {}
        return super().batch(*args, **kwargs)


def _run(store: MemoryClusters, records: list[Paper], batch: int) -> list[str]:
    landed: list[tuple[int, int, int]] = []
    outs = []
    for start in range(0, len(records), batch):
        rows = [paper_row(r) for r in records[start : start + batch]]
        nodes = [paper_key(r["ids"], r["title_key"]) for r in rows]
        out = store.batch(rows, nodes)
        outs.append(out)
        landed += [(len(outs) - 1, pi, ai) for pi, ai in sorted(out.node_of)]
    return [store.final(outs[b].node_of[(pi, ai)]) for b, pi, ai in landed]


@pytest.mark.parametrize("name", ["qian-dblp", "aminer110-half"])
def test_a_kept_index_clusters_as_a_fresh_one(name: str) -> None:
    s = read_mentions(SETS / name, limit_blocks=60)
    records = [r for r in s.records if isinstance(r, Paper)]
    assert len(records) > 200
    kept = _run(MemoryClusters(name_stats=NameStats()), records, batch=40)
    fresh = _run(FreshIndexClusters(name_stats=NameStats()), records, batch=40)
    assert kept == fresh
    assert len(set(kept)) < len(kept)  # some mentions were joined: the test decides something


def test_the_kept_index_holds_every_feature_of_every_profile() -> None:
    s = read_mentions(SETS / "qian-dblp", limit_blocks=10)
    store = MemoryClusters(name_stats=NameStats())
    _run(store, [r for r in s.records if isinstance(r, Paper)], batch=30)
    assert store.indexes
    for block in store.indexes.values():
        for p in block.profiles.values():
            for kind, values in _BlockIndex.features(p).items():
                index = getattr(block, kind)
                for v in values:
                    assert p.id in index[v], (p.id, kind, v)


class EveryCandidate(_BlockIndex):
    """Scores every profile of the block (no bound applied)."""

    pruned = 0

    def reachable(self, m, needed, w=author_clustering.DEFAULT_WEIGHTS, lowest=None):  # type: ignore[no-untyped-def]
        every = [self.profiles[i] for i in sorted(self.profiles)]
        EveryCandidate.pruned += len(every) - len(super().reachable(m, needed, w, lowest))
        return every


@pytest.mark.parametrize("name", ["qian-dblp", "aminer110-half"])
def test_profiles_left_out_by_their_bound_could_not_have_joined(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = read_mentions(SETS / name, limit_blocks=60)
    records = [r for r in s.records if isinstance(r, Paper)]
    bounded = _run(MemoryClusters(name_stats=NameStats()), records, batch=40)
    monkeypatch.setattr(author_clustering, "_BlockIndex", EveryCandidate)
    every = _run(MemoryClusters(name_stats=NameStats()), records, batch=40)
    assert bounded == every
    assert EveryCandidate.pruned > 0  # the bound left some out: the test compares something


@pytest.mark.parametrize("name", ["qian-dblp", "aminer110-half"])
def test_strong_candidates_link_as_every_candidate_would(name: str) -> None:
    """The relink to strong-id authors scores a mention only against the authors of its key
    that ``StrongCandidates`` gives; it links exactly as scoring every author of the key does.
    Real labelled blocks: each person's earlier mentions are a strong-id author's profile, the
    later ones the name-only mentions to link."""
    s = read_mentions(SETS / name, limit_blocks=80)
    by_person: dict[str, list[author_clustering.Mention]] = {}
    for rec, ref in zip(s.records, s.mentions, strict=True):
        assert isinstance(rec, Paper)
        row = paper_row(rec)
        node = paper_key(row["ids"], row["title_key"])
        focal = [m for i, m in author_clustering.paper_mentions(row, node)
                 if row["authors"][i]["position"] == ref.position]  # fmt: skip
        by_person.setdefault(f"{ref.block}/{ref.gold}", []).extend(focal)
    strong: dict[str, list[author_clustering.Profile]] = {}
    later: list[author_clustering.Mention] = []
    for person, ms in sorted(by_person.items()):
        cut = max(1, len(ms) // 2)
        p = author_clustering.Profile.of(f"strong:{person}", ms[:cut])
        strong.setdefault(p.block, []).append(p)
        later += ms[cut:]
    indexed = {k: author_clustering.StrongCandidates(ps) for k, ps in strong.items()}
    linked = left_out = 0
    for m in later:
        everyone = strong.get(m.block, [])
        some = indexed[m.block].of(m) if m.block in indexed else []
        assert {p.id for p in some} <= {p.id for p in everyone}
        left_out += len(everyone) - len(some)
        want = author_clustering.strong_link(m, everyone)
        got = author_clustering.strong_link(m, some)
        assert (got and (got[0].id, got[1].score)) == (want and (want[0].id, want[1].score)), m.id
        linked += want is not None
    assert linked > 0 and left_out > 0  # the test decides something, and the index skips some


@pytest.mark.parametrize("batch", [1, 50, 400, 100_000])
def test_the_relink_sweep_packs_whole_keys(batch: int) -> None:
    """The sweep after a bulk import (``link_by_coauthor_everywhere``) puts every authorship of
    a blocking key into one transaction, so its outcome does not depend on the batch size:
    every item kept once, no key split, a group over ``batch`` only when one key is."""
    s = read_mentions(SETS / "qian-dblp", limit_blocks=40)
    by_key: dict[str, dict[tuple[str, str], str]] = {}
    for i, ref in enumerate(s.mentions):
        by_key.setdefault(ref.block, {})[(f"name:{ref.gold}", f"paper:{i}")] = ref.block
    groups = list(_packed(by_key, batch))
    items = [item for g in groups for item in g]
    assert len(items) == len(set(items)) == sum(len(v) for v in by_key.values())
    seen: set[str] = set()
    for g in groups:
        keys = set(g.values())
        assert not keys & seen  # a key is never split over two transactions
        seen |= keys
        assert len(g) <= batch or len(keys) == 1
    assert seen == set(by_key)
    assert [min(g.values()) for g in groups] == sorted(min(g.values()) for g in groups)
