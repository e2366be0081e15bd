"""Offers and task requests for the offer matcher's tests, with the fields a test names."""

from __future__ import annotations

from typing import Any

from scheduler.launch.constraints import Constraint, Operator
from scheduler.launch.offer_matcher import MatchPlan
from scheduler.launch.offers import Offer
from scheduler.launch.task_request import TaskRequest
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
