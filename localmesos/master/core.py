"""The master: framework subscriptions, scheduler calls, offers, failover timers."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from typing import Any

from localmesos.master import partitions, validation
from localmesos.master.agents import AgentRecord, AgentRegistry
from localmesos.master.allocator import Allocator
from localmesos.master.frameworks import Framework, Task
from localmesos.master.offers import Offer, refuse_seconds
from localmesos.master.reconciliation import reconcile
from localmesos.model import CallError, TaskState, id_value, is_uuid, make_status
from localmesos.resources import Resources
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
        stream = EventStream(self.heartbeat_seconds)
        if info_id in self.removed:
            stream.send(event("ERROR", message="Framework has been removed"))
            stream.close()
            return stream
        framework = self.frameworks.get(info_id) if info_id else None
        if framework is None:
            framework = Framework(info_id or next(self._framework_ids), info)
            self.frameworks[framework.id] = framework
        else:
            self._fail_over(framework)
        self._apply_info(framework, body)
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
        self.allocator.request()
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
        self.allocator.request()

    def _accept(self, framework: Framework, body: dict[str, Any]) -> None:
        offer_ids = [id_value(o) for o in body.get("offer_ids", [])]
        operations = body.get("operations", [])
        agent = self._agent_of_offer(offer_ids[0] if offer_ids else None)
        offers: list[Offer] = []
        error = f"Offer {offer_ids[0]} is no longer valid" if offer_ids else "No offers specified"
        if agent is not None:
            offers, error = agent.book.take(framework.id, offer_ids)
        if agent is None or error:
            self._reject_launches(framework, operations, error)
            self.allocator.request()
            return
        pool = Resources()
        for offer in offers:
            pool = pool + offer.resources
        for operation in operations:
            if operation["type"] == "LAUNCH":
                for task in operation.get("launch", {}).get("task_infos", []):
                    pool = self._launch(framework, agent, task, pool)
            elif operation["type"] == "LAUNCH_GROUP":
                for task in (
                    operation.get("launch_group", {}).get("task_group", {}).get("tasks", [])
                ):
                    self._task_error(
                        framework,
                        agent.id,
                        task,
                        "LAUNCH_GROUP is not supported here",
                        "REASON_TASK_GROUP_INVALID",
                    )
            else:
                log.warning(
                    "framework %s: operation %s is not supported; ignored",
                    framework.id,
                    operation["type"],
                )
        now = asyncio.get_running_loop().time()
        agent.book.refuse(framework.id, pool, refuse_seconds(body.get("filters")), now)
        self.allocator.request()

    def _agent_of_offer(self, offer_id: str | None) -> AgentRecord | None:
        return next((a for a in self.agents.reachable() if offer_id in a.book.offers), None)

    def _reject_launches(self, framework: Framework, operations: list[Any], error: str) -> None:
        state = TaskState.TASK_DROPPED if framework.partition_aware else TaskState.TASK_LOST
        for operation in operations:
            for task in operation.get("launch", {}).get("task_infos", []):
                framework.send(
                    _update(
                        make_status(
                            task["task_id"]["value"],
                            state,
                            source="SOURCE_MASTER",
                            reason="REASON_INVALID_OFFERS",
                            message=error,
                        )
                    )
                )

    def _launch(
        self, framework: Framework, agent: AgentRecord, task: dict[str, Any], pool: Resources
    ) -> Resources:
        """Validate and start one task; returns what is left of the offered pool."""
        error = validation.task_error(task, framework, agent.id, pool)
        if error is not None:
            self._task_error(framework, agent.id, task, error, "REASON_TASK_INVALID")
            return pool
        task_resources = Resources.from_json(task.get("resources", []))
        resources = task_resources
        executor = task.get("executor")
        executor_id = executor["executor_id"]["value"] if executor else task["task_id"]["value"]
        new_executor = (framework.id, executor_id) not in agent.executors
        if new_executor and executor:
            resources = resources + Resources.from_json(executor.get("resources", []))
        if not pool.contains(resources):
            self._task_error(
                framework,
                agent.id,
                task,
                "Task and its executor need more resources than offered",
                "REASON_TASK_INVALID",
            )
            return pool
        if new_executor:
            agent.executors.add((framework.id, executor_id))
            framework.executors[(agent.id, executor_id)] = resources - task_resources
        record = Task(task, framework.id, executor_id, agent.id, task_resources)
        record.statuses.append({"state": record.state.value, "timestamp": time.time()})
        framework.tasks[record.id] = record
        agent.book.used = agent.book.used + resources
        agent.send("LAUNCH", framework_info=framework.info, task=task)
        return pool - resources

    def _task_error(
        self, framework: Framework, agent_id: str, task: Any, message: str, reason: str
    ) -> None:
        task_id = id_value(task.get("task_id")) if isinstance(task, dict) else None
        framework.send(
            _update(
                make_status(
                    task_id or "",
                    TaskState.TASK_ERROR,
                    source="SOURCE_MASTER",
                    reason=reason,
                    message=message,
                    agent_id=agent_id,
                )
            )
        )

    def _decline(self, framework: Framework, body: dict[str, Any]) -> None:
        offer_ids = [i for o in body.get("offer_ids", []) if (i := id_value(o))]
        now = asyncio.get_running_loop().time()
        for agent in self.agents.reachable():
            declined = agent.book.withdraw(framework.id, offer_ids)
            agent.book.refuse(framework.id, declined, refuse_seconds(body.get("filters")), now)
        self.allocator.request()

    def _revive(self, framework: Framework, body: dict[str, Any]) -> None:
        roles = body.get("roles") or framework.roles
        framework.suppressed_roles -= set(roles)
        for agent in self.agents.by_id.values():
            agent.book.clear_refusals(framework.id)
        self.allocator.request()

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
        agent = self.agents.by_id.get(body["agent_id"]["value"])
        if agent is not None:
            agent.send(
                "SHUTDOWN_EXECUTOR",
                framework_id=framework.id,
                executor_id=body["executor_id"]["value"],
            )

    def _message(self, framework: Framework, body: dict[str, Any]) -> None:
        if not isinstance(body.get("data"), str):
            raise CallError(400, "Missing required fields: message.data")
        agent = self.agents.by_id.get(body["agent_id"]["value"])
        if agent is not None:
            agent.send(
                "MESSAGE",
                framework_id=framework.id,
                executor_id=body["executor_id"]["value"],
                data=body["data"],
            )

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

    def register_agent(self, report: dict[str, Any]) -> tuple[AgentRecord, EventStream]:
        """An agent (re-)subscribes with what it runs; its command link is returned."""
        agent, new = self.agents.admit(report)
        for framework_id in partitions.agent_back(self.frameworks, agent, report):
            if framework_id in self.removed:
                agent.send("REMOVE_FRAMEWORK", framework_id=framework_id)
        assert agent.link is not None
        agent.link.send(event("REGISTERED", agent_id=agent.id))
        log.info("agent %s (%s) %sregistered", agent.id, agent.hostname, "" if new else "re")
        self.allocator.request()
        return agent, agent.link

    def _agent_lost(self, agent: AgentRecord) -> None:
        log.info("agent %s (%s) is unreachable", agent.id, agent.hostname)
        partitions.agent_lost(self.frameworks, agent)
        self.allocator.request()


def _update(status: dict[str, Any]) -> dict[str, Any]:
    return event("UPDATE", status=status)
