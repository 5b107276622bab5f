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
