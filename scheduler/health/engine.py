"""The probing engine: one asyncio loop on its own thread, one heap of due probes.

Targets are probed every `interval_s`, each at most once at a time. The first probe
comes within min(interval, 5 s) (as Marathon's); later ones fall on a grid with a
random phase per target, so targets added together (a restart) spread evenly over the
interval instead of firing in bursts. A probe that overran skips to the next slot at
least half an interval away rather than catching up. A single timer follows the
earliest due probe (no task per target sleeping); due probes start while fewer than
`max_in_flight` run, the rest wait in order. Outcomes are handed to
`report` in batches (one call per `flush_s`), so the owner thread gets a few
messages a second instead of one per probe.
"""

from __future__ import annotations

import asyncio
import collections
import heapq
import itertools
import math
import random
import socket
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from scheduler.base.clock import Clock
from scheduler.health.probes import Outcome, Target, Verdict, probe

Key = tuple[str, int]

# The key of a readiness probe is (task id, READINESS_INDEX): never a health check's index.
READINESS_INDEX = -1
ProbeFn = Callable[[Target, str], Awaitable[Outcome]]

FIRST_PROBE_MAX_S = 5.0  # Marathon's first probe comes min(interval, 5 s) after the start
_SLACK_S = 0.002  # probes due this close together start on one wakeup


@dataclass(frozen=True)
class ProbeReport:
    """One finished probe. `at` is wall time; `late_s` how long after its due time it began."""

    key: Key
    outcome: Outcome
    at: float
    late_s: float
    duration_s: float


class EnginePort(Protocol):
    """What the owner thread needs of the engine (safe to call from the owner thread)."""

    def watch(self, targets: Iterable[Target]) -> None: ...

    def unwatch(self, keys: Iterable[Key]) -> None: ...


@dataclass
class _Watch:
    target: Target
    generation: int
    anchor: float  # loop time of one slot of this target's probe grid

    def next_due(self, finished: float) -> float:
        """The first slot of the grid at least half an interval after `finished`."""
        interval = self.target.interval_s
        slots = math.ceil((finished + interval / 2 - self.anchor) / interval)
        return self.anchor + slots * interval


class HealthEngine:
    """Probes targets from its own thread; `watch`/`unwatch` are safe from any thread."""

    def __init__(
        self,
        clock: Clock,
        report: Callable[[list[ProbeReport]], None],
        max_in_flight: int = 256,
        flush_s: float = 0.05,
        probe_fn: ProbeFn = probe,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.peak_in_flight = 0
        self._report = report
        self._flush_s = flush_s
        self._probe = probe_fn
        self._rng = rng or random.Random()
        self._watches: dict[Key, _Watch] = {}
        self._heap: list[tuple[float, int, Key, int]] = []
        self._ready: collections.deque[tuple[float, Key, int]] = collections.deque()
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")
        self._batch: list[ProbeReport] = []
        self._addresses: dict[tuple[str, bool], str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None

    # from any thread --------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop.run_forever, name="dromos-health",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop probing and close the loop; probes still running are cancelled."""
        if self._loop.is_closed():
            return
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
        self._loop.run_until_complete(self._cancel_probes())
        self._loop.close()

    async def _cancel_probes(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def watch(self, targets: Iterable[Target]) -> None:
        """Start probing `targets` (replacing any with the same key)."""
        self._loop.call_soon_threadsafe(self._watch, list(targets))

    def unwatch(self, keys: Iterable[Key]) -> None:
        """Stop probing; a probe already running is not reported."""
        self._loop.call_soon_threadsafe(self._unwatch, list(keys))

    # on the engine's loop ---------------------------------------------------------------
    def _watch(self, targets: list[Target]) -> None:
        now = self._loop.time()
        for target in targets:
            generation = next(self._seq)
            anchor = now + self._rng.uniform(0.0, target.interval_s)
            self._watches[target.key] = _Watch(target, generation, anchor)
            first = min(target.interval_s, FIRST_PROBE_MAX_S)
            self._push(now + self._rng.uniform(0.0, first), target.key, generation)
        self._arm()

    def _unwatch(self, keys: list[Key]) -> None:
        for key in keys:
            self._watches.pop(key, None)  # heap entries of a gone watch are skipped later

    def _push(self, due: float, key: Key, generation: int) -> None:
        heapq.heappush(self._heap, (due, next(self._seq), key, generation))

    def _arm(self) -> None:
        """Keep the one timer set for the earliest due probe."""
        if not self._heap or self._heap[0][0] >= self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = self._heap[0][0]
        self._timer = self._loop.call_at(self._timer_at, self._on_timer)

    def _on_timer(self) -> None:
        self._timer, self._timer_at = None, float("inf")
        horizon = self._loop.time() + _SLACK_S
        while self._heap and self._heap[0][0] <= horizon:
            due, _, key, generation = heapq.heappop(self._heap)
            if self._is_current(key, generation):
                self._ready.append((due, key, generation))
        self._start_ready()
        self._arm()

    def _is_current(self, key: Key, generation: int) -> bool:
        watch = self._watches.get(key)
        return watch is not None and watch.generation == generation

    def _start_ready(self) -> None:
        while self._ready and self.in_flight < self.max_in_flight:
            due, key, generation = self._ready.popleft()
            if not self._is_current(key, generation):
                continue
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            task = self._loop.create_task(self._run(due, self._watches[key]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, due: float, watch: _Watch) -> None:
        target = watch.target
        started = self._loop.time()
        try:
            address = await self._resolve(target)
        except OSError as exc:
            outcome = Outcome(Verdict.UNHEALTHY, f"cannot resolve {target.host}: {exc}")
        else:
            outcome = await self._probe(target, address)
        finally:
            self.in_flight -= 1
        finished = self._loop.time()
        if self._is_current(target.key, watch.generation):
            self._push(watch.next_due(finished), target.key, watch.generation)
            self._add_report(ProbeReport(target.key, outcome, self.clock.now(),
                                         started - due, finished - started))
        self._start_ready()
        self._arm()

    async def _resolve(self, target: Target) -> str:
        """The host's address, looked up once per host (tasks' hosts are agents)."""
        cache_key = (target.host, target.ipv6)
        address = self._addresses.get(cache_key)
        if address is None:
            family = socket.AF_INET6 if target.ipv6 else socket.AF_INET
            infos = await self._loop.getaddrinfo(target.host, None, family=family,
                                                 type=socket.SOCK_STREAM)
            address = str(infos[0][4][0])
            self._addresses[cache_key] = address
        return address

    def _add_report(self, report: ProbeReport) -> None:
        if not self._batch:
            self._loop.call_later(self._flush_s, self._flush)
        self._batch.append(report)

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        self._report(batch)
