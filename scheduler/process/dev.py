"""`dromos dev`: the embedded single-node Mesos and the scheduler, as two processes.

Each runs in its own process so either can be killed and is restarted alone (the crash
tests rely on this). Both stop when `dromos dev` stops, and die with it if it is killed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import click

from scheduler.base.config import JOB_LAUNCH_LEAD_S
from scheduler.process import local_postgres
from scheduler.process.local_postgres import LocalPostgres
from scheduler.process.main import PAST_START_RULES

PR_SET_PDEATHSIG = 1
RESTART_DELAY_S = 0.5


def _die_with_parent() -> None:
    # Runs in the child before exec: if `dromos dev` is SIGKILLed, its children follow.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    pid_file: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        # Its own process group: a terminal's Ctrl-C reaches `dromos dev` alone, which stops
        # the scheduler before Mesos, so no one logs a lost connection on the way out.
        self.process = subprocess.Popen(self.argv, preexec_fn=_die_with_parent, process_group=0)
        # Written aside and renamed, so a reader never sees the file empty.
        written = self.pid_file.with_suffix(".pid.new")
        written.write_text(f"{self.process.pid}\n")
        written.replace(self.pid_file)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self, grace_s: float = 10.0) -> None:
        """Until it has exited: SIGKILL past `grace_s`. Its pid file goes."""
        if self.process is not None:
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.pid_file.unlink(missing_ok=True)


def _throwaway_postgres() -> LocalPostgres:
    if not local_postgres.available():
        raise click.UsageError("--schedulers > 1 needs PostgreSQL: give --db postgresql://... "
                               "or install PostgreSQL's binaries (Debian: postgresql)")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = LocalPostgres(sock.getsockname()[1])
    sock.close()
    server.start()
    return server


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "scheduler.process.cli", *args]


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--port", default=8080, show_default=True, type=int, help="API port")
@click.option("--mesos-port", default=5050, show_default=True, type=int)
@click.option("--data-dir", default="data", show_default=True, type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--ports", "port_range", default="31000-32000", show_default=True,
              help="the agents' port range, BEGIN-END, split between them (give each cluster on a "
                   "machine its own)")
@click.option("--job-retry-delay", default=60.0, show_default=True, type=float,
              help="seconds before a failed job run is retried")
@click.option("--job-launch-lead", default=JOB_LAUNCH_LEAD_S, show_default=True, type=float,
              help="seconds before its slot a scheduled job run is launched")
@click.option("--past-start-rule", type=click.Choice(PAST_START_RULES), default="chronos3",
              show_default=True, help="chronos3: an overdue job runs once now and skips "
                                      "forward; chronos2: overdue slots are missed")
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
              help="the log level of the scheduler and of localmesos (failed tasks are logged "
                   "as warnings)")
@click.option("--agents", default=1, show_default=True, type=click.IntRange(1),
              help="Mesos agent processes (each its own host, 127.0.0.N, when more than one)")
@click.option("--agent-ping-timeout", default=15.0, show_default=True, type=float,
              help="seconds Mesos waits for an agent's answer to a ping")
@click.option("--max-agent-ping-timeouts", default=5, show_default=True, type=click.IntRange(1),
              help="unanswered pings after which Mesos marks an agent unreachable")
@click.option("--containerizers", default="mesos", show_default=True,
              help="the agents' containerizers: mesos (command tasks as process trees) "
                   "and/or docker (tasks with an image, through --docker)")
@click.option("--docker", default="docker", show_default=True,
              help="the docker-compatible CLI the agents' docker containerizer drives "
                   "(e.g. podman)")
@click.option("--schedulers", default=1, show_default=True, type=click.IntRange(1, 9),
              help="scheduler instances (on ports PORT, PORT+1, ...); more than one needs "
                   "PostgreSQL")
@click.option("--db", "db_url", default=None,
              help="SQLAlchemy URL of the state (default: SQLite in the data dir; with "
                   "--schedulers > 1, a throwaway local PostgreSQL)")
@click.option("--lease", default=3.0, show_default=True, type=float,
              help="seconds of the leader's lease")
@click.option("--dns-port", default=0, show_default=True, type=int,
              help="the scheduler's DNS port (0: a free one, printed at start)")
@click.option("--consul-port", default=0, show_default=True, type=int,
              help="the scheduler's Consul catalog port (0: a free one, printed at start)")
@click.argument("scheduler_options", nargs=-1, type=click.UNPROCESSED)
def dev(
    port: int, mesos_port: int, data_dir: Path, host: str, port_range: str,
    job_retry_delay: float, job_launch_lead: float, past_start_rule: str, log_level: str,
    agents: int, agent_ping_timeout: float, max_agent_ping_timeouts: int,
    containerizers: str, docker: str, schedulers: int, db_url: str | None, lease: float,
    dns_port: int, consul_port: int,
    scheduler_options: tuple[str, ...],
) -> None:
    """Run an embedded single-node Mesos and the Dromos scheduler with its API.

    Other options go to `dromos scheduler` as given (e.g. --http-credentials, --tls-cert,
    --kill-drain-seconds).
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    master = f"127.0.0.1:{mesos_port}"
    postgres = None
    if schedulers > 1 and db_url is None:
        postgres = _throwaway_postgres()
        db_url = postgres.url
    children = [
        Child("localmesos", _cli("localmesos", "--port", str(mesos_port), "--ports", port_range,
                                 "--data-dir", str(data_dir / "localmesos"),
                                 "--agents", str(agents),
                                 "--agent-ping-timeout", str(agent_ping_timeout),
                                 "--max-agent-ping-timeouts", str(max_agent_ping_timeouts),
                                 "--containerizers", containerizers, "--docker", docker,
                                 "--log-level", log_level),
              data_dir / "localmesos.pid"),
    ]
    for i in range(schedulers):
        name = "scheduler" if schedulers == 1 else f"scheduler-{i + 1}"
        own_dir = data_dir if schedulers == 1 else data_dir / name
        options = ["--db", db_url, "--hostname", host] if db_url else []
        children.append(Child(name, _cli(
            "scheduler", "--master", master, "--host", host, "--port", str(port + i),
            "--data-dir", str(own_dir), "--job-retry-delay", str(job_retry_delay),
            "--job-launch-lead", str(job_launch_lead), "--past-start-rule", past_start_rule,
            "--log-level", log_level, "--lease", str(lease), *options,
            "--dns-port", str(dns_port + i if dns_port else 0),
            "--consul-port", str(consul_port + i if consul_port else 0), *scheduler_options,
        ), data_dir / f"{name}.pid"))
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    print(f"dromos dev: Mesos master on http://{master}, API on http://{host}:{port}, "
          f"data in {data_dir}", flush=True)
    try:
        while not stopping:
            for child in children:
                if child.process is not None and child.process.poll() is not None:
                    print(f"dromos dev: {child.name} exited ({child.process.returncode}); "
                          "restarting", flush=True)
                    time.sleep(RESTART_DELAY_S)
                    child.restarts += 1
                    child.start()
            time.sleep(0.1)
    finally:
        # Every scheduler at once (a standby stopped after its leader would take over and
        # print on the way out), then Mesos.
        mesos, instances = children[0], children[1:]
        for child in instances:
            child.terminate()
        for child in instances:
            child.wait_stopped()
        mesos.terminate()
        mesos.wait_stopped()
        if postgres is not None:
            postgres.remove()
        print("dromos dev: stopped", flush=True)
    os._exit(0)
