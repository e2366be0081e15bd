"""A task's stdout and stderr, read through its agent's files API as on real Mesos.

The sandbox is found in the agent's /state (`executors[].directory`, live or completed,
of any framework); a task of the Dromos executor keeps its files in `tasks/<task_id>/` of
that directory, a task that is its own executor (the command executor) in the directory
itself. Reads go to the agent's `/files/read` with Mesos's offset/length semantics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from scheduler.base.errors import AgentUnavailable, MalformedRequest, NotFound
from scheduler.mesos.agents import AgentDirectory

STREAMS = ("stdout", "stderr")
AGENT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class TaskPlace:
    """Where a task ran: enough to find its sandbox."""

    task_id: str
    agent_id: str
    hostname: str


class SandboxLogs:
    """Reads task output from agents; safe to call from any thread (it holds no state)."""

    def __init__(self, agents: AgentDirectory, timeout_s: float = AGENT_TIMEOUT_S) -> None:
        self._agents = agents
        self._timeout_s = timeout_s

    def path(self, place: TaskPlace, stream: str) -> str:
        """The path of the task's `stream` file on its agent."""
        if stream not in STREAMS:
            raise MalformedRequest(f"stream must be one of {', '.join(STREAMS)}")
        address = self._agents.address(place.agent_id, place.hostname)
        state = self._get(address.state, {})
        for executor in _executors(state):
            if _runs(executor, place.task_id):
                directory = str(executor["directory"])
                if executor.get("id") != place.task_id:
                    directory += f"/tasks/{place.task_id}"
                return f"{directory}/{stream}"
        raise NotFound(f"The sandbox of task '{place.task_id}' is not on its agent any more")

    def read(self, place: TaskPlace, path: str, offset: int, length: int) -> dict[str, Any]:
        """`/files/read` of the agent: {data, offset}; offset -1 answers the size."""
        address = self._agents.address(place.agent_id, place.hostname)
        params = {"path": path, "offset": offset, "length": length}
        body: dict[str, Any] = self._get(address.base + "/files/read", params)
        return body

    def tail(self, place: TaskPlace, stream: str, max_bytes: int) -> str:
        """The last `max_bytes` of a stream, cut at a line start where one is in reach."""
        path = self.path(place, stream)
        size = int(self.read(place, path, -1, -1)["offset"])
        start = max(0, size - max_bytes)
        data = str(self.read(place, path, start, max_bytes)["data"])
        if start > 0 and "\n" in data:
            data = data.split("\n", 1)[1]
        return data

    def _get(self, url: str, params: dict[str, Any]) -> Any:
        try:
            response = requests.get(url, params=params, timeout=self._timeout_s)
        except requests.Timeout as error:
            raise AgentUnavailable(f"The agent at {url} did not answer in time", 504) from error
        except requests.RequestException as error:
            raise AgentUnavailable(f"The agent at {url} did not answer: {error}", 502) from error
        if response.status_code == 404:
            raise NotFound(f"The agent has no {params.get('path', url)}")
        if not response.ok:
            raise AgentUnavailable(
                f"The agent at {url} answered {response.status_code}: {response.text.strip()}",
                502,
            )
        return response.json()


def _executors(state: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for framework in [*state.get("frameworks", ()), *state.get("completed_frameworks", ())]:
        yield from framework.get("executors", ())
        yield from framework.get("completed_executors", ())


def _runs(executor: dict[str, Any], task_id: str) -> bool:
    if executor.get("id") == task_id:
        return True
    tasks = [*executor.get("tasks", ()), *executor.get("queued_tasks", ()),
             *executor.get("completed_tasks", ())]
    return any(task.get("id") == task_id for task in tasks)
