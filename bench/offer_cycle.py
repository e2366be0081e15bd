"""One offer cycle of the pure matcher: N offers, N UNIQUE requests, none placeable.

Every rack already runs an instance of each app, so each request is declined by every
offer: the worst case of requests x offers. Runs in this process, on the matcher
alone, with the launcher's per-offer cap and evaluation budget.
"""

from __future__ import annotations

import time

from scheduler.launch.constraints import Constraint, Operator
from scheduler.launch.launcher import MATCH_BUDGET
from scheduler.launch.offer_matcher import match
from scheduler.launch.offers import Offer
from scheduler.launch.task_request import PlacedTask, TaskRequest
from scheduler.mesos.resources import PortRange, Resources

UNIQUE_RACK = Constraint("rack", Operator.UNIQUE)
RACKS = 10


def unplaceable(n: int, apps: int) -> tuple[list[TaskRequest], list[Offer], list[PlacedTask]]:
    """n offers on n hosts in RACKS racks; n rack-UNIQUE requests spread over `apps` apps,
    each of which already has an instance in every rack."""
    def rack(i: int) -> tuple[tuple[str, str], ...]:
        return (("rack", f"r{i % RACKS}"),)

    offers = [Offer(id=f"o{i}", agent_id=f"a{i}", hostname=f"h{i}",
                    resources=Resources(4.0, 4096.0, 0.0, 0), ports=(PortRange(31000, 31099),),
                    attributes=rack(i))
              for i in range(n)]
    app_ids = [f"/app-{k}" for k in range(apps)]
    placed = [PlacedTask(app, f"a{i}", f"h{i}", rack(i)) for app in app_ids for i in range(RACKS)]
    requests = [TaskRequest(f"t{i}", app_ids[i % apps], Resources(0.1, 32.0, 0.0, 0),
                            constraints=(UNIQUE_RACK,)) for i in range(n)]
    return requests, offers, placed


def cycle(n: int, apps: int = 1) -> tuple[float, int, int]:
    """Seconds of one cycle, requests given a reason, requests left to the next cycle."""
    requests, offers, placed = unplaceable(n, apps)
    started = time.process_time()
    plan = match(requests, offers, placed, budget=MATCH_BUDGET)
    return time.process_time() - started, len(plan.waiting), len(plan.unreached)
