"""Garbage-collector settings for the long batch jobs (a load, a bulk import)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between two collections of the youngest generation during a batch job
#: (CPython's default is 700).
BATCH_JOB_THRESHOLD = 50_000


@contextmanager
def batch_job_gc(threshold: int = BATCH_JOB_THRESHOLD) -> Iterator[None]:
    """Fewer cyclic collections while a batch job runs; the settings before it come back after.

    A load keeps the clustering's profiles, counters and block indexes alive from batch to
    batch (hundreds of thousands of containers at the arXiv scale), and with the default
    threshold the collector walks them again and again: about a third of the clustering's time
    on Paperscape 1991–1996 (``docs/identity.md``, "What it costs the writers"). Reference
    counting still frees every object that is not in a cycle at once; only cycles wait a little
    longer. Process-wide while it lasts, like every collector setting."""
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
