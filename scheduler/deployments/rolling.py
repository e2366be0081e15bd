"""How many instances to start and which to kill, during a scale or a rolling restart (pure).

Marathon's arithmetic for a restart to `n` instances: minHealthy = ceil(n x
minimumHealthCapacity) instances stay ready throughout; at most maxCapacity = floor(n x
(1 + maximumOverCapacity)) exist at once. Old instances die only while enough others are
ready, and count against capacity until their end is confirmed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class InstanceView:
    """What the arithmetic needs of one instance."""

    task_id: str
    ready: bool
    killing: bool = False
    staged_at: float = 0.0


@dataclass(frozen=True)
class Decision:
    kill: tuple[str, ...] = ()
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
    old: Sequence[InstanceView],
    new: Sequence[InstanceView],
    queued: int,
) -> Decision:
    """One evaluation of a rolling restart; call again whenever an instance changes."""
    min_healthy, max_capacity = capacity(n, min_health_capacity, max_over_capacity)
    live_old = [o for o in old if not o.killing]
    new_live = [i for i in new if not i.killing]
    ready = sum(o.ready for o in live_old) + sum(i.ready for i in new_live)
    kill: list[str] = []
    # Instances that are not ready cost nothing to kill; ready ones only above minHealthy.
    for view in sorted(live_old, key=lambda o: (o.ready, o.staged_at)):
        if not view.ready:
            kill.append(view.task_id)
        elif ready - 1 >= min_healthy:
            kill.append(view.task_id)
            ready -= 1
    existing = len(old) + len(new) + queued
    launch = max(0, min(n - len(new_live) - queued, max_capacity - existing))
    unqueue = max(0, len(new_live) + queued - n)
    return Decision(tuple(kill), launch, min(unqueue, queued))


def restart_done(n: int, old: Sequence[InstanceView], new: Sequence[InstanceView]) -> bool:
    return not old and len(new) == n and all(i.ready for i in new)


def scale(
    n: int, instances: Sequence[InstanceView], queued: int, youngest_first: bool
) -> Decision:
    """Launch up to `n`; beyond it drop queued requests first, then kill by killSelection."""
    live = [i for i in instances if not i.killing]
    missing = n - len(live) - queued
    if missing >= 0:
        return Decision(launch=missing)
    unqueue = min(queued, -missing)
    extra = -missing - unqueue
    # Instances not yet ready go first, then the selection's order.
    order = sorted(live, key=lambda i: (i.ready, -i.staged_at if youngest_first else i.staged_at))
    return Decision(kill=tuple(i.task_id for i in order[:extra]), unqueue=unqueue)


def scale_done(n: int, instances: Sequence[InstanceView]) -> bool:
    return len(instances) == n and all(i.ready and not i.killing for i in instances)
