"""``KeptProfiles``: which stored profiles a batch reads again, and what a batch that does not
commit leaves behind."""

from __future__ import annotations

from graph.author_clustering import KeptProfiles, Profile, StoredState, _BlockIndex, make_mention


def _profile(cid: str, coauthor: str) -> Profile:
    return Profile.of(cid, [make_mention(f"p-{cid}#1", "Wei Wang", paper=f"p-{cid}",
                                         coauthors=[coauthor], title="Graph search")])  # fmt: skip


def _kept(*profiles: tuple[Profile, str]) -> KeptProfiles:
    kept = KeptProfiles()
    kept.begin()
    kept.written([], {p.id: (token, p) for p, token in profiles})
    kept.settle()
    return kept


def test_only_profiles_without_their_kept_token_are_read_again() -> None:
    a, b = _profile("name:w wang", "Lei Zhou"), _profile("name:w wang#2", "Jun Li")
    kept = _kept((a, "t1"), (b, "t2"))
    stored = [
        StoredState(a.id, a.block, "t1"),
        StoredState(b.id, b.block, "changed"),
        StoredState("name:w wang#3", a.block, "t3"),
        StoredState("old", a.block, None),
    ]
    assert kept.stale(stored) == sorted([b.id, "name:w wang#3", "old"])


def test_a_profile_read_again_replaces_the_kept_one_and_its_blocks_index() -> None:
    a, b = _profile("name:w wang", "Lei Zhou"), _profile("name:w wang#2", "Jun Li")
    kept = _kept((a, "t1"), (b, "t2"))
    kept.indexes[a.block] = _BlockIndex([a, b])
    fresh = _profile(b.id, "Ming Xu")
    got = kept.profiles_of(
        [StoredState(a.id, a.block, "t1", ("A1",)), StoredState(b.id, b.block, "t9")],
        {b.id: fresh},
    )
    assert got == [a, fresh] and got[0] is a and got[1] is fresh
    assert a.never == {"A1"}  # the overrides' never-joined list is the graph's, every time
    assert kept.tokens[b.id] == "t9"
    assert a.block not in kept.indexes  # built again from the profiles given


def test_a_block_whose_stored_clusters_changed_is_indexed_again() -> None:
    a, b = _profile("name:w wang", "Lei Zhou"), _profile("name:w wang#2", "Jun Li")
    kept = _kept((a, "t1"), (b, "t2"))
    kept.indexes[a.block] = _BlockIndex([a, b])
    kept.profiles_of([StoredState(a.id, a.block, "t1"), StoredState(b.id, b.block, "t2")], {})
    assert a.block in kept.indexes  # nothing changed: the index stays
    kept.profiles_of([StoredState(a.id, a.block, "t1")], {})  # b was joined away elsewhere
    assert a.block not in kept.indexes


def test_a_batch_that_does_not_commit_drops_everything() -> None:
    a = _profile("name:w wang", "Lei Zhou")
    kept = _kept((a, "t1"))
    kept.begin()
    kept.written([], {a.id: ("t2", a)})  # stored, then the transaction failed
    kept.begin()
    assert not kept.profiles and not kept.tokens


def test_a_committed_batch_keeps_what_it_stored_and_forgets_what_it_joined_away() -> None:
    a, b = _profile("name:w wang", "Lei Zhou"), _profile("name:w wang#2", "Jun Li")
    kept = _kept((a, "t1"), (b, "t2"))
    kept.begin()
    kept.written([b.id], {a.id: ("t3", a)})
    kept.settle()
    assert kept.tokens == {a.id: "t3"} and set(kept.profiles) == {a.id}


def test_past_its_limit_the_memory_is_emptied() -> None:
    kept = KeptProfiles(limit=1)
    kept.begin()
    a, b = _profile("name:w wang", "Lei Zhou"), _profile("name:w wang#2", "Jun Li")
    kept.written([], {a.id: ("t1", a), b.id: ("t2", b)})
    kept.settle()
    assert not kept.profiles


def _batch_reading(kept: KeptProfiles, stamp: str | None, stored: list[StoredState]) -> list[str]:
    """One batch that finds ``stamp`` in the graph, reads the tokens of the blocks it does not
    know, and ends by writing the stamp after ``stamp``; returns the blocks it knew."""
    kept.begin()
    blocks = sorted({s.block for s in stored} | {"x li"})
    known = kept.known(stamp, blocks)
    kept.profiles_of([s for s in stored if s.block not in known], {}, set(blocks) - set(known))
    kept.written([], {})
    kept.stamped(stamp, f"{stamp}+")
    kept.settle()
    return known


def test_while_only_this_load_writes_its_blocks_are_not_read_again() -> None:
    a, b = _profile("name:w wang", "Lei Zhou"), _profile("name:w wang#2", "Jun Li")
    kept = _kept((a, "t1"), (b, "t2"))
    stored = [StoredState(a.id, a.block, "t1"), StoredState(b.id, b.block, "t2")]
    assert _batch_reading(kept, None, stored) == []  # the first batch reads every block
    assert kept.blocks_read == 2  # "wang w", and "x li" which holds no cluster yet
    assert _batch_reading(kept, "None+", stored) == sorted([a.block, "x li"])
    assert kept.blocks_read == 2
    assert kept.of_known([a.block]) == [a, b]


def test_another_writers_stamp_makes_the_next_batch_read_its_tokens() -> None:
    a = _profile("name:w wang", "Lei Zhou")
    kept = _kept((a, "t1"))
    stored = [StoredState(a.id, a.block, "t1")]
    _batch_reading(kept, "s1", stored)
    assert _batch_reading(kept, "s1+", stored) == sorted([a.block, "x li"])
    # an overrides run wrote "s2" after this load's "s1++": nothing is known
    assert _batch_reading(kept, "s2", stored) == []
    # ... and a stamp replaced that is not the one this load agreed with leaves nothing known
    kept.begin()
    kept.known("s2+", [a.block])
    kept.stamped("someone else's", "s3")
    kept.settle()
    assert kept.known("s3", [a.block]) == []


def test_a_cluster_deleted_by_the_batch_leaves_its_known_block() -> None:
    a, b = _profile("name:w wang", "Lei Zhou"), _profile("name:w wang#2", "Jun Li")
    kept = _kept((a, "t1"), (b, "t2"))
    stored = [StoredState(a.id, a.block, "t1"), StoredState(b.id, b.block, "t2")]
    _batch_reading(kept, "s1", stored)
    kept.indexes[a.block] = _BlockIndex([a, b])
    kept.begin()
    assert kept.known("s1+", [a.block]) == [a.block]
    kept.written([], {b.id: ("t3", b)})
    kept.deleted([b.id])  # its last authorship moved to a strong-id author
    kept.stamped("s1+", "s2")
    kept.settle()
    assert kept.of_known(kept.known("s2", [a.block])) == [a]
    assert b.id not in kept.tokens and b.id not in kept.indexes[a.block].profiles


def test_a_cluster_the_batch_started_and_deleted_leaves_no_trace() -> None:
    """Superseded before the profiles are stored, or relinked after: either way the cluster
    is not kept, and the block's index no longer offers it."""
    a = _profile("name:w wang", "Lei Zhou")
    kept = _kept((a, "t1"))
    _batch_reading(kept, "s1", [StoredState(a.id, a.block, "t1")])
    for before_storing in (True, False):
        new = _profile(f"name:w wang#{before_storing}", "Jun Li")
        kept.indexes[a.block] = _BlockIndex([a, new])  # ``assign`` indexed the new cluster
        kept.begin()
        assert kept.known("s1+" if before_storing else "s2", [a.block]) == [a.block]
        if before_storing:
            kept.deleted([new.id])
            kept.written([], {a.id: ("t1", a), new.id: ("t9", new)})
        else:
            kept.written([], {a.id: ("t1", a), new.id: ("t9", new)})
            kept.deleted([new.id])
        kept.stamped("s1+" if before_storing else "s2", "s2")
        kept.settle()
        assert new.id not in kept.profiles and new.id not in kept.tokens
        assert kept.of_known(kept.known("s2", [a.block])) == [a]
        assert set(kept.indexes[a.block].profiles) == {a.id}


class Graph:
    """The author ids a graph holds, and every id looked up in it."""

    def __init__(self, *ids: str) -> None:
        self.ids = set(ids)
        self.asked: list[str] = []

    def look_up(self, ids: list[str]) -> list[str]:
        self.asked += ids
        return [i for i in ids if i in self.ids]


def test_ids_in_use_are_looked_up_once_while_only_this_load_writes() -> None:
    graph = Graph("name:wei wang", "name:lei zhou")
    kept = KeptProfiles()
    kept.begin()
    kept.known("s1", [])
    wanted = ["name:wei wang", "name:wen wang", "name:lei zhou"]
    assert kept.taken(wanted, graph.look_up) == ["name:lei zhou", "name:wei wang"]
    new = _profile("name:wen wang", "Jun Li")  # the batch gave the free id to a new cluster
    gone = "name:lei zhou"  # ... and deleted a cluster (relinked to a strong-id author)
    kept.written([], {new.id: ("t1", new)})
    kept.deleted([gone])
    kept.stamped("s1", "s2")
    kept.settle()
    graph.ids = (graph.ids | {new.id}) - {gone}
    graph.asked.clear()
    kept.begin()
    kept.known("s2", [])
    everything = [*wanted, "name:wu wang"]
    truth = sorted(i for i in everything if i in graph.ids)
    assert kept.taken(everything, graph.look_up) == truth == ["name:wei wang", "name:wen wang"]
    assert graph.asked == ["name:wu wang"]  # only the id never seen was looked up
    assert kept.ids_asked == 4


def test_another_writers_stamp_makes_ids_be_looked_up_again() -> None:
    graph = Graph("name:wei wang")
    kept = KeptProfiles()
    kept.begin()
    kept.known("s1", [])
    assert kept.taken(["name:wei wang", "name:wen wang"], graph.look_up) == ["name:wei wang"]
    kept.stamped("s1", "s2")
    kept.settle()
    graph.ids = {"name:wen wang"}  # another writer took one id and freed the other
    kept.begin()
    kept.known("s9", [])
    assert kept.taken(["name:wei wang", "name:wen wang"], graph.look_up) == ["name:wen wang"]
    assert graph.asked == ["name:wei wang", "name:wen wang"] * 2
