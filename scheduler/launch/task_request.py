"""What the launch queue holds and what offer matching produces.

An app instance and a job run both become a `TaskRequest`; matching turns requests
and offers into `Placement`s; a `TaskInfo` is built from a placement by the owner of
the run spec (apps or jobs). Nothing about offers, ports or constraints is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.launch.constraints import Constraint
from scheduler.mesos.resources import Resources

JOB_PREFIX = "job:"
"""Run spec ids of job runs start with this (`job:<name>`); app ids start with `/`."""


def is_job(run_spec_id: str) -> bool:
    return run_spec_id.startswith(JOB_PREFIX)


@dataclass(frozen=True)
class TaskRequest:
    """One task waiting to be placed.

    `run_spec_id` names what the task belongs to: an app id ("/prod/web") or a job
    ("job:nightly"). `port_count` host ports are wanted; with `required_ports` those
    exact ports are wanted instead.
    """

    task_id: str
    run_spec_id: str
    resources: Resources
    port_count: int = 0
    required_ports: tuple[int, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    role: str = "*"


@dataclass(frozen=True)
class PlacedTask:
    """A task already on an agent, as constraint evaluation sees it."""

    run_spec_id: str
    agent_id: str
    hostname: str
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Placement:
    """A request bound to an offer, with the host ports it gets."""

    request: TaskRequest
    offer_id: str
    agent_id: str
    hostname: str
    ports: tuple[int, ...] = ()
    attributes: tuple[tuple[str, str], ...] = field(default=())
