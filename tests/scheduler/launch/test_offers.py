from __future__ import annotations

from typing import Any

from scheduler.launch.offers import Offer, format_scalar
from scheduler.mesos.resources import PortRange, Resources


def scalar(name: str, value: float, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "SCALAR", "scalar": {"value": value}, **extra}


def ports(*ranges: tuple[int, int], **extra: Any) -> dict[str, Any]:
    return {
        "name": "ports",
        "type": "RANGES",
        "ranges": {"range": [{"begin": b, "end": e} for b, e in ranges]},
        **extra,
    }


def mesos_offer(resources: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": {"value": "O-1"},
        "framework_id": {"value": "F-1"},
        "agent_id": {"value": "S-1"},
        "hostname": "node1",
        "resources": resources,
        **extra,
    }


def test_reads_ids_hostname_and_unreserved_resources() -> None:
    offer = Offer.from_mesos(
        mesos_offer(
            [
                scalar("cpus", 4.0, role="*"),
                scalar("mem", 7168.0, role="*"),
                scalar("disk", 40000.0, role="*"),
                scalar("gpus", 2.0),
                ports((32000, 32010), (31000, 31005), role="*"),
            ],
            executor_ids=[{"value": "dromos-executor"}],
        )
    )
    assert (offer.id, offer.agent_id, offer.hostname) == ("O-1", "S-1", "node1")
    assert offer.resources == Resources(cpus=4.0, mem=7168.0, disk=40000.0, gpus=2)
    assert offer.ports == (PortRange(31000, 31005), PortRange(32000, 32010))
    assert offer.executor_ids == ("dromos-executor",)
    assert offer.allocation_role is None


def test_entries_of_the_same_resource_add_up() -> None:
    offer = Offer.from_mesos(mesos_offer([scalar("cpus", 1.5), scalar("cpus", 0.5)]))
    assert offer.resources.cpus == 2.0


def test_reserved_revocable_and_volume_resources_are_left_out() -> None:
    offer = Offer.from_mesos(
        mesos_offer(
            [
                scalar("cpus", 1.0, role="*"),
                scalar("cpus", 8.0, role="web", reservation={"principal": "p"}),
                scalar("cpus", 4.0, revocable={}),
                scalar("mem", 512.0, reservations=[{"type": "STATIC", "role": "web"}]),
                scalar("disk", 100.0, disk={"persistence": {"id": "v1"}}),
                scalar("disk", 200.0, disk={"source": {"type": "MOUNT"}}),
                scalar("disk", 50.0),
                ports((80, 90), role="web"),
            ]
        )
    )
    assert offer.resources == Resources(cpus=1.0, mem=0.0, disk=50.0)
    assert offer.ports == ()


def test_multi_role_offers_carry_their_allocation_role() -> None:
    offer = Offer.from_mesos(
        mesos_offer(
            [scalar("cpus", 1.0, allocation_info={"role": "web"})],
            allocation_info={"role": "web"},
        )
    )
    assert offer.allocation_role == "web"
    assert offer.resources.cpus == 1.0


def test_attributes_are_formatted_as_constraints_compare_them() -> None:
    offer = Offer.from_mesos(
        mesos_offer(
            [],
            attributes=[
                {"name": "rack", "type": "TEXT", "text": {"value": "r1"}},
                {"name": "weight", "type": "SCALAR", "scalar": {"value": 2.0}},
                {"name": "ratio", "type": "SCALAR", "scalar": {"value": 0.1235}},
                {
                    "name": "slots",
                    "type": "RANGES",
                    "ranges": {"range": [{"begin": 1, "end": 3}, {"begin": 7, "end": 9}]},
                },
                {"name": "disks", "type": "SET", "set": {"item": ["ssd", "hdd"]}},
            ],
        )
    )
    assert offer.attributes == (
        ("rack", "r1"),
        ("weight", "2"),
        ("ratio", "0.124"),
        ("slots", "[1-3,7-9]"),
        ("disks", "{ssd,hdd}"),
    )


def test_scalars_round_to_three_decimals_half_even() -> None:
    assert format_scalar(0.0005) == "0"
    assert format_scalar(0.0015) == "0.002"
    assert format_scalar(1.25) == "1.25"
    assert format_scalar(100.0) == "100"


def test_fault_domain_appears_as_region_and_zone() -> None:
    offer = Offer.from_mesos(
        mesos_offer(
            [],
            domain={"fault_domain": {"region": {"name": "eu"}, "zone": {"name": "eu-1a"}}},
        )
    )
    assert offer.field_value("@region") == "eu"
    assert offer.field_value("@zone") == "eu-1a"


def test_field_value_reads_hostname_and_attributes() -> None:
    offer = Offer.from_mesos(
        mesos_offer([], attributes=[{"name": "rack", "type": "TEXT", "text": {"value": "r1"}}])
    )
    assert offer.field_value("hostname") == "node1"
    assert offer.field_value("@hostname") == "node1"
    assert offer.field_value("rack") == "r1"
    assert offer.field_value("gpu") is None


def test_an_offer_with_no_resources_is_empty() -> None:
    offer = Offer.from_mesos(mesos_offer([]))
    assert offer.resources == Resources()
    assert offer.ports == ()
    assert offer.attributes == ()
    assert offer.executor_ids == ()
