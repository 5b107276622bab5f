"""``graph.db.detached`` and ``drain``: the work a cancelled caller left running is waited for
before a driver closes, including work registered through a wrapper of the driver and work
that starts while the drain waits. (A snapshot build started through the tests' counting
wrapper was not waited for; it opened a Bolt connection after its driver was closed, and the
socket was collected unclosed in a later test.)"""

from __future__ import annotations

import asyncio

import pytest

from graph.db import detached, drain


class Owner:
    """Stands for a driver: only its identity matters to the registry of work in flight."""


class Wrapper:
    """Stands for a driver wrapper that names what it wraps, as the counting driver does."""

    def __init__(self, inner: Owner) -> None:
        self.__wrapped__ = inner


async def _sleep(seconds: float, done: list[str], name: str) -> None:
    await asyncio.sleep(seconds)
    done.append(name)


async def _detach_and_cancel(driver: object, work: asyncio.Future[None] | None = None) -> None:
    """Starts ``work`` detached on ``driver`` and stops waiting for it, as a request past its
    deadline does."""
    caller = asyncio.ensure_future(detached(driver, work))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller


async def test_work_detached_on_a_wrapper_is_drained_with_the_driver() -> None:
    driver, done = Owner(), []
    await _detach_and_cancel(Wrapper(driver), _sleep(0.2, done, "build"))  # type: ignore[arg-type]
    assert done == []  # the caller is gone, the work goes on
    await drain(driver)  # type: ignore[arg-type]
    assert done == ["build"]


async def test_work_registered_while_draining_is_waited_for() -> None:
    driver, done = Owner(), []

    async def version_then_export() -> None:
        await _sleep(0.05, done, "version")
        # the next read starts as its own detached work once the first has ended
        asyncio.ensure_future(detached(driver, _sleep(0.1, done, "export")))  # type: ignore[arg-type]

    await _detach_and_cancel(driver, version_then_export())  # type: ignore[arg-type]
    await drain(driver)  # type: ignore[arg-type]
    assert done == ["version", "export"]


async def test_drain_gives_up_at_its_timeout() -> None:
    driver, done = Owner(), []
    await _detach_and_cancel(driver, _sleep(1.0, done, "slow"))  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    started = loop.time()
    await drain(driver, timeout=0.2)  # type: ignore[arg-type]
    assert 0.15 < loop.time() - started < 2.0 and done == []
