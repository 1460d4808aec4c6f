"""Admission to a backend's query capacity, by lane: the one rule the worker pool and the remote backend share.

A query holds one unit of the backend's capacity while it runs (a worker process; a connection slot to the remote
server). A heavy one also holds one of ``heavy_cap`` heavy slots (0: no cap), so that heavy queries never take the
whole capacity and a light query always finds a unit soon (``service/lanes.py`` decides the lane). Either wait is
bounded: past it, ``PoolBusy`` (the service answers 503 with ``Retry-After``). The counts of running and waiting
queries per lane, and each wait (``on_wait``), are the service's metrics.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

Unit = TypeVar("Unit")


class PoolBusy(Exception):
    """No capacity became free within the queue wait."""


class Admission(Generic[Unit]):
    """Lanes over ``size`` units of capacity, named ``capacity`` in messages (e.g. "query workers")."""

    def __init__(self, size: int, heavy_cap: int, capacity: str):
        self.size = size
        self.heavy_cap = heavy_cap if heavy_cap > 0 else 0
        self.capacity = capacity
        self._heavy = asyncio.Semaphore(self.heavy_cap) if self.heavy_cap else None
        self.running = {"light": 0, "heavy": 0}  # queries holding a unit, per lane
        self.waiting = {"light": 0, "heavy": 0}  # queries waiting for a unit (or a heavy slot), per lane
        # Called with (lane, seconds waited, admitted) after each wait: the service's metrics.
        self.on_wait: Callable[[str, float, bool], Any] | None = None

    async def admit(
        self,
        lane: str,
        wait: float,
        free: Callable[[], bool],
        take_now: Callable[[], Unit],
        take: Callable[[], Awaitable[Unit]],
    ) -> tuple[Unit, bool]:
        """A unit for a query of ``lane`` within ``wait`` seconds, and whether a heavy slot is held with it (give
        both back with ``leave`` and ``release_heavy``). ``free`` says whether a unit is there at once,
        ``take_now`` takes it, ``take`` waits for one."""
        heavy = self._heavy if lane == "heavy" else None
        if free() and (heavy is None or not heavy.locked()):  # the common case: no timer
            if heavy is not None:
                await heavy.acquire()  # free: returns at once
            unit = take_now()
        else:
            unit = await self._wait(lane, wait, heavy, take)
        self.running[lane] += 1
        return unit, heavy is not None

    async def _wait(
        self, lane: str, wait: float, heavy: asyncio.Semaphore | None, take: Callable[[], Awaitable[Unit]]
    ) -> Unit:
        started = time.perf_counter()
        self.waiting[lane] += 1
        held = False
        try:
            # ``asyncio.timeout`` rather than ``wait_for``: no extra task (and loop turn) per wait.
            async with asyncio.timeout(wait):
                if heavy is not None:
                    await heavy.acquire()
                    held = True
                unit = await take()
        except TimeoutError:
            if heavy is not None and held:
                heavy.release()
            if self.on_wait is not None:
                self.on_wait(lane, time.perf_counter() - started, False)
            if heavy is not None and not held:
                raise PoolBusy(
                    f"Heavy queries may use {self.heavy_cap} of the {self.size} {self.capacity} at once, and they "
                    f"stayed busy for {wait:.1f} s."
                ) from None
            raise PoolBusy(f"All {self.size} {self.capacity} stayed busy for {wait:.1f} s.") from None
        except BaseException:
            if heavy is not None and held:
                heavy.release()
            raise
        finally:
            self.waiting[lane] -= 1
        if self.on_wait is not None:
            self.on_wait(lane, time.perf_counter() - started, True)
        return unit

    def leave(self, lane: str) -> None:
        """A query of ``lane`` no longer holds its unit."""
        self.running[lane] -= 1

    def release_heavy(self, held: bool) -> None:
        """Give back the heavy slot ``admit`` said was held (nothing if none was)."""
        if held and self._heavy is not None:
            self._heavy.release()
