"""The master: framework subscriptions, scheduler calls, offers, failover timers."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from typing import Any

from localmesos.master import launches, partitions, v1json
from localmesos.master.agents import AgentRecord, AgentRegistry, Link
from localmesos.master.allocator import Allocator
from localmesos.master.frameworks import Framework, Task
from localmesos.master.offers import refuse_seconds
from localmesos.master.reconciliation import reconcile
from localmesos.model import CallError, TaskState, id_value, is_uuid
from localmesos.stream import HEARTBEAT, EventStream, event

log = logging.getLogger(__name__)

# As a Mesos master's default --max_completed_frameworks.
COMPLETED_FRAMEWORKS_KEPT = 50

IGNORED_CALLS = {
    "REQUEST",
    "ACCEPT_INVERSE_OFFERS",
    "DECLINE_INVERSE_OFFERS",
    "ACKNOWLEDGE_OPERATION_STATUS",
    "RECONCILE_OPERATIONS",
}


class Master:
    """Owns all master state; every method runs on the one event loop."""

    def __init__(
        self,
        master_info: dict[str, Any],
        heartbeat_seconds: float,
        ping_timeout: float,
        max_ping_timeouts: int,
    ) -> None:
        self.id: str = master_info["id"]
        self.info = master_info
        self.start_time = time.time()
        self.heartbeat_seconds = heartbeat_seconds
        self.frameworks: dict[str, Framework] = {}
        self.completed_frameworks: deque[Framework] = deque(maxlen=COMPLETED_FRAMEWORKS_KEPT)
        self.removed: set[str] = set()
        # Operator API subscribers (SUBSCRIBE on /api/v1).
        self.observers: list[EventStream] = []
        self.agents = AgentRegistry(self.id, ping_timeout, max_ping_timeouts, self._agent_lost)
        self._framework_ids = (f"{self.id}-{n:04d}" for n in itertools.count())
        self.allocator = Allocator(self.agents, self.frameworks)

    def start(self) -> None:
        self.allocator.start()
        self.agents.start()

    def stop(self) -> None:
        self.allocator.stop()
        self.agents.stop()
        for framework in self.frameworks.values():
            if framework.stream is not None:
                framework.stream.close()

    def publish(self, kind: str, **body: Any) -> None:
        """An event for every operator API subscriber still listening."""
        self.observers = [o for o in self.observers if not o.closed]
        for observer in self.observers:
            observer.send(event(kind, **body))

    def _withdraw(self, framework_id: str) -> None:
        for agent in self.agents.by_id.values():
            agent.book.withdraw(framework_id)

    def _agent_of_task(self, task: Task) -> AgentRecord:
        return self.agents.by_id[task.agent_id]

    # -- subscriptions ---------------------------------------------------------------------

    def subscribe(self, call: dict[str, Any]) -> EventStream:
        """SUBSCRIBE: a new stream that starts with SUBSCRIBED, or with ERROR then ends."""
        body = call["subscribe"]
        info = dict(body["framework_info"])
        for name in ("user", "name"):
            if not isinstance(info.get(name), str):
                raise CallError(400, f"Missing required fields: framework_info.{name}")
        call_id, info_id = id_value(call.get("framework_id")), id_value(info.get("id"))
        if call_id != info_id:
            raise CallError(400, "'framework_id' differs from 'subscribe.framework_info.id'")
        stream = EventStream(self.heartbeat_seconds, "scheduler.Event")
        if info_id in self.removed:
            stream.send(event("ERROR", message="Framework has been removed"))
            stream.close()
            return stream
        framework = self.frameworks.get(info_id) if info_id else None
        new = framework is None
        if framework is None:
            framework = Framework(info_id or next(self._framework_ids), info)
            self.frameworks[framework.id] = framework
        else:
            self._fail_over(framework)
        self._apply_info(framework, body)
        if new:
            self.publish("FRAMEWORK_ADDED", framework=v1json.framework(framework, []))
        framework.stream = stream
        stream.send(
            event(
                "SUBSCRIBED",
                framework_id={"value": framework.id},
                heartbeat_interval_seconds=self.heartbeat_seconds,
                master_info=self.info,
            )
        )
        stream.send(HEARTBEAT)
        log.info("framework %s (%s) subscribed", framework.id, info.get("name"))
        for agent in self.agents.reachable():
            agent.send("FLUSH", framework_id=framework.id)
        self.allocator.request(everywhere=True)
        return stream

    def _fail_over(self, framework: Framework) -> None:
        """Re-subscription: the old stream (if any) ends, offers are withdrawn, tasks kept."""
        if framework.stream is not None:
            framework.stream.send(event("ERROR", message="Framework failed over"))
            framework.stream.close()
            framework.stream = None
        if framework.failover_timer is not None:
            framework.failover_timer.cancel()
            framework.failover_timer = None
        self._withdraw(framework.id)

    @staticmethod
    def _apply_info(framework: Framework, body: dict[str, Any]) -> None:
        """New FrameworkInfo from SUBSCRIBE/UPDATE_FRAMEWORK; user and checkpoint stay."""
        kept: dict[str, Any] = {
            k: framework.info[k] for k in ("user", "checkpoint", "principal") if k in framework.info
        }
        framework.info = {**body["framework_info"], **kept, "id": {"value": framework.id}}
        framework.suppressed_roles = set(body.get("suppressed_roles") or [])

    def stream_closed(self, stream: EventStream) -> None:
        """The subscriber went away: keep tasks, start the failover timer."""
        framework = next((f for f in self.frameworks.values() if f.stream is stream), None)
        if framework is None:
            return
        framework.stream = None
        self._withdraw(framework.id)
        log.info(
            "framework %s disconnected; failover in %ss", framework.id, framework.failover_timeout
        )
        framework.failover_timer = asyncio.get_running_loop().call_later(
            framework.failover_timeout, self.remove_framework, framework
        )
        self.allocator.request()

    def remove_framework(self, framework: Framework) -> None:
        """TEARDOWN or failover timeout: kill its tasks and executors, forget its offers."""
        if framework.failover_timer is not None:
            framework.failover_timer.cancel()
        if framework.stream is not None:
            framework.stream.close()
            framework.stream = None
        for agent in self.agents.by_id.values():
            agent.book.withdraw(framework.id)
            agent.book.clear_refusals(framework.id)
            agent.send("REMOVE_FRAMEWORK", framework_id=framework.id)
        framework.tasks.update(framework.unreachable_tasks)
        framework.unreachable_tasks.clear()
        for task in list(framework.tasks.values()):
            if not task.state.terminal:
                book = self._agent_of_task(task).book
                book.used = book.used - task.resources
                task.state = TaskState.TASK_KILLED
                task.statuses.append({"state": task.state.value, "timestamp": time.time()})
            framework.complete(task)
        for (agent_id, _), resources in framework.executors.items():
            book = self.agents.by_id[agent_id].book
            book.used = book.used - resources
        framework.executors.clear()
        del self.frameworks[framework.id]
        self.removed.add(framework.id)
        self.completed_frameworks.append(framework)
        log.info("framework %s removed", framework.id)
        self.allocator.request()

    # -- scheduler calls (everything but SUBSCRIBE) ----------------------------------------

    def call(self, call: dict[str, Any], stream_id: str | None) -> None:
        """Apply an accepted call; refusals raise CallError, the rest is reported by events."""
        kind = call["type"]
        framework = self.frameworks.get(call["framework_id"]["value"])
        if framework is None:
            raise CallError(400, "Framework cannot be found")
        if framework.stream is None:
            raise CallError(403, "Framework is not subscribed")
        if stream_id != framework.stream.id:
            raise CallError(400, "The stream ID included in this request didn't match")
        if kind in IGNORED_CALLS:
            log.info("framework %s: %s is accepted and ignored", framework.id, kind)
            return
        getattr(self, f"_{kind.lower()}")(framework, call.get(kind.lower()) or {})

    def _teardown(self, framework: Framework, _: dict[str, Any]) -> None:
        self.remove_framework(framework)

    def _update_framework(self, framework: Framework, body: dict[str, Any]) -> None:
        if id_value(body["framework_info"].get("id")) != framework.id:
            raise CallError(400, "'framework_info.id' does not match 'framework_id'")
        self._apply_info(framework, body)
        self.allocator.request(everywhere=True)

    def _accept(self, framework: Framework, body: dict[str, Any]) -> None:
        launches.accept(self, framework, body)

    def _decline(self, framework: Framework, body: dict[str, Any]) -> None:
        offer_ids = [i for o in body.get("offer_ids", []) if (i := id_value(o))]
        now = asyncio.get_running_loop().time()
        agents = {a.id: a for i in offer_ids if (a := self.agents.of_offer(i)) is not None}
        wanted = set(offer_ids)
        for agent in agents.values():
            declined = agent.book.withdraw(framework.id, wanted)
            agent.book.refuse(framework.id, declined, refuse_seconds(body.get("filters")), now)
        self.allocator.request()

    def _revive(self, framework: Framework, body: dict[str, Any]) -> None:
        roles = body.get("roles") or framework.roles
        framework.suppressed_roles -= set(roles)
        for agent in self.agents.by_id.values():
            agent.book.clear_refusals(framework.id)
        self.allocator.request(everywhere=True)

    def _suppress(self, framework: Framework, body: dict[str, Any]) -> None:
        framework.suppressed_roles |= set(body.get("roles") or framework.roles)

    def _kill(self, framework: Framework, body: dict[str, Any]) -> None:
        task_id = body["task_id"]["value"]
        task = framework.tasks.get(task_id)
        if task is None:
            self._reconcile(framework, {"tasks": [body]})
        elif not task.state.terminal:
            self._agent_of_task(task).send(
                "KILL",
                framework_id=framework.id,
                task_id=task_id,
                kill_policy=body.get("kill_policy"),
            )

    def _shutdown(self, framework: Framework, body: dict[str, Any]) -> None:
        self._to_executor("SHUTDOWN_EXECUTOR", framework, body)

    def _message(self, framework: Framework, body: dict[str, Any]) -> None:
        if not isinstance(body.get("data"), str):
            raise CallError(400, "Missing required fields: message.data")
        self._to_executor("MESSAGE", framework, body, data=body["data"])

    def _to_executor(
        self, kind: str, framework: Framework, body: dict[str, Any], **fields: Any
    ) -> None:
        """Pass a call about one executor to its agent (if it still has one)."""
        agent = self.agents.by_id.get(body["agent_id"]["value"])
        if agent is not None:
            executor_id = body["executor_id"]["value"]
            agent.send(kind, framework_id=framework.id, executor_id=executor_id, **fields)

    def _acknowledge(self, framework: Framework, body: dict[str, Any]) -> None:
        """Forwarded to the agent; the master retires a task whose terminal update it is."""
        if not is_uuid(body.get("uuid")):
            raise CallError(400, "'uuid' must be 16 bytes, base64 encoded")
        task_id = body["task_id"]["value"]
        agent = self.agents.by_id.get(body["agent_id"]["value"])
        if agent is None:
            return
        agent.send("ACKNOWLEDGE", framework_id=framework.id, task_id=task_id, uuid=body["uuid"])
        task = framework.tasks.get(task_id)
        latest = task.latest if task is not None else None
        if task is not None and task.state.terminal and (latest or {}).get("uuid") == body["uuid"]:
            framework.complete(task)

    def _reconcile(self, framework: Framework, body: dict[str, Any]) -> None:
        for status in reconcile(framework, body.get("tasks", []), self.agents):
            framework.send(_update(status))

    # -- from the agents -------------------------------------------------------------------

    def register_agent(
        self, report: dict[str, Any], link: Link | None = None
    ) -> tuple[AgentRecord, Link]:
        """An agent (re-)subscribes with what it runs; its command link is returned."""
        agent, new = self.agents.admit(report, link)
        self.publish("AGENT_ADDED", agent=v1json.agent(agent))
        for framework_id in partitions.agent_back(self.frameworks, agent, report, self.publish):
            if framework_id in self.removed:
                agent.send("REMOVE_FRAMEWORK", framework_id=framework_id)
        assert agent.link is not None
        agent.link.send(event("REGISTERED", agent_id=agent.id))
        log.info("agent %s (%s) %sregistered", agent.id, agent.hostname, "" if new else "re")
        self.allocator.request()
        return agent, agent.link

    def _agent_lost(self, agent: AgentRecord) -> None:
        log.info("agent %s (%s) is unreachable", agent.id, agent.hostname)
        self.publish("AGENT_REMOVED", agent_id={"value": agent.id})
        partitions.agent_lost(self.frameworks, agent, self.publish)
        self.allocator.request()


def _update(status: dict[str, Any]) -> dict[str, Any]:
    return event("UPDATE", status=status)
