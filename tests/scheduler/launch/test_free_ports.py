"""FreePorts against plain set arithmetic."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from scheduler.launch.free_ports import FreePorts
from scheduler.mesos.resources import PortRange


def ports_of(free: FreePorts) -> set[int]:
    return {p for r in free.ranges() for p in range(r.begin, r.end + 1)}


ranges = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), max_size=12).map(
    lambda spans: _disjoint(spans))


def _disjoint(spans: list[tuple[int, int]]) -> list[PortRange]:
    taken: set[int] = set()
    out = []
    for begin, length in spans:
        span = set(range(begin, begin + length + 1))
        if not span & taken and not (span | {begin - 1, begin + length + 1}) & taken:
            taken |= span
            out.append(PortRange(begin, begin + length))
    return out


@given(ranges, st.lists(st.integers(0, 350), max_size=30), st.integers(0, 10**6))
def test_taking_ports_leaves_what_the_sets_leave(
    offered: list[PortRange], exact: list[int], seed: int
) -> None:
    free = FreePorts(offered)
    expected = {p for r in offered for p in range(r.begin, r.end + 1)}
    assert ports_of(free) == expected and free.count == len(expected)
    for port in range(-1, 352):
        assert (port in free) == (port in expected)
    wanted = list(dict.fromkeys(exact))
    assert free.take_exact(wanted) == (set(wanted) <= expected)
    if set(wanted) <= expected:
        expected -= set(wanted)
    assert ports_of(free) == expected and free.count == len(expected)
    count = min(len(expected), seed % 5)
    if count:
        picked = free.take_random(count, random.Random(seed))
        assert len(set(picked)) == count and set(picked) <= expected
        assert list(picked) == sorted(picked)
        expected -= set(picked)
    assert ports_of(free) == expected and free.count == len(expected)


def test_a_port_named_twice_is_not_taken() -> None:
    free = FreePorts([PortRange(10, 20)])
    assert not free.take_exact([12, 12])
    assert free.count == 11


def test_random_ports_are_spread_over_every_free_port() -> None:
    """Each free port is about as likely as any other, in a span mostly free and in one
    mostly used (where picks fall back to choosing among the free ones)."""
    rng = random.Random(5)
    for offered in ([PortRange(100, 109), PortRange(200, 209)],
                    [PortRange(0, 0), PortRange(5000, 5001), PortRange(99_999, 99_999)]):
        seen: Counter[int] = Counter()
        for _ in range(4000):
            seen.update(FreePorts(offered).take_random(1, rng))
        every = [p for r in offered for p in range(r.begin, r.end + 1)]
        assert set(seen) == set(every)
        assert max(seen.values()) < 2 * min(seen.values())
