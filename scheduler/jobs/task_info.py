"""The Mesos v1 TaskInfo (JSON) and the TaskRequest of one attempt of a job run.

- name `ChronosTask:<job>`; resources cpus/mem/disk from the job;
- command: with `shell` the job's command (plus a manual run's arguments) runs under
  `/bin/sh -c`; without it the command is the executable and argv is
  `[command, *arguments, *manual arguments split on whitespace]` (Dromos supplies argv[0],
  which Chronos left to the job's first argument);
- environment: the job's variables, then the Chronos variables, which they cannot override;
- fetch URIs, runAsUser and maxCompletionTime are passed to Mesos;
- no executor: every attempt is a Mesos command task (TaskInfo.command, and .container for
  a job with one), so on an agent it has a container, sandbox and limits of its own, as an
  app task has;
- a run of a job without a container launched ahead of its slot waits inside its own
  command: a shell that the kernel wakes at the slot (an alarm `perl` arms; without perl,
  `date` and `sleep`), then runs the job's command. Its process is spawned and its URIs
  fetched during the launch lead, so the slot costs one wake-up (`/bin/sh` must be on the
  agent); `maxCompletionTime` is counted from the slot;
- a job with a container is launched at its slot: its image need not hold a shell.
`executor`, `executorFlags` and `taskInfoData` are kept on the job but unused.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from chronos.job import Job
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
    due_ms: int,
    attempt: int,
    arguments: str = "",
    lead_ms: int = 0,
) -> dict[str, Any]:
    """TaskInfo for attempt `attempt` of the run of `job` due at `due_ms`, on `placement`;
    launched `lead_ms` ahead of that slot, its command waits for it."""
    environment = task_environment(job, task_id, placement.hostname, due_ms, attempt)
    command = _command(job, arguments, environment)
    if lead_ms > 0:
        command = starting_at(command, due_ms)
    task: dict[str, Any] = {
        "name": f"ChronosTask:{job.name}",
        "task_id": {"value": task_id},
        "agent_id": {"value": placement.agent_id},
        "resources": mesos_json.resources(_scalars(job)),
        "command": command,
    }
    if job.max_completion_time > 0:  # Mesos counts it from the task's start: add the wait
        task["max_completion_time"] = mesos_json.duration(
            job.max_completion_time + lead_ms / 1000)
    if job.container is not None:
        task["container"] = containers.container_info(container_spec(job.container))
    return task


def starts_when_launched(job: Job) -> bool:
    """Whether a run of `job` starts as soon as Mesos has it: one with a container is
    launched at its slot, not ahead of it."""
    return job.container is not None


# Arms a one-shot ITIMER_REAL (kept across exec) for the slot and execs the same shell
# (`$0`, else /bin/sh) with a pipe it holds both ends of (fds 8 and 9), so its `read`
# blocks until the alarm comes. Too close to the slot for the shell to set its trap first,
# or with no Time::HiRes, the shell runs unarmed and sleeps instead.
_ARM_AND_EXEC = """my ($at_ms, $script, $zero) = @ARGV;
my @armed;
if (eval { require Time::HiRes; require POSIX; 1 }) {
  my $wait = $at_ms / 1000 - Time::HiRes::time();
  if ($wait > 0.5 && pipe(my $gate, my $held)) {
    POSIX::dup2(fileno($gate), 8); POSIX::dup2(fileno($held), 9);
    Time::HiRes::setitimer(Time::HiRes::ITIMER_REAL(), $wait);
    @armed = ("armed");
  }
}
exec $zero, "-c", $script, $zero, @armed;
exec "/bin/sh", "-c", $script, $zero, @armed;
"""


def starting_at(command: Mapping[str, Any], start_at_ms: int) -> dict[str, Any]:
    """`command` as a shell that waits until `start_at_ms` (epoch ms), then runs it.

    The wait is an alarm the kernel delivers to that shell at the slot (armed by `perl`,
    where the agent has it): each run's start then costs one wake-up, as a shell released
    by a pipe write; `sleep` costs a second process that exits at the slot, which put 40
    runs due together 4-8 ms further from their slot at p99 on 2 CPUs. A shell command is
    `eval`ed by that same shell rather than run by a new one: 40 runs due together start
    about twice as close to their slot (p99 35 ms against 57 ms beside a 28-34 ms floor).
    An argv command is exec'd. A slot already past waits not at all."""
    if command.get("shell", True):
        run = f"eval {shlex.quote(command.get('value', ''))}"
    else:
        run = "exec " + " ".join(shlex.quote(arg) for arg in command.get("arguments") or [])
    # Shell arithmetic is 64-bit: nanoseconds since the epoch fit.
    # The trap also writes to the pipe: dash's `read` ends when the signal interrupts it,
    # bash's reads on after the trap, until that line.
    timed = ("trap 'dromos_go=1; echo >&9' ALRM\n"
             'if [ "$1" = armed ]; then\n'
             '  until [ -n "$dromos_go" ]; do read -r _ <&8; done\n'
             "  exec 8<&- 9>&-\n"
             "else\n"
             f"  dromos_wait=$(({start_at_ms * 1_000_000} - $(date +%s%N)))\n"
             '  if [ "$dromos_wait" -gt 0 ]; then\n'
             '    sleep "$((dromos_wait / 1000000000))'
             '.$(printf %09d $((dromos_wait % 1000000000)))"\n'
             "  fi\n"
             "fi\n"
             "trap - ALRM\n"
             "set --\n"
             f"{run}\n")
    script = (f"dromos_timed={shlex.quote(timed)}\n"
              "command -v perl >/dev/null 2>&1 &&"
              f" exec perl -e {shlex.quote(_ARM_AND_EXEC)} {start_at_ms} \"$dromos_timed\" \"$0\"\n"
              'eval "$dromos_timed"\n')
    plain = {key: value for key, value in command.items() if key != "arguments"}
    return plain | {"shell": True, "value": script}


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
