"""The Chronos job: fields, defaults, validation from JSON and the JSON Chronos clients read.

Validation is all-or-nothing: `job_from_json` returns a complete Job or raises InvalidJob
(Chronos answers 400) before anything is stored. Dromos differences from Chronos 3.x:
- `epsilon` and `async` (2.x fields) are kept and echoed; epsilon is honoured (schedules.due).
- `uris` and `fetch` together are refused only when they disagree, so a client may POST
  back the job it read (GET copies each into the other).
- A dependent job must name parents that exist (checked by chronos.graph), where Chronos
  accepted unknown parents and silently dropped the job later (#815).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from chronos.constraints import Constraint, Operator
from chronos.errors import InvalidJob
from chronos.json_fields import JsonObject
from chronos.schedules.period import format_epsilon, parse_epsilon
from chronos.schedules.schedule import Schedule
from chronos.timefmt import format_instant, parse_instant

NAME_PATTERN = re.compile(r"[\w.-]+", re.ASCII)
CONSTRAINT_OPERATORS = {operator.value: operator for operator in Operator}
RUN_ONCE_NOW = "R1//PT24H"
JobKind = Literal["iso8601", "dependency"]


@dataclass(frozen=True)
class JobDefaults:
    """Server-wide defaults (Chronos flags --mesos_task_cpu/mem/disk, --user, --task_epsilon)."""

    cpus: float = 0.1
    mem: float = 128.0
    disk: float = 256.0
    user: str = "root"
    epsilon: timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class EnvironmentVariable:
    name: str
    value: str


@dataclass(frozen=True)
class Fetch:
    """A URI the Mesos fetcher downloads into the sandbox before the command runs."""

    uri: str
    executable: bool = False
    cache: bool = False
    extract: bool = True
    output_file: str | None = None


@dataclass(frozen=True)
class JobCounters:
    """Server-maintained outcome counters; instants are UTC (as Chronos writes them)."""

    success_count: int = 0
    error_count: int = 0
    errors_since_last_success: int = 0
    last_success: datetime | None = None
    last_error: datetime | None = None

    def after_success(self, now: datetime) -> JobCounters:
        """A run succeeded (or was marked successful) at `now`."""
        return replace(self, success_count=self.success_count + 1,
                       errors_since_last_success=0, last_success=now)

    def after_failure(self, now: datetime) -> JobCounters:
        """A run failed for good (its retries spent) at `now`."""
        return replace(self, error_count=self.error_count + 1,
                       errors_since_last_success=self.errors_since_last_success + 1,
                       last_error=now)

    @property
    def last_outcome(self) -> str:
        """`success`, `failure` or `fresh` (never run): the job's status in Chronos's summary
        and graph."""
        success, error = self.last_success, self.last_error
        if error is None:
            return "fresh" if success is None else "success"
        return "success" if success is not None and success >= error else "failure"


@dataclass(frozen=True)
class Job:
    """A job. `schedule` is None exactly when the job is dependent (runs after `parents`).

    A dependent job whose parents were all deleted keeps `parents == ()` and is disabled
    until edited (see chronos.graph).
    """

    name: str
    command: str = ""
    shell: bool = True
    arguments: tuple[str, ...] = ()
    schedule: Schedule | None = None
    parents: tuple[str, ...] = ()
    epsilon: timedelta = JobDefaults.epsilon
    retries: int = 2
    async_: bool = False
    disabled: bool = False
    concurrent: bool = False
    soft_error: bool = False
    high_priority: bool = False
    cpus: float = JobDefaults.cpus
    mem: float = JobDefaults.mem
    disk: float = JobDefaults.disk
    environment_variables: tuple[EnvironmentVariable, ...] = ()
    fetch: tuple[Fetch, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    owner: str = ""
    owner_name: str = ""
    description: str = ""
    run_as_user: str = JobDefaults.user
    container: Mapping[str, object] | None = field(default=None, hash=False)
    max_completion_time: int = 0
    executor: str = ""
    executor_flags: str = ""
    task_info_data: str = ""
    data_processing_job_type: bool = False
    counters: JobCounters = JobCounters()

    @property
    def is_dependent(self) -> bool:
        return self.schedule is None


def job_from_json(
    data: object, now: datetime, kind: JobKind = "iso8601", defaults: JobDefaults = JobDefaults()
) -> Job:
    """A validated Job from POSTed JSON (`kind` names the endpoint: /iso8601 or /dependency).

    As in Chronos, `parents` makes a job dependent, else `schedule` makes it scheduled, else
    it runs once now (`R1/<now>/PT24H`). Counters sent back by clients are kept.
    """
    body = JsonObject(data)
    name = body.string("name")
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidJob(f"the job name '{name}' is invalid: it must match ^[\\w.-]+$")
    parents = _parents(body, name)
    if kind == "dependency" and not parents:
        raise InvalidJob(f"the dependent job '{name}' needs at least one parent")
    return Job(
        name=name,
        command=body.string("command"),
        shell=body.boolean("shell", True),
        arguments=body.strings("arguments"),
        schedule=None if parents else _schedule(body, now),
        parents=parents,
        epsilon=parse_epsilon(body.string("epsilon")) if body.has("epsilon") else defaults.epsilon,
        retries=body.integer("retries", 2),
        async_=body.boolean("async"),
        disabled=body.boolean("disabled"),
        concurrent=body.boolean("concurrent"),
        soft_error=body.boolean("softError"),
        high_priority=body.boolean("highPriority"),
        cpus=body.number("cpus") or defaults.cpus,
        mem=body.number("mem") or defaults.mem,
        disk=body.number("disk") or defaults.disk,
        environment_variables=_environment(body),
        fetch=_fetch(body),
        constraints=_constraints(body),
        owner=body.string("owner"),
        owner_name=body.string("ownerName"),
        description=body.string("description"),
        run_as_user=body.string("runAsUser") or defaults.user,
        container=_container(body),
        max_completion_time=body.integer("maxCompletionTime"),
        executor=body.string("executor"),
        executor_flags=body.string("executorFlags"),
        task_info_data=body.string("taskInfoData"),
        data_processing_job_type=body.boolean("dataProcessingJobType"),
        counters=_counters(body),
    )


def job_to_json(job: Job) -> dict[str, object]:
    """The job as Chronos's GET shows it (field order as Chronos serialises it)."""
    counters = job.counters
    fetch = [_fetch_json(item) for item in job.fetch]
    out: dict[str, object] = {
        "name": job.name,
        "command": job.command,
        "shell": job.shell,
        "epsilon": format_epsilon(job.epsilon),
        "executor": job.executor,
        "executorFlags": job.executor_flags,
        "taskInfoData": job.task_info_data,
        "retries": job.retries,
        "owner": job.owner,
        "ownerName": job.owner_name,
        "description": job.description,
        "async": job.async_,
        "successCount": counters.success_count,
        "errorCount": counters.error_count,
        "lastSuccess": _instant_or_empty(counters.last_success),
        "lastError": _instant_or_empty(counters.last_error),
        "cpus": job.cpus,
        "disk": job.disk,
        "mem": job.mem,
        "disabled": job.disabled,
        "softError": job.soft_error,
        "dataProcessingJobType": job.data_processing_job_type,
        "errorsSinceLastSuccess": counters.errors_since_last_success,
        "fetch": fetch,
        "uris": [item.uri for item in job.fetch],
        "environmentVariables": [
            {"name": var.name, "value": var.value} for var in job.environment_variables
        ],
        "arguments": list(job.arguments),
        "highPriority": job.high_priority,
        "runAsUser": job.run_as_user,
        "concurrent": job.concurrent,
        "maxCompletionTime": job.max_completion_time,
        "constraints": [[c.field, c.operator.value, c.value or ""] for c in job.constraints],
    }
    if job.container is not None:
        out["container"] = copy.deepcopy(dict(job.container))
    if job.schedule is None:
        out["parents"] = list(job.parents)
    else:
        out["schedule"] = str(job.schedule)
        out["scheduleTimeZone"] = job.schedule.zone_name
    return out


def _parents(body: JsonObject, name: str) -> tuple[str, ...]:
    parents = tuple(dict.fromkeys(body.strings("parents")))
    for parent in parents:
        if not NAME_PATTERN.fullmatch(parent):
            raise InvalidJob(f"the parent name '{parent}' is invalid: it must match ^[\\w.-]+$")
        if parent == name:
            raise InvalidJob(f"the job '{name}' cannot be its own parent")
    return parents


def _schedule(body: JsonObject, now: datetime) -> Schedule:
    text = body.string("schedule", RUN_ONCE_NOW)
    return Schedule.parse(text, body.string("scheduleTimeZone"), now)


def _environment(body: JsonObject) -> tuple[EnvironmentVariable, ...]:
    variables = []
    for item in body.objects("environmentVariables"):
        name = item.string("name")
        if not name:
            raise item.error("name", "must be a non-empty string")
        variables.append(EnvironmentVariable(name, item.string("value")))
    return tuple(variables)


def _fetch(body: JsonObject) -> tuple[Fetch, ...]:
    fetch = []
    for item in body.objects("fetch"):
        uri = item.string("uri")
        if not uri:
            raise item.error("uri", "must be a non-empty string")
        output_file = item.string("output_file") or None
        fetch.append(
            Fetch(
                uri,
                item.boolean("executable"),
                item.boolean("cache"),
                item.boolean("extract", True),
                output_file,
            )
        )
    uris = body.strings("uris")
    if uris and fetch and set(uris) != {item.uri for item in fetch}:
        raise InvalidJob("Tried to specify both uris (deprecated) and fetch")
    return tuple(fetch) or tuple(Fetch(uri) for uri in uris)


def _constraints(body: JsonObject) -> tuple[Constraint, ...]:
    constraints = []
    for index, item in enumerate(body.items("constraints")):
        if not (
            isinstance(item, list) and len(item) == 3 and all(isinstance(p, str) for p in item)
        ):
            raise InvalidJob(f"'constraints[{index}]' must be [attribute, operator, value]")
        attribute, operator_name, value = item
        operator = CONSTRAINT_OPERATORS.get(operator_name.upper())
        if operator is None:
            raise InvalidJob(
                f"'constraints[{index}]': unknown operator '{operator_name}' "
                "(use EQUALS, LIKE or UNLIKE)"
            )
        if operator is not Operator.EQUALS:
            try:
                re.compile(value)
            except re.error as exc:
                raise InvalidJob(f"'constraints[{index}]': invalid regex '{value}': {exc}") from exc
        constraints.append(Constraint(attribute, operator, value))
    return tuple(constraints)


def _container(body: JsonObject) -> Mapping[str, object] | None:
    """Passed through to Mesos as given, once what scheduler.jobs.task_info reads is known sound."""
    if not body.has("container"):
        return None
    container = JsonObject(body.raw("container"), "container.")
    if container.string("type", "DOCKER").upper() not in ("DOCKER", "MESOS"):
        raise container.error("type", "must be DOCKER or MESOS")
    if not container.string("image"):
        raise container.error("image", "must be a non-empty string")
    if container.string("network", "HOST").upper() not in ("HOST", "BRIDGE", "USER", "NONE"):
        raise container.error("network", "must be HOST, BRIDGE, USER or NONE")
    container.string("networkName")
    container.boolean("forcePullImage")
    for volume in container.objects("volumes"):
        if not volume.string("containerPath"):
            raise volume.error("containerPath", "must be a non-empty string")
        volume.string("hostPath")
        if volume.string("mode", "RW").upper() not in ("RO", "RW"):
            raise volume.error("mode", "must be RO or RW")
    for parameter in container.objects("parameters"):
        parameter.string("key")
        parameter.string("value")
    return container.copy()


def _counters(body: JsonObject) -> JobCounters:
    return JobCounters(
        success_count=body.integer("successCount"),
        error_count=body.integer("errorCount"),
        errors_since_last_success=body.integer("errorsSinceLastSuccess"),
        last_success=_instant_or_none(body, "lastSuccess"),
        last_error=_instant_or_none(body, "lastError"),
    )


def _instant_or_none(body: JsonObject, key: str) -> datetime | None:
    text = body.string(key)
    return parse_instant(text, key) if text else None


def _instant_or_empty(instant: datetime | None) -> str:
    return format_instant(instant) if instant is not None else ""


def _fetch_json(item: Fetch) -> dict[str, object]:
    out: dict[str, object] = {
        "uri": item.uri,
        "executable": item.executable,
        "cache": item.cache,
        "extract": item.extract,
    }
    if item.output_file is not None:
        out["output_file"] = item.output_file
    return out
