"""Jobs: the owner of Chronos job runs (a `RunSpecOwner`). Filled in by the jobs work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduler.launcher import Launch
from scheduler.task_request import Placement
from scheduler.tasks import TaskRecord

if TYPE_CHECKING:
    from scheduler.framework import Framework

Json = dict[str, Any]


class JobManager:
    def __init__(self, framework: Framework) -> None:
        self.fw = framework
        self.jobs: dict[str, Any] = {}

    def restore(self) -> None:
        pass

    def build(self, placement: Placement) -> Launch | None:
        return None

    def task_changed(self, previous: TaskRecord, record: TaskRecord, status: Json) -> None:
        pass

    def is_delayed(self, run_spec_id: str) -> bool:
        return False

    def task_launched(self, record: TaskRecord) -> None:
        pass
