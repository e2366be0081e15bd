"""Reliable status updates: one in flight per task, re-sent until acknowledged, in order."""

from __future__ import annotations

import asyncio
from typing import Any

from localmesos.agent.status_updates import StatusUpdateManager
from localmesos.model import TaskState, make_status


def status(task_id: str, state: TaskState) -> dict[str, Any]:
    return make_status(task_id, state, source="SOURCE_EXECUTOR", reliable=True)


def run(scenario: Any) -> list[tuple[str, str]]:
    """Run `scenario(manager)` on a loop; returns what was forwarded, as (task, state)."""
    sent: list[tuple[str, str]] = []

    async def main() -> None:
        manager = StatusUpdateManager(
            lambda fw, s: sent.append((s["task_id"]["value"], s["state"])),
            first_retry_seconds=0.02,
            max_retry_seconds=0.04,
        )
        await scenario(manager)
        manager.drop_framework("fw")

    asyncio.run(main())
    return sent


def test_unacknowledged_update_is_resent_and_the_next_waits() -> None:
    async def scenario(manager: StatusUpdateManager) -> None:
        manager.add("fw", status("t", TaskState.TASK_RUNNING))
        manager.add("fw", status("t", TaskState.TASK_FINISHED))
        await asyncio.sleep(0.1)

    sent = run(scenario)
    assert len(sent) >= 3
    assert set(sent) == {("t", "TASK_RUNNING")}


def test_acknowledgement_releases_the_next_update_and_stops_retries() -> None:
    async def scenario(manager: StatusUpdateManager) -> None:
        running = status("t", TaskState.TASK_RUNNING)
        finished = status("t", TaskState.TASK_FINISHED)
        manager.add("fw", running)
        manager.add("fw", finished)
        assert manager.acknowledge("fw", "t", finished["uuid"]) is None  # not the head
        assert manager.acknowledge("fw", "t", running["uuid"]) == running
        assert manager.acknowledge("fw", "t", finished["uuid"]) == finished
        await asyncio.sleep(0.1)

    assert run(scenario) == [("t", "TASK_RUNNING"), ("t", "TASK_FINISHED")]


def test_duplicate_uuids_are_ignored_and_tasks_are_independent() -> None:
    async def scenario(manager: StatusUpdateManager) -> None:
        first = status("a", TaskState.TASK_RUNNING)
        assert manager.add("fw", first)
        assert not manager.add("fw", first)
        manager.add("fw", status("b", TaskState.TASK_RUNNING))

    assert run(scenario) == [("a", "TASK_RUNNING"), ("b", "TASK_RUNNING")]


def test_flush_resends_at_once() -> None:
    async def scenario(manager: StatusUpdateManager) -> None:
        manager.add("fw", status("t", TaskState.TASK_RUNNING))
        manager.flush("fw")
        manager.flush("other")

    assert run(scenario) == [("t", "TASK_RUNNING")] * 2
