"""How many instances to start and which to kill, during a scale or a rolling restart (pure).

Marathon's arithmetic for a restart to `n` instances: minHealthy = ceil(n x
minimumHealthCapacity) instances stay ready throughout; at most maxCapacity = floor(n x
(1 + maximumOverCapacity)) exist at once. Old instances die only while enough others are
ready, and count against capacity until their end is confirmed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class InstanceView:
    """What choosing whom to kill needs of one instance."""

    task_id: str
    ready: bool
    killing: bool = False
    staged_at: float = 0.0


@dataclass(frozen=True)
class Tally:
    """How many instances of a set there are, as the arithmetic counts them."""

    total: int = 0  # every counted instance: one being killed holds capacity until gone
    live: int = 0  # not being killed
    ready: int = 0  # live and ready

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.total + other.total, self.live + other.live,
                     self.ready + other.ready)


@dataclass(frozen=True)
class Decision:
    """Launch and unqueue counts, and how many to kill: the first of `kill_order`."""

    kill: int = 0
    launch: int = 0
    unqueue: int = 0


def capacity(n: int, min_health_capacity: float, max_over_capacity: float) -> tuple[int, int]:
    """(minHealthy, maxCapacity); when they meet, one extra instance lets a restart move."""
    min_healthy = math.ceil(n * min_health_capacity - 1e-9)
    max_capacity = math.floor(n * (1 + max_over_capacity) + 1e-9)
    if n > 0 and max_capacity <= min_healthy:
        max_capacity = min_healthy + 1
    return min_healthy, max_capacity


def restart(
    n: int,
    min_health_capacity: float,
    max_over_capacity: float,
    old: Tally,
    new: Tally,
    queued: int,
) -> Decision:
    """One evaluation of a rolling restart; call again whenever an instance changes.

    Old instances that are not ready cost nothing to kill; ready ones only above
    minHealthy, oldest first (`kill_order` of the old ones, youngest_first False).
    """
    min_healthy, max_capacity = capacity(n, min_health_capacity, max_over_capacity)
    ready = old.ready + new.ready
    kill = (old.live - old.ready) + min(old.ready, max(0, ready - min_healthy))
    existing = old.total + new.total + queued
    launch = max(0, min(n - new.live - queued, max_capacity - existing))
    unqueue = max(0, new.live + queued - n)
    return Decision(kill, launch, min(unqueue, queued))


def restart_done(n: int, old: Tally, new: Tally) -> bool:
    return old.total == 0 and new.total == n and new.ready == n


def scale(n: int, instances: Tally, queued: int) -> Decision:
    """Launch up to `n`; beyond it drop queued requests first, then kill (`kill_order`)."""
    missing = n - instances.live - queued
    if missing >= 0:
        return Decision(launch=missing)
    unqueue = min(queued, -missing)
    return Decision(kill=-missing - unqueue, unqueue=unqueue)


def scale_done(n: int, instances: Tally) -> bool:
    return instances.total == n and instances.ready == n


def kill_order(views: Iterable[InstanceView], count: int, youngest_first: bool) -> (
    tuple[str, ...]
):
    """The `count` live instances to kill first: those not ready, then by age."""
    live = (v for v in views if not v.killing)
    order = heapq.nsmallest(
        count, live, key=lambda v: (v.ready, -v.staged_at if youngest_first else v.staged_at)
    )
    return tuple(v.task_id for v in order)
