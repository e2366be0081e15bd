"""The Mesos v1 TaskInfo (JSON) and the TaskRequest of one attempt of a job run.

- name `ChronosTask:<job>`; resources cpus/mem/disk from the job;
- command: with `shell` the job's command (plus a manual run's arguments) runs under
  `/bin/sh -c`; without it the command is the executable and argv is
  `[command, *arguments, *manual arguments split on whitespace]` (Dromos supplies argv[0],
  which Chronos left to the job's first argument);
- environment: the job's variables, then the Chronos variables, which they cannot override;
- fetch URIs, runAsUser and maxCompletionTime are passed to Mesos;
- a job with a `container` runs as a Mesos command task (TaskInfo.command and .container,
  no executor), in its own container, as an app task does; it is launched at its slot;
- a job without one runs on the Dromos executor (its CommandInfo in `data`): a run launched
  ahead of its slot carries the label `dromos.start_at` (epoch milliseconds), and the
  executor prepares it at once and starts its command at that instant.
`executor`, `executorFlags` and `taskInfoData` are kept on the job but unused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chronos.job import Job
from mesos_vocab.labels import START_AT_LABEL
from scheduler.launch.constraints import Constraint, Operator
from scheduler.launch.task_request import JOB_PREFIX, Placement, TaskRequest
from scheduler.mesos import containers, mesos_json
from scheduler.mesos.containers import ContainerSpec, HostVolume
from scheduler.mesos.resources import Resources


def run_spec_id_for(job_name: str) -> str:
    """The launch queue's owner id for runs of `job_name` (`job:<name>`)."""
    return JOB_PREFIX + job_name


def task_request_for(job: Job, task_id: str) -> TaskRequest:
    """What the launch queue holds for one attempt of a run of `job`."""
    return TaskRequest(
        task_id=task_id,
        run_spec_id=run_spec_id_for(job.name),
        resources=_scalars(job),
        # Chronos's operators are Marathon's by name (EQUALS included, see Operator).
        constraints=tuple(Constraint(c.field, Operator(c.operator.value), c.value)
                          for c in job.constraints),
    )


def _scalars(job: Job) -> Resources:
    return Resources(cpus=job.cpus, mem=job.mem, disk=job.disk)


def build_task_info(
    job: Job,
    task_id: str,
    placement: Placement,
    executor_info: Mapping[str, Any],
    due_ms: int,
    attempt: int,
    arguments: str = "",
    start_at_ms: int | None = None,
) -> dict[str, Any]:
    """TaskInfo for attempt `attempt` of the run of `job` due at `due_ms`, on `placement`,
    to start at `start_at_ms` (None: at once; only the executor of a job without a container
    can hold a start)."""
    environment = task_environment(job, task_id, placement.hostname, due_ms, attempt)
    task: dict[str, Any] = {
        "name": f"ChronosTask:{job.name}",
        "task_id": {"value": task_id},
        "agent_id": {"value": placement.agent_id},
        "resources": mesos_json.resources(_scalars(job)),
        "command": _command(job, arguments, environment),
    }
    if job.container is not None:
        task["container"] = containers.container_info(container_spec(job.container))
    else:
        task["executor"] = dict(executor_info)
        if start_at_ms is not None:
            task["labels"] = mesos_json.labels({START_AT_LABEL: str(start_at_ms)})
    if job.max_completion_time > 0:
        task["max_completion_time"] = mesos_json.duration(job.max_completion_time)
    return task


def starts_when_launched(job: Job) -> bool:
    """A command task starts as soon as Mesos has it: a job with a container is launched at
    its slot, not ahead of it."""
    return job.container is not None


def task_environment(
    job: Job, task_id: str, hostname: str, due_ms: int, attempt: int
) -> dict[str, str]:
    """The job's variables, then the ones Chronos injects (which win on a clash)."""
    env = {var.name: var.value for var in job.environment_variables}
    env.update(
        mesos_task_id=task_id,
        MESOS_TASK_ID=task_id,
        CHRONOS_JOB_OWNER=job.owner,
        CHRONOS_JOB_NAME=job.name,
        HOST=hostname,
        CHRONOS_RESOURCE_MEM=str(job.mem),
        CHRONOS_RESOURCE_CPU=str(job.cpus),
        CHRONOS_RESOURCE_DISK=str(job.disk),
        CHRONOS_JOB_RUN_TIME=str(due_ms),
        CHRONOS_JOB_RUN_ATTEMPT=str(attempt),
    )
    return env


def container_spec(container: Mapping[str, Any]) -> ContainerSpec:
    """The ContainerSpec of Chronos's container JSON (DOCKER, or MESOS with an image)."""
    volumes = tuple(
        HostVolume(str(v.get("containerPath", "")), v.get("hostPath") or None,
                   str(v.get("mode", "RW")).upper())
        for v in container.get("volumes") or []
    )
    network_name = container.get("networkName")
    return ContainerSpec(
        type=str(container.get("type", containers.DOCKER)).upper(),
        image=str(container.get("image", "")),
        network=str(container.get("network", containers.HOST)).upper(),
        network_names=(str(network_name),) if network_name else (),
        force_pull=bool(container.get("forcePullImage", False)),
        parameters=tuple((str(p.get("key", "")), str(p.get("value", "")))
                         for p in container.get("parameters") or []),
        volumes=volumes,
    )


def _command(job: Job, arguments: str, environment: Mapping[str, str]) -> dict[str, Any]:
    command: dict[str, Any]
    if job.shell:
        value = f"{job.command} {arguments}" if arguments else job.command
        command = {"shell": True, "value": value}
    else:
        argv = [job.command, *job.arguments, *arguments.split()]
        command = {"shell": False, "value": job.command, "arguments": argv}
    command["environment"] = mesos_json.environment(environment)
    command["uris"] = [
        mesos_json.uri(f.uri, f.extract, f.executable, f.cache, f.output_file)
        for f in job.fetch
    ]
    command["user"] = job.run_as_user
    return command
