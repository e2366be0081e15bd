"""`dromos localmesos`: a Mesos stand-in cluster, a master process and its agent processes.

`dromos localmesos --agents N` runs the master and starts N agents, each with its own work
dir, hostname, attributes, share of the machine and slice of the port range.
`dromos localmesos agent --master HOST:PORT ...` runs one agent alone.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import click
from aiohttp import web

from localmesos.agent.containerizer import parse_containerizers
from localmesos.agent.main import AgentSettings, run_agent
from localmesos.master.core import Master
from localmesos.master.http import create_app
from localmesos.model import MESOS_VERSION, parse_attributes
from localmesos.resources import Resources
from localmesos.simulated import register as register_simulated

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0
PR_SET_PDEATHSIG = 1
LOG_LEVELS = ("debug", "info", "warning", "error")
DEFAULT_CONTAINERIZERS = "mesos"
DEFAULT_DOCKER = "docker"


def log_to_stderr(level: str, where: str = "") -> None:
    """Log lines stamped in UTC with milliseconds, as Mesos's own logs are read beside
    the scheduler's (one clock for every process of a cluster, whatever the host's zone)."""
    logging.basicConfig(level=level.upper(), datefmt="%Y-%m-%dT%H:%M:%S",
                        format=f"%(asctime)s.%(msecs)03dZ {where}%(name)s %(message)s")
    logging.Formatter.converter = time.gmtime


def _containerizers(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        return ",".join(parse_containerizers(value))
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


CONTAINERIZERS = click.option(
    "--containerizers", default=DEFAULT_CONTAINERIZERS, show_default=True,
    callback=_containerizers,
    help="What runs command tasks' containers, as a Mesos agent's --containerizers: mesos "
         "(a process tree on the agent) and/or docker (tasks with an image).",
)  # fmt: skip
DOCKER = click.option(
    "--docker", default=DEFAULT_DOCKER, show_default=True,
    help="The docker-compatible CLI of the docker containerizer (e.g. podman).",
)  # fmt: skip
LOG_LEVEL = click.option("--log-level", default="info", show_default=True,
                         type=click.Choice(LOG_LEVELS, case_sensitive=False),
                         help="Level of what the master and its agents log.")


def machine_resources(data_dir: Path) -> dict[str, float]:
    """What a Mesos agent detects: all cpus, memory and disk less the agent's own share."""
    mem = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    disk = shutil.disk_usage(data_dir).total // 2**20
    return {
        "cpus": float(os.cpu_count() or 1),
        "mem": float(mem - 1024 if mem >= 2048 else mem // 2),
        "disk": float(disk - 5120 if disk >= 10240 else disk // 2),
    }


def parse_ports(text: str) -> tuple[int, int]:
    begin, _, end = text.partition("-")
    try:
        first, last = int(begin), int(end or begin)
    except ValueError as error:
        raise click.BadParameter(f"expected BEGIN-END, got {text!r}") from error
    if not 0 < first <= last < 65536:
        raise click.BadParameter(f"not a port range: {text!r}")
    return first, last


def split_ports(first: int, last: int, parts: int) -> list[str]:
    """`parts` non-overlapping slices of a port range, as even as integers allow."""
    size = last - first + 1
    if size < parts:
        raise click.BadParameter(f"{size} ports cannot be split over {parts} agents")
    bounds = [first + size * n // parts for n in range(parts + 1)]
    return [f"{bounds[n]}-{bounds[n + 1] - 1}" for n in range(parts)]


def _die_with_parent() -> None:
    """In an agent before exec: if the master process is killed, its agents stop too."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _ip_as_int(ip: str) -> int:
    """Mesos' MasterInfo.ip: the IPv4 bytes in network order read as little-endian."""
    return int.from_bytes(socket.inet_aton(ip), "little")


def build_master(
    host: str, port: int, hostname: str, heartbeat: float, ping_timeout: float, max_pings: int
) -> Master:
    ip = "127.0.0.1" if host in ("0.0.0.0", "") else host
    endpoint = f"{ip}:{port}"
    master_info: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "ip": _ip_as_int(ip),
        "port": port,
        "pid": f"master@{endpoint}",
        "hostname": hostname,
        "version": MESOS_VERSION,
        "address": {"hostname": hostname, "ip": ip, "port": port},
        "capabilities": [{"type": "AGENT_UPDATE"}],
    }
    return Master(master_info, heartbeat, ping_timeout, max_pings)


def agent_argv(master: str, hostname: str, attributes: str, ports: str, work_dir: Path,
               scalars: dict[str, float], log_level: str,
               containerizers: str = DEFAULT_CONTAINERIZERS,
               docker: str = DEFAULT_DOCKER) -> list[str]:  # fmt: skip
    argv = [sys.executable, "-m", "localmesos", "agent", "--master", master,
            "--hostname", hostname, "--attributes", attributes, "--ports", ports,
            "--work-dir", str(work_dir), "--log-level", log_level,
            "--containerizers", containerizers, "--docker", docker]  # fmt: skip
    for name, value in scalars.items():
        argv += [f"--{name}", str(value)]
    return argv


async def serve(
    master: Master, host: str, port: int, agents: list[list[str]], simulated: tuple[int, float]
) -> None:
    """Serve, start the agents; on SIGTERM/SIGINT stop them (they stop their executors)."""
    runner = web.AppRunner(create_app(master), handler_cancellation=True, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    master.start()
    children = [subprocess.Popen(argv, preexec_fn=_die_with_parent) for argv in agents]
    click.echo(f"localmesos: master on http://{host}:{port}, {len(children)} agent(s)")
    if simulated[0]:
        started = asyncio.get_running_loop().time()
        register_simulated(master, *simulated)
        loop_time = asyncio.get_running_loop().time()
        click.echo(f"localmesos: {simulated[0]} simulated agents in {loop_time - started:.2f}s")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log.info("stopping: agents shut their executors down")
    for child in children:
        child.terminate()
    deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
    while any(c.poll() is None for c in children) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    for child in children:
        if child.poll() is None:
            child.kill()
    master.stop()
    await runner.cleanup()


def _scalars(data_dir: Path, share: int, **overrides: float | None) -> dict[str, float]:
    """Each agent's share of the machine, unless given."""
    scalars = {k: round(v / share, 2) for k, v in machine_resources(data_dir).items()}
    scalars.update({k: v for k, v in overrides.items() if v is not None})
    return scalars


@click.group(invoke_without_command=True)
@click.pass_context
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5050, show_default=True, help="Port of the master.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/localmesos"), show_default=True,
              help="Agents' work dirs live under it.")  # fmt: skip
@click.option("--agents", "agent_count", default=1, show_default=True,
              type=click.IntRange(0), help="Agent processes to start.")  # fmt: skip
@click.option("--ports", "port_range", default="31000-32000", show_default=True,
              help="Port range the agents offer, split between them.")  # fmt: skip
@click.option("--hostname", default=socket.gethostname(), show_default=True,
              help="Hostname of the master, and of the agent when there is one.")  # fmt: skip
@click.option(
    "--attributes",
    "attribute_list",
    multiple=True,
    help="Attributes of the agents, one option per agent (default rack:rN).",
)
@click.option("--cpus", type=float, help="Cpus of each agent (default: its share).")
@click.option("--mem", type=float, help="Memory (MB) of each agent (default: its share).")
@click.option("--disk", type=float, help="Disk (MB) of each agent (default: its share).")
@click.option("--heartbeat-seconds", default=15.0, show_default=True,
              help="Interval of HEARTBEAT events on scheduler streams.")  # fmt: skip
@click.option("--simulated-agents", default=0, show_default=True, type=click.IntRange(0),
              help="Agents in the master's process whose tasks are bookkeeping only.")  # fmt: skip
@click.option(
    "--simulated-failure-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of simulated tasks that fail at once.",
)
@click.option("--agent-ping-timeout", default=15.0, show_default=True,
              help="Seconds the master waits for an agent to answer a ping.")  # fmt: skip
@click.option("--max-agent-ping-timeouts", default=5, show_default=True, type=click.IntRange(1),
              help="Unanswered pings in a row after which an agent is unreachable.")  # fmt: skip
@CONTAINERIZERS
@DOCKER
@LOG_LEVEL
def localmesos(ctx: click.Context, host: str, port: int, data_dir: Path, agent_count: int,
               port_range: str, hostname: str, attribute_list: tuple[str, ...],
               cpus: float | None, mem: float | None, disk: float | None,
               heartbeat_seconds: float, simulated_agents: int,
               simulated_failure_rate: float, agent_ping_timeout: float,
               max_agent_ping_timeouts: int, containerizers: str, docker: str,
               log_level: str) -> None:  # fmt: skip
    """Run an embedded Mesos (a master and its agents) speaking the v1 HTTP APIs.

    With several agents on one machine each gets its own hostname (127.0.0.N, all of them
    this machine's loopback) so that placement constraints see distinct hosts."""
    if ctx.invoked_subcommand is not None:
        return
    log_to_stderr(log_level)
    data_dir = data_dir.absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    if len(attribute_list) not in (0, agent_count):
        raise click.BadParameter("give --attributes once per agent, or not at all")
    master = build_master(host, port, hostname, heartbeat_seconds, agent_ping_timeout,
                          max_agent_ping_timeouts)  # fmt: skip
    scalars = _scalars(data_dir, max(agent_count, 1), cpus=cpus, mem=mem, disk=disk)
    slices = split_ports(*parse_ports(port_range), max(agent_count, 1))
    agents = []
    for n in range(agent_count):
        name = hostname if agent_count == 1 else f"127.0.0.{n + 1}"
        attributes = attribute_list[n] if attribute_list else f"rack:r{n + 1}"
        work_dir = data_dir if agent_count == 1 else data_dir / f"agent{n + 1}"
        agents.append(agent_argv(f"127.0.0.1:{port}", name, attributes, slices[n], work_dir,
                                 scalars, log_level, containerizers, docker))  # fmt: skip
    simulated = (simulated_agents, simulated_failure_rate)
    asyncio.run(serve(master, host, port, agents, simulated))


@localmesos.command()
@click.option("--master", required=True, help="HOST:PORT of the master.")
@click.option("--port", default=0, show_default=True, help="Port of the agent (0: any free).")
@click.option("--hostname", default=socket.gethostname(), show_default=True,
              help="Hostname the agent advertises in offers.")  # fmt: skip
@click.option("--attributes", default="", help="Attributes, as Mesos takes them: 'rack:r1;zone:a'.")
@click.option("--ports", "port_range", default="31000-32000", show_default=True,
              help="Port range the agent offers.")  # fmt: skip
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Executor sandboxes and the agent's own state live under it.")  # fmt: skip
@click.option("--cpus", type=float, help="Override the detected cpus.")
@click.option("--mem", type=float, help="Override the detected memory (MB).")
@click.option("--disk", type=float, help="Override the detected disk (MB).")
@CONTAINERIZERS
@DOCKER
@LOG_LEVEL
def agent(master: str, port: int, hostname: str, attributes: str, port_range: str,
          work_dir: Path, cpus: float | None, mem: float | None,
          disk: float | None, containerizers: str, docker: str,
          log_level: str) -> None:  # fmt: skip
    """Run one agent that registers with the master at HOST:PORT."""
    log_to_stderr(log_level, f"[{hostname}] ")
    work_dir = work_dir.absolute()
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        parsed = parse_attributes(attributes)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    scalars = _scalars(work_dir, 1, cpus=cpus, mem=mem, disk=disk)
    resources = Resources.of(scalars, {"ports": [parse_ports(port_range)]})
    settings = AgentSettings(master, hostname, parsed, resources, work_dir, port,
                             tuple(containerizers.split(",")), docker)  # fmt: skip
    asyncio.run(run_agent(settings))
