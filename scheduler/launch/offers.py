"""Mesos offers as immutable values: what a framework may use from one agent, right now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from scheduler.launch.constraints import field_value, round_milli
from scheduler.mesos.resources import PortRange, Resources

Json = Mapping[str, Any]


@dataclass(frozen=True)
class Offer:
    """One Mesos v1 offer, reduced to what placement needs.

    `resources` and `ports` hold only unreserved, non-revocable resources (role "*" or
    none), the only ones a framework without MULTI_ROLE can launch with. `attributes` are
    (name, formatted value) pairs as constraints compare them; the agent's fault domain
    appears as the pseudo attributes "@region" and "@zone". `allocation_role` is the role
    the offer is allocated to (MULTI_ROLE frameworks only; None otherwise).
    """

    id: str
    agent_id: str
    hostname: str
    resources: Resources = field(default_factory=Resources)
    ports: tuple[PortRange, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    executor_ids: tuple[str, ...] = ()
    allocation_role: str | None = None

    @classmethod
    def from_mesos(cls, offer: Json) -> Offer:
        """Parse the JSON of one offer from a Mesos v1 OFFERS event."""
        usable = [r for r in offer.get("resources", ()) if _is_unreserved(r)]
        scalars: dict[str, float] = {}
        for resource in usable:
            if resource.get("type") == "SCALAR":
                name = resource["name"]
                scalars[name] = scalars.get(name, 0.0) + float(resource["scalar"]["value"])
        ports = sorted(
            (
                PortRange(int(r["begin"]), int(r["end"]))
                for resource in usable
                if resource.get("name") == "ports" and resource.get("type") == "RANGES"
                for r in resource.get("ranges", {}).get("range", ())
            ),
            key=lambda r: r.begin,
        )
        return cls(
            id=offer["id"]["value"],
            agent_id=offer["agent_id"]["value"],
            hostname=offer["hostname"],
            resources=Resources(
                cpus=scalars.get("cpus", 0.0),
                mem=scalars.get("mem", 0.0),
                disk=scalars.get("disk", 0.0),
                gpus=int(scalars.get("gpus", 0.0)),
            ),
            ports=tuple(ports),
            attributes=_attributes(offer),
            executor_ids=tuple(e["value"] for e in offer.get("executor_ids", ())),
            allocation_role=offer.get("allocation_info", {}).get("role"),
        )

    def field_value(self, field: str) -> str | None:
        """The value a constraint on `field` sees on this offer (None: the agent lacks it)."""
        return field_value(field, self.hostname, self.attributes)


def format_attribute_value(value: Json) -> str:
    """Format a Mesos Value (TEXT, SCALAR, RANGES or SET) the way constraints compare it."""
    kind = value.get("type")
    if kind == "SCALAR":
        return format_scalar(float(value["scalar"]["value"]))
    if kind == "RANGES":
        ranges = value.get("ranges", {}).get("range", ())
        return "[" + ",".join(f"{r['begin']}-{r['end']}" for r in ranges) + "]"
    if kind == "SET":
        return "{" + ",".join(value.get("set", {}).get("item", ())) + "}"
    return str(value.get("text", {}).get("value", ""))


def format_scalar(number: float) -> str:
    """Round to 3 decimals, half-even, without trailing zeros: 2.0 -> "2", 0.1235 -> "0.124"."""
    exact = Decimal(repr(number))
    if not exact.is_finite():
        return repr(number)
    return f"{round_milli(exact).normalize():f}"


def _is_unreserved(resource: Json) -> bool:
    disk = resource.get("disk", {})
    return (
        resource.get("role", "*") == "*"
        and not resource.get("reservations")
        and "revocable" not in resource
        # Persistent volumes and mount disks cannot be split between tasks.
        and "persistence" not in disk
        and "source" not in disk
    )


def _attributes(offer: Json) -> tuple[tuple[str, str], ...]:
    pairs = [(a["name"], format_attribute_value(a)) for a in offer.get("attributes", ())]
    fault_domain = offer.get("domain", {}).get("fault_domain", {})
    for level in ("region", "zone"):
        name = fault_domain.get(level, {}).get("name")
        if name is not None:
            pairs.append((f"@{level}", name))
    return tuple(pairs)
