"""Every task Dromos launched and has not forgotten, with its last known state."""

from __future__ import annotations

import bisect
import copy
import enum
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, NamedTuple

from mesos_vocab.states import TERMINAL_STATES, TaskState
from scheduler.base.changes import Changes
from scheduler.store.store import Store

# Terminal states that count as a failure for launch backoff (Marathon: not KILLED).
FAILURE_STATES = TERMINAL_STATES - {TaskState.KILLED, TaskState.GONE_BY_OPERATOR}


class Goal(enum.Enum):
    """What Dromos wants of a task: keep it running, or see it gone."""

    RUNNING = "running"
    KILL = "kill"


@dataclass(frozen=True)
class TaskRecord:
    """A task as Dromos knows it. Times are epoch seconds."""

    task_id: str
    run_spec_id: str
    version: str
    agent_id: str
    hostname: str
    staged_at: float
    ports: tuple[int, ...] = ()
    config_version: str = ""
    state: str = "TASK_STAGING"
    started_at: float | None = None
    healthy: bool | None = None
    message: str = ""
    goal: Goal = Goal.RUNNING
    kill_requested_at: float | None = None
    # Unreachable past its inactive deadline: replaced, kept until expunged (unreachable.py).
    inactive: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def is_running(self) -> bool:
        return self.state == "TASK_RUNNING"

    def to_json(self) -> dict[str, Any]:
        """Its fields as JSON values. Each write of a task makes one, so not `asdict`,
        which copies every field recursively: only `extra`, when there is one, is copied."""
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["goal"] = self.goal.value
        data["ports"] = list(self.ports)
        data["extra"] = copy.deepcopy(self.extra) if self.extra else {}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskRecord:
        values = dict(data)
        values["goal"] = Goal(values.get("goal", "running"))
        values["ports"] = tuple(values.get("ports", ()))
        return cls(**values)


_FIELD_NAMES = tuple(f.name for f in fields(TaskRecord))


class InstanceKey(NamedTuple):
    """Everything counting looks at in one task; tasks with equal keys count alike.

    The tracker keeps per run spec how many live tasks have each key, so that "how many
    instances run, are healthy, are of this config, are being killed" costs the few keys
    an app has instead of a walk of all of its tasks on every status update.
    """

    config_version: str
    running: bool
    goal: Goal
    healthy: bool | None
    inactive: bool

    @classmethod
    def of(cls, record: TaskRecord) -> InstanceKey:
        return cls(record.config_version, record.is_running, record.goal, record.healthy,
                   record.inactive)


_NONE: Mapping[InstanceKey, int] = Counter()


# One task in its class's age order: (staged_at, the order the tracker first saw it, id).
Aged = tuple[float, int, str]
_NO_MEMBERS: Mapping[InstanceKey, list[Aged]] = {}


class InstanceCounts:
    """Live (non-terminal) tasks by run spec and `InstanceKey`: how many, and which, in
    the order they were staged (so choosing the oldest or youngest k to kill costs k, not
    a walk of the app's instances)."""

    def __init__(self) -> None:
        self._by_spec: dict[str, Counter[InstanceKey]] = {}
        self._members: dict[str, dict[InstanceKey, list[Aged]]] = {}
        self._seen: dict[str, int] = {}  # task id -> when first counted, for ties of age
        self._next = itertools.count()

    def replace(self, old: TaskRecord | None, new: TaskRecord | None) -> None:
        """Count `new` instead of `old` (either may be None: a task appears or goes)."""
        if old is not None and not old.is_terminal:
            counts = self._by_spec[old.run_spec_id]
            key = InstanceKey.of(old)
            counts[key] -= 1
            members = self._members[old.run_spec_id]
            aged = members[key]
            del aged[bisect.bisect_left(aged, self.aged(old))]
            if not counts[key]:
                del counts[key]
                del members[key]
                if not counts:
                    del self._by_spec[old.run_spec_id]
                    del self._members[old.run_spec_id]
        if new is None:
            if old is not None:
                self._seen.pop(old.task_id, None)
            return
        if new.task_id not in self._seen:
            self._seen[new.task_id] = next(self._next)
        if not new.is_terminal:
            key = InstanceKey.of(new)
            self._by_spec.setdefault(new.run_spec_id, Counter())[key] += 1
            members = self._members.setdefault(new.run_spec_id, {})
            bisect.insort(members.setdefault(key, []), self.aged(new))

    def aged(self, record: TaskRecord) -> Aged:
        """Where a counted task sorts in its class."""
        return (record.staged_at, self._seen[record.task_id], record.task_id)

    def of(self, run_spec_id: str) -> Mapping[InstanceKey, int]:
        return self._by_spec.get(run_spec_id, _NONE)

    def members(self, run_spec_id: str) -> Mapping[InstanceKey, list[Aged]]:
        """The tasks of each class, oldest first (read only)."""
        return self._members.get(run_spec_id, _NO_MEMBERS)


class TaskTracker:
    """Known tasks by id and by run spec, and their counts by run spec and class; every
    change is written through to the store."""

    def __init__(self, store: Store, changes: Changes | None = None) -> None:
        self._store = store
        self._changes = changes or Changes()
        self._tasks: dict[str, TaskRecord] = {}
        self._by_spec: dict[str, dict[str, TaskRecord]] = {}
        self._counts = InstanceCounts()

    def load(self) -> None:
        for data in self._store.load_tasks().values():
            self._index(TaskRecord.from_json(data))

    def _index(self, record: TaskRecord) -> None:
        self._changes.task(record.task_id, record.run_spec_id)
        self._counts.replace(self._tasks.get(record.task_id), record)
        self._tasks[record.task_id] = record
        self._by_spec.setdefault(record.run_spec_id, {})[record.task_id] = record

    def put(self, record: TaskRecord) -> TaskRecord:
        self._store.save_task(record.task_id, record.run_spec_id, record.to_json())
        self._index(record)
        return record

    def update(self, task_id: str, **changes: Any) -> TaskRecord:
        return self.put(replace(self._tasks[task_id], **changes))

    def forget(self, task_id: str) -> TaskRecord | None:
        record = self._tasks.pop(task_id, None)
        if record is not None:
            self._changes.task(task_id, record.run_spec_id)
            self._counts.replace(record, None)
            self._store.delete_task(task_id)
            spec = self._by_spec.get(record.run_spec_id, {})
            spec.pop(task_id, None)
            if not spec:
                self._by_spec.pop(record.run_spec_id, None)
        return record

    def get(self, task_id: str) -> TaskRecord | None:
        return self._tasks.get(task_id)

    def __iter__(self) -> Iterator[TaskRecord]:
        return iter(list(self._tasks.values()))

    def __len__(self) -> int:
        return len(self._tasks)

    def of(self, run_spec_id: str) -> list[TaskRecord]:
        return list(self._by_spec.get(run_spec_id, {}).values())

    def counts(self, run_spec_id: str) -> Mapping[InstanceKey, int]:
        """How many live tasks of the run spec are in each class (kept as tasks change)."""
        return self._counts.of(run_spec_id)

    def members(self, run_spec_id: str) -> Mapping[InstanceKey, list[Aged]]:
        """Which live tasks of the run spec are in each class, oldest staged first (of the
        same age, the first known first)."""
        return self._counts.members(run_spec_id)

    def aged(self, record: TaskRecord) -> Aged:
        return self._counts.aged(record)

    def active(self, run_spec_id: str) -> list[TaskRecord]:
        """Tasks of a run spec that are not terminal and not being killed."""
        return [t for t in self.of(run_spec_id) if not t.is_terminal and t.goal is Goal.RUNNING]

    def run_spec_ids(self) -> Iterable[str]:
        return list(self._by_spec)
