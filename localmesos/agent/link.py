"""The agent's link to its master: it subscribes over HTTP with what it runs, obeys the
commands streamed back, and reports (status updates, executor exits, pongs) in batches.

When the stream ends (the master restarted, or marked this agent unreachable while it was
paused) the agent subscribes again with its agent id and its tasks, as a Mesos agent
re-registers; reports queued before that are dropped, the re-registration supersedes them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from typing import Any

import aiohttp

from localmesos.agent.core import Agent
from localmesos.agent.state import registration_report

log = logging.getLogger(__name__)

# As a Mesos agent's --registration_backoff_factor: retry at random within [0, 1 s].
REGISTRATION_BACKOFF_SECONDS = 1.0


class MasterLink:
    """Implements the agent's Upstream by posting to the master."""

    def __init__(
        self,
        master: str,
        identity: dict[str, Any],
        agent_id: str | None,
        make_agent: Callable[[str, MasterLink], Agent],
    ) -> None:
        self.url = f"http://{master}"
        self.identity = identity
        self.agent_id = agent_id
        self.agent: Agent | None = None
        self._make_agent = make_agent
        self._reports: list[dict[str, Any]] = []
        self._wakeup = asyncio.Event()
        self._registered = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._pongs: set[asyncio.Task[None]] = set()  # held: the loop keeps weak references

    # -- Upstream --------------------------------------------------------------------------

    def task_status_changed(self, framework_id: str, status: dict[str, Any]) -> None:
        self._report({"type": "STATUS_CHANGED", "framework_id": framework_id, "status": status})

    def deliver_update(self, framework_id: str, status: dict[str, Any]) -> None:
        self._report({"type": "DELIVER", "framework_id": framework_id, "status": status})

    def executor_message(self, framework_id: str, executor_id: str, data: str) -> None:
        self._report(
            {
                "type": "EXECUTOR_MESSAGE",
                "framework_id": framework_id,
                "executor_id": executor_id,
                "data": data,
            }
        )

    def executor_exited(
        self, framework_id: str, executor_id: str, wait_status: int, custom: bool
    ) -> None:
        self._report(
            {
                "type": "EXECUTOR_EXITED",
                "framework_id": framework_id,
                "executor_id": executor_id,
                "wait_status": wait_status,
                "custom": custom,
            }
        )

    def _report(self, message: dict[str, Any]) -> None:
        self._reports.append(message)
        self._wakeup.set()

    # -- the loops -------------------------------------------------------------------------

    async def run(self) -> None:
        """Stay registered until cancelled."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
            self._session = session
            sender = asyncio.create_task(self._send_reports(session))
            try:
                while True:
                    await self._subscribe(session)
                    self._registered.clear()
                    await asyncio.sleep(random.uniform(0, REGISTRATION_BACKOFF_SECONDS))
            finally:
                sender.cancel()

    async def _subscribe(self, session: aiohttp.ClientSession) -> None:
        body = {**self.identity, "agent_id": self.agent_id}
        if self.agent is not None:
            body.update(registration_report(self.agent))
        self._reports.clear()
        try:
            async with session.post(f"{self.url}/internal/agent/subscribe", json=body) as response:
                if response.status != 200:
                    log.warning("master refused registration: %s", await response.text())
                    return
                while True:
                    line = await response.content.readline()
                    if not line:
                        return
                    record = await response.content.readexactly(int(line))
                    self._obey(json.loads(record))
        except (aiohttp.ClientError, ConnectionError, asyncio.IncompleteReadError) as error:
            log.info("link to master %s lost: %r", self.url, error)

    async def _send_reports(self, session: aiohttp.ClientSession) -> None:
        while True:
            await self._wakeup.wait()
            await self._registered.wait()
            self._wakeup.clear()
            batch, self._reports = self._reports, []
            if not batch:
                continue
            body = {"agent_id": self.agent_id, "messages": batch}
            try:
                async with session.post(f"{self.url}/internal/agent/upstream", json=body) as r:
                    if r.status != 202:
                        log.info("master dropped %d reports: %s", len(batch), await r.text())
            except (aiohttp.ClientError, ConnectionError) as error:
                log.info("master unreachable, %d reports dropped: %r", len(batch), error)

    async def _pong(self) -> None:
        if self._session is None:
            return
        body = {"agent_id": self.agent_id, "messages": [{"type": "PONG"}]}
        try:
            async with self._session.post(f"{self.url}/internal/agent/upstream", json=body):
                pass
        except (aiohttp.ClientError, ConnectionError) as error:
            log.info("master unreachable, pong dropped: %r", error)

    def _obey(self, command: dict[str, Any]) -> None:
        kind = command["type"]
        if kind == "HEARTBEAT":
            return
        body = command.get(kind.lower()) or {}
        if kind == "REGISTERED":
            self._registered_as(body["agent_id"])
            return
        if kind == "PING":
            # On its own, not behind a batch of thousands of status updates in flight.
            pong = asyncio.get_running_loop().create_task(self._pong())
            self._pongs.add(pong)
            pong.add_done_callback(self._pongs.discard)
            return
        agent = self.agent
        assert agent is not None, "commands come after REGISTERED"
        if kind == "LAUNCH":
            agent.launch_task(body["framework_info"], body["task"])
        elif kind == "KILL":
            agent.kill_task(body["framework_id"], body["task_id"], body.get("kill_policy"))
        elif kind == "SHUTDOWN_EXECUTOR":
            agent.shutdown_executor(body["framework_id"], body["executor_id"])
        elif kind == "MESSAGE":
            agent.message_executor(body["framework_id"], body["executor_id"], body["data"])
        elif kind == "ACKNOWLEDGE":
            agent.acknowledge(body["framework_id"], body["task_id"], body["uuid"])
        elif kind == "REMOVE_FRAMEWORK":
            agent.remove_framework(body["framework_id"])
        elif kind == "FLUSH":
            agent.updates.flush(body["framework_id"])
        else:
            log.warning("unknown command from the master: %s", kind)

    def _registered_as(self, agent_id: str) -> None:
        if self.agent is None:
            self.agent_id = agent_id
            self.agent = self._make_agent(agent_id, self)
        log.info("registered with master %s as %s", self.url, agent_id)
        self._registered.set()
        self.agent.updates.flush()
