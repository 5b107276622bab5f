"""``graph.db.driver_key``: the caches per driver never hand one driver's entries to another."""

from __future__ import annotations

import gc

from graph.db import driver_key


class FakeConnectionOwner:
    """Stands for a driver: only its identity matters to the key."""


def test_a_new_driver_never_gets_a_collected_drivers_key() -> None:
    seen: set[int] = set()
    ids: set[int] = set()
    reused = False
    for _ in range(200):
        owner = FakeConnectionOwner()
        reused = reused or id(owner) in ids  # CPython gives a freed object's address again
        ids.add(id(owner))
        key = driver_key(owner)
        assert driver_key(owner) == key  # stable while it lives
        assert key not in seen
        seen.add(key)
        del owner
        gc.collect()
    assert reused, "no address was reused: the case this key exists for did not happen"
