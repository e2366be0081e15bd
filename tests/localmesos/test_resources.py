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


def _port_set(resources: Resources) -> set[int]:
    return {p for begin, end in resources.ranges.get("ports", ()) for p in range(begin, end + 1)}


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 6)), max_size=12),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 6)), max_size=12),
)
def test_port_arithmetic_is_set_arithmetic(left: list, right: list) -> None:
    a = ports(*((b, b + n) for b, n in left))
    b = ports(*((b, b + n) for b, n in right))
    assert _port_set(a - b) == _port_set(a) - _port_set(b)
    assert _port_set(a + b) == _port_set(a) | _port_set(b)
    assert a.contains(b) == (_port_set(b) <= _port_set(a))
    for result in (a - b, a + b):  # normalized: sorted, disjoint, never touching
        spans = result.ranges.get("ports", ())
        assert all(e1 + 1 < b2 for (_, e1), (b2, _) in itertools.pairwise(spans))
        assert all(b <= e for b, e in spans)
