"""An offer's free ports while a matching round takes from them.

An agent running thousands of tasks on random ports offers thousands of small ranges.
Counting, finding and taking ports by walking them cost a walk per placed task (70% of
the owner thread's time while 3,000 instances launched on one agent); here the ranges are
kept sorted with their total, so each costs a bisection.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable, Sequence

from scheduler.mesos.resources import PortRange

# Random picks tried before falling back to a walk: a miss means the pick was a used port.
PICK_TRIES = 64


class FreePorts:
    """Disjoint inclusive ranges, sorted, and how many ports they hold."""

    def __init__(self, ranges: Iterable[PortRange]) -> None:
        spans = sorted((r.begin, r.end) for r in ranges if r.begin <= r.end)
        self._begins = [begin for begin, _ in spans]
        self._ends = [end for _, end in spans]
        self.count = sum(end - begin + 1 for begin, end in spans)

    def ranges(self) -> tuple[PortRange, ...]:
        return tuple(PortRange(b, e) for b, e in zip(self._begins, self._ends, strict=True))

    def __contains__(self, port: int) -> bool:
        at = bisect.bisect_right(self._begins, port) - 1
        return at >= 0 and port <= self._ends[at]

    def has(self, ports: Sequence[int]) -> bool:
        """Every one of `ports` is free, and none is named twice."""
        return len(set(ports)) == len(ports) and all(p in self for p in ports)

    def take_exact(self, ports: Sequence[int]) -> bool:
        """Take `ports` if every one is free (and named once); else take none."""
        if not self.has(ports):
            return False
        for port in ports:
            self._take(port)
        return True

    def take_random(self, count: int, rng: random.Random) -> tuple[int, ...]:
        """`count` free ports, each free port as likely as any other (caller checked there
        are enough), sorted. A pick in the offer's span that lands on a used port is drawn
        again: when few are used, as with random ports, that is rare."""
        low, high = self._begins[0], self._ends[-1]
        picked: set[int] = set()
        misses = 0
        while len(picked) < count and misses < PICK_TRIES:
            port = rng.randint(low, high)
            if port in self and port not in picked:
                picked.add(port)
            else:
                misses += 1
        if len(picked) < count:  # mostly used: pick by index among the free ones
            left = [p for b, e in zip(self._begins, self._ends, strict=True)
                    for p in range(b, e + 1) if p not in picked]
            picked.update(rng.sample(left, count - len(picked)))
        for port in picked:
            self._take(port)
        return tuple(sorted(picked))

    def _take(self, port: int) -> None:
        at = bisect.bisect_right(self._begins, port) - 1
        begin, end = self._begins[at], self._ends[at]
        if begin == end:
            del self._begins[at], self._ends[at]
        elif port == begin:
            self._begins[at] = port + 1
        elif port == end:
            self._ends[at] = port - 1
        else:
            self._ends[at] = port - 1
            self._begins.insert(at + 1, port + 1)
            self._ends.insert(at + 1, end)
        self.count -= 1
