from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scheduler.launch.constraints import Constraint, Operator
from scheduler.launch.offer_matcher import NO_OFFERS, MatchPlan, RejectCount, match
from scheduler.launch.offers import Offer
from scheduler.launch.task_request import PlacedTask, TaskRequest
from scheduler.mesos.resources import PortRange, Resources

UNIQUE_HOST = Constraint("hostname", Operator.UNIQUE)


def offer(
    name: str = "o1",
    host: str = "host1",
    cpus: float = 4.0,
    mem: float = 4096.0,
    disk: float = 10000.0,
    gpus: int = 0,
    ports: tuple[tuple[int, int], ...] = ((31000, 31099),),
    attributes: tuple[tuple[str, str], ...] = (),
    role: str | None = None,
) -> Offer:
    return Offer(
        id=name,
        agent_id=f"agent-{host}",
        hostname=host,
        resources=Resources(cpus, mem, disk, gpus),
        ports=tuple(PortRange(b, e) for b, e in ports),
        attributes=attributes,
        allocation_role=role,
    )


def request(
    task_id: str = "t1",
    app: str = "/app",
    cpus: float = 1.0,
    mem: float = 128.0,
    disk: float = 0.0,
    gpus: int = 0,
    port_count: int = 0,
    required_ports: tuple[int, ...] = (),
    constraints: tuple[Constraint, ...] = (),
    role: str = "*",
) -> TaskRequest:
    return TaskRequest(
        task_id=task_id,
        run_spec_id=app,
        resources=Resources(cpus, mem, disk, gpus),
        port_count=port_count,
        required_ports=required_ports,
        constraints=constraints,
        role=role,
    )


def requests(count: int, **kwargs: Any) -> list[TaskRequest]:
    return [request(f"t{i}", **kwargs) for i in range(count)]


def placed_on(plan: MatchPlan) -> dict[str, str]:
    return {p.request.task_id: p.offer_id for p in plan.placements}


def test_a_request_that_fits_is_placed_with_the_offer_agent_and_attributes() -> None:
    plan = match([request()], [offer(attributes=(("rack", "r1"),))], [])
    [placement] = plan.placements
    assert (placement.offer_id, placement.agent_id, placement.hostname) == (
        "o1",
        "agent-host1",
        "host1",
    )
    assert placement.attributes == (("rack", "r1"),)
    assert plan.waiting == {}
    assert plan.unused_offer_ids == ()


def test_without_offers_every_request_waits_for_offers() -> None:
    plan = match(requests(2), [], [])
    assert plan.waiting == {"t0": NO_OFFERS, "t1": NO_OFFERS}
    assert plan.placements == ()


def test_offer_without_enough_cpus_is_declined() -> None:
    plan = match([request(cpus=2.0)], [offer(cpus=1.5)], [])
    assert plan.waiting == {"t1": "InsufficientCpus: needs 2.0, offers have at most 1.5"}
    assert plan.unused_offer_ids == ("o1",)


def test_offer_without_enough_memory_is_declined() -> None:
    plan = match([request(mem=512.0)], [offer(mem=256.0)], [])
    assert plan.waiting == {
        "t1": "InsufficientMemory: needs 512.0 MiB, offers have at most 256.0 MiB"
    }


def test_offer_without_enough_disk_is_declined() -> None:
    plan = match([request(disk=100.0)], [offer(disk=10.0)], [])
    assert plan.waiting == {"t1": "InsufficientDisk: needs 100.0 MiB, offers have at most 10.0 MiB"}


def test_offer_without_enough_gpus_is_declined() -> None:
    plan = match([request(gpus=2)], [offer(gpus=1)], [])
    assert plan.waiting == {"t1": "InsufficientGpus: needs 2, offers have at most 1"}


def test_offer_without_enough_ports_is_declined() -> None:
    plan = match([request(port_count=3)], [offer(ports=((31000, 31001),))], [])
    assert plan.waiting == {"t1": "InsufficientPorts: needs 3 ports, offers have at most 2 ports"}


def test_offer_without_the_required_ports_is_declined() -> None:
    plan = match([request(required_ports=(80, 8080))], [offer(ports=((8000, 9000),))], [])
    assert plan.waiting == {"t1": "InsufficientPorts: needs ports 80, 8080, not all free on host1"}


def test_offer_for_another_role_is_declined() -> None:
    plan = match([request(role="web")], [offer(role="batch")], [])
    assert plan.waiting == {"t1": "UnfulfilledRole: needs role web, offers are for role batch"}


def test_role_is_accepted_on_offers_for_that_role_or_without_allocation() -> None:
    offers = [offer("o1", role="web"), offer("o2", role=None)]
    plan = match(requests(2, role="web", cpus=4.0), offers, [])
    assert placed_on(plan) == {"t0": "o1", "t1": "o2"}


def test_offer_failing_a_constraint_is_declined_with_the_constraint() -> None:
    rack = Constraint("rack", Operator.LIKE, "r[12]")
    plan = match([request(constraints=(rack,))], [offer(attributes=(("rack", "r3"),))], [])
    assert plan.waiting == {"t1": "UnfulfilledConstraint: rack LIKE r[12] (agent has r3)"}


def test_the_reason_comes_from_the_offer_that_got_furthest() -> None:
    offers = [
        offer("o1", host="host1", cpus=8.0),
        offer("o2", host="host2", cpus=0.25),
        offer("o3", host="host3", cpus=0.5),
    ]
    placed = [PlacedTask("/app", "agent-host1", "host1")]
    plan = match([request(constraints=(UNIQUE_HOST,))], offers, placed)
    assert plan.waiting == {"t1": "InsufficientCpus: needs 1.0, offers have at most 0.5"}
    offers.append(offer("o4", host="host4", mem=100.0))
    plan = match([request(constraints=(UNIQUE_HOST,))], offers, placed)
    assert plan.waiting == {
        "t1": "InsufficientMemory: needs 128.0 MiB, offers have at most 100.0 MiB"
    }


def test_several_tasks_pack_into_one_offer_until_it_is_used_up() -> None:
    plan = match(requests(5, cpus=1.0, mem=1000.0), [offer(cpus=4.0, mem=4096.0)], [])
    assert sorted(placed_on(plan)) == ["t0", "t1", "t2", "t3"]
    assert plan.waiting == {"t4": "InsufficientCpus: needs 1.0, offers have at most 0.0"}


def test_fractional_cpus_fill_an_offer_exactly() -> None:
    plan = match(requests(10, cpus=0.1, mem=1.0), [offer(cpus=1.0)], [])
    assert len(plan.placements) == 10


def test_tasks_spill_over_to_the_next_offer() -> None:
    plan = match(requests(3, cpus=2.0), [offer("o1", cpus=4.0), offer("o2", cpus=4.0)], [])
    assert placed_on(plan) == {"t0": "o1", "t1": "o1", "t2": "o2"}
    assert plan.unused_offer_ids == ()


def test_offers_that_got_nothing_are_returned_to_decline() -> None:
    plan = match([request()], [offer("o1"), offer("o2"), offer("o3", cpus=0.5)], [])
    assert plan.unused_offer_ids == ("o2", "o3")


def test_max_per_offer_caps_tasks_per_offer_in_one_round() -> None:
    plan = match(requests(3, cpus=0.1), [offer()], [], max_per_offer=2)
    assert len(plan.placements) == 2
    assert plan.waiting == {
        "t2": "MaxInstancesPerOffer: offers already got 2 tasks in this round"
    }
    plan = match(requests(3, cpus=0.1), [offer("o1"), offer("o2")], [], max_per_offer=2)
    assert placed_on(plan) == {"t0": "o1", "t1": "o1", "t2": "o2"}


def test_ports_are_the_lowest_free_across_fragmented_ranges() -> None:
    ranges = ((31000, 31001), (31005, 31005), (31010, 31020))
    plan = match(
        [request("a", cpus=0.1, port_count=4), request("b", cpus=0.1, port_count=2)],
        [offer(ports=ranges)],
        [],
    )
    assert [p.ports for p in plan.placements] == [(31000, 31001, 31005, 31010), (31011, 31012)]


def test_required_ports_are_given_exactly_and_skipped_by_later_tasks() -> None:
    plan = match(
        [
            request("a", cpus=0.1, required_ports=(31001, 31003)),
            request("b", cpus=0.1, port_count=3),
            request("c", cpus=0.1, required_ports=(31003,)),
        ],
        [offer(ports=((31000, 31004),))],
        [],
    )
    assert [p.ports for p in plan.placements] == [(31001, 31003), (31000, 31002, 31004)]
    assert plan.waiting == {"c": "InsufficientPorts: needs ports 31003, not all free on host1"}


def test_unique_hostname_on_one_agent_places_exactly_one() -> None:
    plan = match(requests(3, constraints=(UNIQUE_HOST,)), [offer()], [])
    assert list(placed_on(plan)) == ["t0"]
    assert plan.waiting == {
        "t1": "UnfulfilledConstraint: hostname UNIQUE (1 instance already on host1)",
        "t2": "UnfulfilledConstraint: hostname UNIQUE (1 instance already on host1)",
    }


def test_unique_counts_tasks_already_running_of_the_same_app_only() -> None:
    placed = [PlacedTask("/app", "agent-host1", "host1"), PlacedTask("/other", "x", "host2")]
    plan = match(
        requests(2, constraints=(UNIQUE_HOST,)),
        [offer("o1", host="host1"), offer("o2", host="host2")],
        placed,
    )
    assert placed_on(plan) == {"t0": "o2"}
    assert set(plan.waiting) == {"t1"}


def test_group_by_spreads_evenly_over_racks() -> None:
    racks = [offer(f"o{i}", f"host{i}", attributes=(("rack", f"r{i % 3}"),)) for i in range(3)]
    group_by = Constraint("rack", Operator.GROUP_BY)
    plan = match(requests(6, cpus=0.5, constraints=(group_by,)), racks, [])
    per_rack = Counter(dict(p.attributes)["rack"] for p in plan.placements)
    assert per_rack == {"r0": 2, "r1": 2, "r2": 2}


def test_group_by_fills_the_rack_behind_first() -> None:
    racks = [offer(f"o{i}", f"host{i}", attributes=(("rack", f"r{i}"),)) for i in range(2)]
    placed = [PlacedTask("/app", "a", "h", (("rack", "r0"),))] * 2
    group_by = Constraint("rack", Operator.GROUP_BY)
    plan = match(requests(3, cpus=0.5, constraints=(group_by,)), racks, placed)
    assert list(placed_on(plan).values()) == ["o1", "o1", "o0"]


def test_group_by_with_expected_values_waits_for_the_missing_rack() -> None:
    racks = [offer(f"o{i}", f"host{i}", attributes=(("rack", f"r{i}"),)) for i in range(2)]
    group_by = Constraint("rack", Operator.GROUP_BY, "3")
    plan = match(requests(3, cpus=0.5, constraints=(group_by,)), racks, [])
    assert list(placed_on(plan).values()) == ["o0", "o1"]
    assert plan.waiting["t2"].startswith("UnfulfilledConstraint: rack GROUP_BY 3")


def test_max_per_caps_instances_per_rack_across_offers() -> None:
    racks = [offer(f"o{i}", f"host{i}", attributes=(("rack", f"r{i % 2}"),)) for i in range(4)]
    max_per = Constraint("rack", Operator.MAX_PER, "2")
    plan = match(requests(5, cpus=0.5, constraints=(max_per,)), racks, [])
    assert Counter(dict(p.attributes)["rack"] for p in plan.placements) == {"r0": 2, "r1": 2}
    assert plan.waiting == {
        "t4": "UnfulfilledConstraint: rack MAX_PER 2 (2 instances already on r0)"
    }


def test_cluster_keeps_instances_on_the_value_of_running_ones() -> None:
    racks = [offer(f"o{i}", f"host{i}", attributes=(("rack", f"r{i}"),)) for i in range(3)]
    cluster = Constraint("rack", Operator.CLUSTER)
    placed = [PlacedTask("/app", "a", "h", (("rack", "r2"),))]
    plan = match(requests(2, cpus=0.5, constraints=(cluster,)), racks, placed)
    assert set(placed_on(plan).values()) == {"o2"}
    plan = match(requests(2, cpus=0.5, constraints=(cluster,)), racks, [])
    assert set(placed_on(plan).values()) == {"o0"}


def test_cluster_with_a_value_uses_only_matching_agents() -> None:
    racks = [offer(f"o{i}", f"host{i}", attributes=(("rack", f"r{i}"),)) for i in range(3)]
    cluster = Constraint("rack", Operator.CLUSTER, "r1")
    plan = match(requests(2, cpus=0.5, constraints=(cluster,)), racks, [])
    assert set(placed_on(plan).values()) == {"o1"}


def test_missing_attribute_declines_except_for_unlike() -> None:
    bare = [offer()]
    like = Constraint("rack", Operator.LIKE, "r.*")
    unlike = Constraint("rack", Operator.UNLIKE, "r1")
    plan = match([request("a", constraints=(like,)), request("b", constraints=(unlike,))], bare, [])
    assert list(placed_on(plan)) == ["b"]
    assert plan.waiting == {
        "a": "UnfulfilledConstraint: rack LIKE r.* (agent has no rack attribute)"
    }


def test_reject_summary_counts_offers_per_stage_and_app() -> None:
    offers = [
        offer("o1", host="host1"),
        offer("o2", host="host2", cpus=0.5),
        offer("o3", host="host3", mem=64.0),
    ]
    placed = [PlacedTask("/app", "agent-host1", "host1")]
    plan = match([request(constraints=(UNIQUE_HOST,))], offers, placed)
    summary = {c.reason: (c.declined, c.processed) for c in plan.reject_summary["/app"]}
    assert summary == {
        "UnfulfilledRole": (0, 3),
        "UnfulfilledConstraint": (1, 3),
        "InsufficientCpus": (1, 2),
        "InsufficientMemory": (1, 1),
        "InsufficientDisk": (0, 0),
        "InsufficientGpus": (0, 0),
        "InsufficientPorts": (0, 0),
    }


def test_reject_summary_counts_an_offer_used_by_the_app_as_accepted() -> None:
    plan = match(requests(2, constraints=(UNIQUE_HOST,)), [offer()], [])
    assert plan.reject_summary["/app"][-1] == RejectCount("InsufficientPorts", 0, 1)
    assert all(count.declined == 0 for count in plan.reject_summary["/app"])


def test_a_thousand_requests_against_ten_offers() -> None:
    offers = [offer(f"o{i}", f"host{i}", cpus=10.0, mem=100_000.0) for i in range(10)]
    many = requests(1000, cpus=0.1, mem=10.0, port_count=1)
    plan = match(many, offers, [])
    assert len(plan.placements) == 1000
    assert Counter(p.offer_id for p in plan.placements) == {o.id: 100 for o in offers}


# Property tests: random offers and requests; invariants of every plan.

port_ranges = st.lists(
    st.tuples(st.integers(1000, 1100), st.integers(0, 5)), max_size=3
).map(lambda rs: tuple(sorted({(b, b + n) for b, n in rs})))


@st.composite
def offers_strategy(draw: st.DrawFn) -> list[Offer]:
    count = draw(st.integers(0, 4))
    result = []
    for i in range(count):
        ranges = draw(port_ranges)
        disjoint: list[tuple[int, int]] = []
        for begin, end in ranges:
            if not disjoint or begin > disjoint[-1][1]:
                disjoint.append((begin, end))
        result.append(
            offer(
                f"o{i}",
                host=f"host{draw(st.integers(0, 2))}",
                cpus=draw(st.sampled_from([0.0, 0.5, 1.0, 2.5, 4.0])),
                mem=draw(st.sampled_from([0.0, 128.0, 512.0, 1024.0])),
                disk=draw(st.sampled_from([0.0, 100.0])),
                gpus=draw(st.integers(0, 2)),
                ports=tuple(disjoint),
                attributes=(("rack", draw(st.sampled_from(["r0", "r1"]))),),
            )
        )
    return result


constraint_strategy = st.sampled_from(
    [
        UNIQUE_HOST,
        Constraint("rack", Operator.GROUP_BY),
        Constraint("rack", Operator.MAX_PER, "1"),
        Constraint("rack", Operator.CLUSTER),
        Constraint("rack", Operator.LIKE, "r0"),
    ]
)


@st.composite
def requests_strategy(draw: st.DrawFn) -> list[TaskRequest]:
    count = draw(st.integers(0, 12))
    return [
        request(
            f"t{i}",
            app=draw(st.sampled_from(["/a", "/b"])),
            cpus=draw(st.sampled_from([0.1, 0.25, 0.5, 1.0])),
            mem=draw(st.sampled_from([32.0, 128.0, 256.0])),
            disk=draw(st.sampled_from([0.0, 50.0])),
            gpus=draw(st.integers(0, 1)),
            port_count=draw(st.integers(0, 3)),
            required_ports=tuple(
                draw(st.lists(st.integers(1000, 1010), max_size=2, unique=True))
            ),
            constraints=tuple(draw(st.lists(constraint_strategy, max_size=2))),
        )
        for i in range(count)
    ]


@given(requests_strategy(), offers_strategy(), st.integers(1, 5))
def test_an_offer_is_never_over_committed(
    reqs: list[TaskRequest], offers: list[Offer], max_per_offer: int
) -> None:
    plan = match(reqs, offers, [], max_per_offer=max_per_offer)
    for o in offers:
        mine = [p for p in plan.placements if p.offer_id == o.id]
        assert len(mine) <= max_per_offer
        used = [p.request.resources for p in mine]
        assert round(sum(r.cpus for r in used), 6) <= o.resources.cpus
        assert sum(r.mem for r in used) <= o.resources.mem
        assert sum(r.disk for r in used) <= o.resources.disk
        assert sum(r.gpus for r in used) <= o.resources.gpus
        ports = [port for p in mine for port in p.ports]
        assert len(ports) == len(set(ports))
        assert all(any(port in r for r in o.ports) for port in ports)
    for p in plan.placements:
        wanted = p.request.required_ports or p.ports
        assert p.ports == wanted
        assert len(p.ports) == (len(p.request.required_ports) or p.request.port_count)


@given(requests_strategy(), offers_strategy())
def test_every_request_is_placed_or_has_a_reason(
    reqs: list[TaskRequest], offers: list[Offer]
) -> None:
    plan = match(reqs, offers, [])
    placed = [p.request.task_id for p in plan.placements]
    assert len(placed) == len(set(placed))
    assert set(placed).isdisjoint(plan.waiting)
    assert set(placed) | set(plan.waiting) == {r.task_id for r in reqs}
    assert all(reason for reason in plan.waiting.values())
    used = {p.offer_id for p in plan.placements}
    assert set(plan.unused_offer_ids) == {o.id for o in offers} - used


@given(requests_strategy(), offers_strategy())
def test_placements_respect_unique_hostname(reqs: list[TaskRequest], offers: list[Offer]) -> None:
    plan = match(reqs, offers, [])
    hosts_taken: set[tuple[str, str]] = set()
    for p in plan.placements:  # in request order
        spot = (p.request.run_spec_id, p.hostname)
        if UNIQUE_HOST in p.request.constraints:
            assert spot not in hosts_taken
        hosts_taken.add(spot)
