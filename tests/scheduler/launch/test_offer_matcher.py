"""The offer matcher: what it places where, and the reason for each request it cannot."""

from __future__ import annotations

import random
from collections import Counter

from scheduler.launch.constraints import Constraint, Operator
from scheduler.launch.offer_matcher import NO_OFFERS, RejectCount, match
from scheduler.launch.task_request import PlacedTask
from tests.scheduler.launch.matcher_helpers import UNIQUE_HOST, offer, placed_on, request, requests


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


def test_ports_are_picked_at_random_across_fragmented_ranges() -> None:
    ranges = ((31000, 31001), (31005, 31005), (31010, 31020))
    free = {p for begin, end in ranges for p in range(begin, end + 1)}
    firsts = set()
    for seed in range(40):
        plan = match(
            [request("a", cpus=0.1, port_count=4), request("b", cpus=0.1, port_count=2)],
            [offer(ports=ranges)],
            [],
            rng=random.Random(seed),
        )
        a, b = (p.ports for p in plan.placements)
        assert len(set(a + b)) == 6 and set(a + b) <= free
        firsts.add(a[0])
    assert len(firsts) > 3  # not always the lowest


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
