"""`dromos localmesos`: run the single-node Mesos stand-in until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import uuid
from pathlib import Path
from typing import Any

import click
from aiohttp import web

from localmesos.agent.agent import AgentConfig
from localmesos.http import create_app
from localmesos.master.master import Master
from localmesos.model import MESOS_VERSION
from localmesos.resources import Resources

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


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


def _ip_as_int(ip: str) -> int:
    """Mesos' MasterInfo.ip: the IPv4 bytes in network order read as little-endian."""
    return int.from_bytes(socket.inet_aton(ip), "little")


def build_master(
    host: str,
    port: int,
    hostname: str,
    data_dir: Path,
    total: Resources,
    heartbeat_seconds: float,
) -> Master:
    master_id = str(uuid.uuid4())
    ip = "127.0.0.1" if host in ("0.0.0.0", "") else host
    endpoint = f"{ip}:{port}"
    master_info: dict[str, Any] = {
        "id": master_id,
        "ip": _ip_as_int(ip),
        "port": port,
        "pid": f"master@{endpoint}",
        "hostname": hostname,
        "version": MESOS_VERSION,
        "address": {"hostname": hostname, "ip": ip, "port": port},
        "capabilities": [{"type": "AGENT_UPDATE"}],
    }
    agent_id = f"{master_id}-S0"
    agent_info = {
        "id": {"value": agent_id},
        "hostname": hostname,
        "port": port,
        "resources": total.to_json(),
        "attributes": [],
    }
    config = AgentConfig(agent_id, hostname, endpoint, data_dir, agent_info)
    return Master(master_info, config, total, heartbeat_seconds)


async def serve(master: Master, host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT, then shut executors down and stop."""
    runner = web.AppRunner(create_app(master), handler_cancellation=True, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    master.start()
    click.echo(
        f"localmesos: master and agent on http://{host}:{port} "
        f"(data dir {master.agent.config.work_dir})",
        err=False,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log.info("stopping: shutting executors down")
    await master.stop(SHUTDOWN_GRACE_SECONDS)
    await runner.cleanup()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5050, show_default=True, help="Port of master and agent.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/localmesos"),
    show_default=True,
    help="Work dir: executor sandboxes live under it.",
)
@click.option(
    "--ports",
    "port_range",
    default="31000-32000",
    show_default=True,
    help="Port range the agent offers.",
)
@click.option(
    "--hostname",
    default=socket.gethostname(),
    show_default=True,
    help="Hostname the agent advertises in offers.",
)
@click.option("--cpus", type=float, help="Override the detected cpus.")
@click.option("--mem", type=float, help="Override the detected memory (MB).")
@click.option("--disk", type=float, help="Override the detected disk (MB).")
@click.option(
    "--heartbeat-seconds",
    default=15.0,
    show_default=True,
    help="Interval of HEARTBEAT events on scheduler streams.",
)
def localmesos(
    host: str,
    port: int,
    data_dir: Path,
    port_range: str,
    hostname: str,
    cpus: float | None,
    mem: float | None,
    disk: float | None,
    heartbeat_seconds: float,
) -> None:
    """Run an embedded single-node Mesos (master + one agent) speaking the v1 HTTP APIs."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    data_dir = data_dir.absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    scalars = machine_resources(data_dir)
    overrides = {"cpus": cpus, "mem": mem, "disk": disk}
    scalars.update({k: v for k, v in overrides.items() if v is not None})
    total = Resources.of(scalars, {"ports": [parse_ports(port_range)]})
    master = build_master(host, port, hostname, data_dir, total, heartbeat_seconds)
    asyncio.run(serve(master, host, port))
