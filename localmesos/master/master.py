"""The master: framework subscriptions, scheduler calls, offers, failover timers."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from typing import Any

from localmesos.agent.agent import Agent, AgentConfig
from localmesos.agent.executors import command_executor_info
from localmesos.master import validation
from localmesos.master.allocator import Allocator
from localmesos.master.frameworks import Framework, Task
from localmesos.master.offers import OfferBook, refuse_seconds
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
        agent_config: AgentConfig,
        total: Resources,
        heartbeat_seconds: float,
    ) -> None:
        self.id: str = master_info["id"]
        self.info = master_info
        self.start_time = time.time()
        self.heartbeat_seconds = heartbeat_seconds
        self.frameworks: dict[str, Framework] = {}
        self.completed_frameworks: deque[Framework] = deque(maxlen=COMPLETED_FRAMEWORKS_KEPT)
        self.removed: set[str] = set()
        self.book = OfferBook(total, self.id)
        self.agent = Agent(agent_config, self)
        self._framework_ids = (f"{self.id}-{n:04d}" for n in itertools.count())
        self.allocator = Allocator(self.book, self.frameworks, self.agent)

    def start(self) -> None:
        self.allocator.start()

    async def stop(self, executor_grace_seconds: float) -> None:
        self.allocator.stop()
        for framework in self.frameworks.values():
            if framework.stream is not None:
                framework.stream.close()
        await self.agent.shutdown(executor_grace_seconds)

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
        self.agent.updates.flush(framework.id)
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
        self.book.withdraw(framework.id)

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
        self.book.withdraw(framework.id)
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
        self.book.withdraw(framework.id)
        self.book.clear_refusals(framework.id)
        for task in list(framework.tasks.values()):
            if not task.state.terminal:
                self.book.used = self.book.used - task.resources
                task.state = TaskState.TASK_KILLED
                task.statuses.append({"state": task.state.value, "timestamp": time.time()})
            framework.complete(task)
        for resources in framework.executors.values():
            self.book.used = self.book.used - resources
        framework.executors.clear()
        self.agent.remove_framework(framework.id)
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
        offers, error = self.book.take(framework.id, offer_ids)
        if error:
            self._reject_launches(framework, operations, error)
            self.allocator.request()
            return
        pool = Resources()
        for offer in offers:
            pool = pool + offer.resources
        for operation in operations:
            if operation["type"] == "LAUNCH":
                for task in operation.get("launch", {}).get("task_infos", []):
                    pool = self._launch(framework, task, pool)
            elif operation["type"] == "LAUNCH_GROUP":
                for task in (
                    operation.get("launch_group", {}).get("task_group", {}).get("tasks", [])
                ):
                    self._task_error(
                        framework,
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
        self.book.refuse(framework.id, pool, refuse_seconds(body.get("filters")), now)
        self.allocator.request()

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

    def _launch(self, framework: Framework, task: dict[str, Any], pool: Resources) -> Resources:
        """Validate and start one task; returns what is left of the offered pool."""
        error = validation.task_error(task, framework, self.agent.config.agent_id, pool)
        if error is not None:
            self._task_error(framework, task, error, "REASON_TASK_INVALID")
            return pool
        task_resources = Resources.from_json(task.get("resources", []))
        resources = task_resources
        executor_info = task.get("executor") or command_executor_info(task)
        executor_id = executor_info["executor_id"]["value"]
        executor_info = {**executor_info, "framework_id": {"value": framework.id}}
        if not self.agent.has_executor(framework.id, executor_id):
            executor_resources = Resources.from_json(executor_info.get("resources", []))
            framework.executors[executor_id] = executor_resources
            resources = resources + executor_resources
        if not pool.contains(resources):
            framework.executors.pop(executor_id, None)
            self._task_error(
                framework,
                task,
                "Task and its executor need more resources than offered",
                "REASON_TASK_INVALID",
            )
            return pool
        record = Task(task, framework.id, executor_id, task_resources)
        record.statuses.append({"state": record.state.value, "timestamp": time.time()})
        framework.tasks[record.id] = record
        self.book.used = self.book.used + resources
        self.agent.launch_task(framework.info, task, executor_info)
        return pool - resources

    def _task_error(self, framework: Framework, task: Any, message: str, reason: str) -> None:
        task_id = id_value(task.get("task_id")) if isinstance(task, dict) else None
        framework.send(
            _update(
                make_status(
                    task_id or "",
                    TaskState.TASK_ERROR,
                    source="SOURCE_MASTER",
                    reason=reason,
                    message=message,
                    agent_id=self.agent.config.agent_id,
                )
            )
        )

    def _decline(self, framework: Framework, body: dict[str, Any]) -> None:
        offer_ids = [i for o in body.get("offer_ids", []) if (i := id_value(o))]
        declined = self.book.withdraw(framework.id, offer_ids)
        now = asyncio.get_running_loop().time()
        self.book.refuse(framework.id, declined, refuse_seconds(body.get("filters")), now)
        self.allocator.request()

    def _revive(self, framework: Framework, body: dict[str, Any]) -> None:
        roles = body.get("roles") or framework.roles
        framework.suppressed_roles -= set(roles)
        self.book.clear_refusals(framework.id)
        self.allocator.request()

    def _suppress(self, framework: Framework, body: dict[str, Any]) -> None:
        framework.suppressed_roles |= set(body.get("roles") or framework.roles)

    def _kill(self, framework: Framework, body: dict[str, Any]) -> None:
        task_id = body["task_id"]["value"]
        task = framework.tasks.get(task_id)
        if task is None:
            self._reconcile(framework, {"tasks": [body]})
        elif not task.state.terminal:
            self.agent.kill_task(framework.id, task_id, body.get("kill_policy"))

    def _shutdown(self, framework: Framework, body: dict[str, Any]) -> None:
        self.agent.shutdown_executor(framework.id, body["executor_id"]["value"])

    def _message(self, framework: Framework, body: dict[str, Any]) -> None:
        if not isinstance(body.get("data"), str):
            raise CallError(400, "Missing required fields: message.data")
        self.agent.message_executor(framework.id, body["executor_id"]["value"], body["data"])

    def _acknowledge(self, framework: Framework, body: dict[str, Any]) -> None:
        if not is_uuid(body.get("uuid")):
            raise CallError(400, "'uuid' must be 16 bytes, base64 encoded")
        task_id = body["task_id"]["value"]
        acked = self.agent.acknowledge(framework.id, task_id, body["uuid"])
        task = framework.tasks.get(task_id)
        if acked is not None and task is not None and TaskState(acked["state"]).terminal:
            framework.complete(task)

    def _reconcile(self, framework: Framework, body: dict[str, Any]) -> None:
        for status in reconcile(framework, body.get("tasks", []), self.agent.config.agent_id):
            framework.send(_update(status))

    # -- from the agent --------------------------------------------------------------------

    def task_status_changed(self, framework_id: str, status: dict[str, Any]) -> None:
        framework = self.frameworks.get(framework_id)
        task = framework.tasks.get(status["task_id"]["value"]) if framework else None
        if task is None:
            return
        was_terminal = task.state.terminal
        task.state = TaskState(status["state"])
        task.latest = status
        task.statuses.append(
            {k: status[k] for k in ("state", "timestamp", "healthy") if k in status}
        )
        if task.state.terminal and not was_terminal:
            self.book.used = self.book.used - task.resources
            self.allocator.request()

    def deliver_update(self, framework_id: str, status: dict[str, Any]) -> None:
        framework = self.frameworks.get(framework_id)
        if framework is not None:
            framework.send(_update(status))

    def executor_message(self, framework_id: str, executor_id: str, data: str) -> None:
        framework = self.frameworks.get(framework_id)
        if framework is not None:
            framework.send(
                event(
                    "MESSAGE",
                    agent_id={"value": self.agent.config.agent_id},
                    executor_id={"value": executor_id},
                    data=data,
                )
            )

    def executor_exited(
        self, framework_id: str, executor_id: str, wait_status: int, custom: bool
    ) -> None:
        framework = self.frameworks.get(framework_id)
        if framework is None:
            return
        self.book.used = self.book.used - framework.executors.pop(executor_id, Resources())
        if custom:
            framework.send(
                event(
                    "FAILURE",
                    agent_id={"value": self.agent.config.agent_id},
                    executor_id={"value": executor_id},
                    status=wait_status,
                )
            )
        self.allocator.request()


def _update(status: dict[str, Any]) -> dict[str, Any]:
    return event("UPDATE", status=status)
