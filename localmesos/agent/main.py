"""One agent process: its HTTP server (executor API, state, files) and its master link."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from localmesos.agent import containers, docker_container
from localmesos.agent.containerizer import Containerizer, Containerizers
from localmesos.agent.core import Agent, AgentConfig
from localmesos.agent.docker_container import DockerContainerizer
from localmesos.agent.http import create_app
from localmesos.agent.link import MasterLink
from localmesos.agent.process_container import ProcessContainerizer
from localmesos.resources import Resources

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class AgentSettings:
    master: str
    hostname: str
    attributes: list[dict[str, Any]]
    resources: Resources
    work_dir: Path
    port: int
    containerizers: tuple[str, ...] = ("mesos",)
    docker: str = "docker"


def containerizers_of(settings: AgentSettings, agent_id: str) -> Containerizers:
    """The containerizers the agent's flags enable."""
    enabled: dict[str, Containerizer] = {}
    if "mesos" in settings.containerizers:
        enabled["mesos"] = ProcessContainerizer()
    if "docker" in settings.containerizers:
        enabled["docker"] = DockerContainerizer(settings.docker, agent_id)
    return Containerizers(enabled, settings.containerizers, settings.docker)


def _id_file(work_dir: Path) -> Path:
    return work_dir / "meta" / "slave.id"


async def run_agent(settings: AgentSettings) -> None:
    """Serve and stay registered until SIGTERM/SIGINT, then shut executors down."""
    work_dir = settings.work_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    containers.destroy_leftovers(work_dir)
    id_file = _id_file(work_dir)
    known_id = id_file.read_text().strip() if id_file.exists() else None
    if known_id is not None and "docker" in settings.containerizers:
        await docker_container.remove_leftovers(settings.docker, known_id)
    identity: dict[str, Any] = {
        "hostname": settings.hostname,
        "attributes": settings.attributes,
        "resources": settings.resources.to_json(),
    }

    def make_agent(agent_id: str, link: MasterLink) -> Agent:
        id_file.parent.mkdir(parents=True, exist_ok=True)
        id_file.write_text(agent_id)
        agent_info = {
            "id": {"value": agent_id},
            "hostname": settings.hostname,
            "port": int(identity["endpoint"].rsplit(":", 1)[1]),
            "resources": identity["resources"],
            "attributes": settings.attributes,
        }
        config = AgentConfig(
            agent_id,
            settings.hostname,
            identity["endpoint"],
            work_dir,
            agent_info,
            containerizers_of(settings, agent_id),
        )
        return Agent(config, link)

    link = MasterLink(settings.master, identity, known_id, make_agent)
    runner = web.AppRunner(create_app(link), handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.port)
    await site.start()
    port = runner.addresses[0][1]
    identity["endpoint"] = f"127.0.0.1:{port}"
    (work_dir / "agent.pid").write_text(str(os.getpid()))
    log.info("agent %s on http://127.0.0.1:%d, master %s", settings.hostname, port, settings.master)
    linked = asyncio.create_task(link.run())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    linked.cancel()
    if link.agent is not None:
        await link.agent.shutdown(SHUTDOWN_GRACE_SECONDS)
    await runner.cleanup()
