"""Simulated agents: registered with the master like real ones, but in its process and
with bookkeeping tasks only. A launched task is TASK_RUNNING at once and stays so until
killed (or, at `failure_rate`, fails at once); no process runs. They let one machine show
how frameworks and the master behave with thousands of agents."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from localmesos.master import agent_upstream
from localmesos.master.agents import AgentRecord
from localmesos.master.core import Master
from localmesos.model import TaskState, make_status
from localmesos.resources import Resources

SIMULATED_RESOURCES = Resources.of(
    {"cpus": 4.0, "mem": 16384.0, "disk": 100000.0}, {"ports": [(31000, 32000)]}
)


class SimulatedLink:
    """Stands in for an agent process's link: commands are answered in the master's
    loop, one turn later, as reports from that agent."""

    def __init__(self, master: Master, failure_rate: float, seed: int) -> None:
        self.master = master
        self.agent: AgentRecord | None = None
        self.failure_rate = failure_rate
        self.random = random.Random(seed)
        self.closed = False
        self.tasks: dict[tuple[str, str], dict[str, Any]] = {}

    def close(self) -> None:
        self.closed = True

    def send(self, event: dict[str, Any]) -> None:
        if not self.closed:
            asyncio.get_running_loop().call_soon(self._obey, event)

    def _obey(self, command: dict[str, Any]) -> None:
        agent = self.agent
        if agent is None or agent.link is not self:
            return
        kind = command["type"]
        body = command.get(kind.lower()) or {}
        if kind == "PING":
            self._report({"type": "PONG"})
        elif kind == "LAUNCH":
            self._launch(body["framework_info"]["id"]["value"], body["task"])
        elif kind == "KILL":
            self._finish(body["framework_id"], body["task_id"], TaskState.TASK_KILLED)
        elif kind == "REMOVE_FRAMEWORK":
            self.tasks = {k: t for k, t in self.tasks.items() if k[0] != body["framework_id"]}

    def _launch(self, framework_id: str, task: dict[str, Any]) -> None:
        task_id = task["task_id"]["value"]
        self.tasks[(framework_id, task_id)] = task
        failed = self.random.random() < self.failure_rate
        self._status(framework_id, task_id, TaskState.TASK_RUNNING)
        if failed:
            self._finish(framework_id, task_id, TaskState.TASK_FAILED)

    def _finish(self, framework_id: str, task_id: str, state: TaskState) -> None:
        if self.tasks.pop((framework_id, task_id), None) is not None:
            self._status(framework_id, task_id, state)

    def _status(self, framework_id: str, task_id: str, state: TaskState) -> None:
        assert self.agent is not None
        status = make_status(
            task_id,
            state,
            source="SOURCE_EXECUTOR",
            agent_id=self.agent.id,
            executor_id=task_id,
            reliable=True,
        )
        self._report({"type": "STATUS_CHANGED", "framework_id": framework_id, "status": status})
        self._report({"type": "DELIVER", "framework_id": framework_id, "status": status})

    def _report(self, message: dict[str, Any]) -> None:
        assert self.agent is not None
        agent_upstream.apply(self.master, self.agent, message)


def register(master: Master, count: int, failure_rate: float) -> None:
    """Register `count` simulated agents, each its own host."""
    for n in range(count):
        report = {
            "agent_id": None,
            "hostname": f"sim{n + 1}.localmesos",
            "endpoint": f"127.0.0.1:{5051 + n % 60000}",
            "attributes": [{"name": "rack", "type": "TEXT", "text": {"value": f"r{n % 10 + 1}"}}],
            "resources": SIMULATED_RESOURCES.to_json(),
        }
        link = SimulatedLink(master, failure_rate, seed=n)
        link.agent, _ = master.register_agent(report, link)
