"""Resource arithmetic: scalars in thousandths, port ranges merged and split."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localmesos.resources import ResourceError, Resources


def ports(*spans: tuple[int, int]) -> Resources:
    return Resources.of({}, {"ports": list(spans)})


def test_scalars_add_and_subtract_exactly() -> None:
    total = Resources.of({"cpus": 0.1}) + Resources.of({"cpus": 0.2})
    assert total.scalar("cpus") == 0.3
    assert (total - Resources.of({"cpus": 0.3})).is_empty()


def test_taking_a_port_splits_the_range() -> None:
    rest = ports((31000, 32000)) - ports((31005, 31005))
    assert rest.ranges["ports"] == ((31000, 31004), (31006, 32000))
    assert (rest + ports((31005, 31005))).ranges["ports"] == ((31000, 32000),)


def test_contains_checks_every_resource() -> None:
    pool = Resources.of({"cpus": 1, "mem": 128}, {"ports": [(31000, 31010)]})
    assert pool.contains(Resources.of({"cpus": 1}, {"ports": [(31002, 31003)]}))
    assert not pool.contains(Resources.of({"cpus": 1.001}))
    assert not pool.contains(ports((31010, 31011)))
    assert not pool.contains(Resources.of({"gpus": 1}))


def test_json_round_trip_and_flat_form() -> None:
    items = [
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5}},
        {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 1, "end": 2}]}},
    ]
    resources = Resources.from_json(items)
    assert Resources.from_json(resources.to_json()) == resources
    assert resources.flat()["ports"] == "[1-2]"
    assert resources.to_json("web")[0]["allocation_info"] == {"role": "web"}


@pytest.mark.parametrize(
    "item",
    [
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": -1}},
        {"name": "cpus", "type": "SCALAR"},
        {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 5, "end": 1}]}},
        {"name": "disks", "type": "SET", "set": {"item": ["a"]}},
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "reserved"},
        {"type": "SCALAR"},
    ],
)
def test_what_mesos_rejects_is_rejected(item: dict) -> None:
    with pytest.raises(ResourceError):
        Resources.from_json([item])


def port_set(resources: Resources) -> set[int]:
    return {p for begin, end in resources.ranges.get("ports", ()) for p in range(begin, end + 1)}


spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 6)).map(lambda s: (s[0], s[0] + s[1])),
    max_size=8,
)


@given(spans, spans)
def test_port_ranges_subtract_and_cover_as_sets_of_ports(
    left: list[tuple[int, int]], right: list[tuple[int, int]]
) -> None:
    a, b = ports(*left), ports(*right)
    assert port_set(a - b) == port_set(a) - port_set(b)
    assert port_set(a + b) == port_set(a) | port_set(b)
    for result in (a - b, a + b):
        rest = result.ranges.get("ports", ())
        assert list(rest) == sorted(rest)
        assert all(end + 1 < begin for (_, end), (begin, _) in itertools.pairwise(rest))
    assert a.contains(b) == (port_set(b) <= port_set(a))


def test_an_agent_with_thousands_of_one_port_tasks_subtracts_them_in_one_sweep() -> None:
    used = Resources()
    for port in range(31000, 41000, 2):
        used = used + ports((port, port))
    free = ports((31000, 41000)) - used
    assert len(free.ranges["ports"]) == 5000
    assert port_set(free) == set(range(31001, 41000, 2)) | {41000}
