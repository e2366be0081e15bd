"""A `DriverPort` that talks to no Mesos: it records every call for a test to inspect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class Launched:
    offer_id: str
    task_infos: tuple[Json, ...]
    refuse_seconds: float


@dataclass
class FakeDriver:
    """Records launches, declines, kills, revives, suppresses, acks and reconciles."""

    launches: list[Launched] = field(default_factory=list)
    declines: list[tuple[tuple[str, ...], float]] = field(default_factory=list)
    kills: list[str] = field(default_factory=list)
    revives: int = 0
    suppresses: int = 0
    acks: list[Json] = field(default_factory=list)
    reconciles: list[list[Json]] = field(default_factory=list)

    def launch(self, offer_id: str, task_infos: Sequence[Json], refuse_seconds: float) -> None:
        self.launches.append(Launched(offer_id, tuple(task_infos), refuse_seconds))

    def decline(self, offer_ids: Sequence[str], refuse_seconds: float) -> None:
        self.declines.append((tuple(offer_ids), refuse_seconds))

    def kill(self, task_id: str, agent_id: str | None) -> None:
        self.kills.append(task_id)

    def revive(self) -> None:
        self.revives += 1

    def suppress(self) -> None:
        self.suppresses += 1

    def acknowledge(self, status: Json) -> None:
        self.acks.append(status)

    def reconcile(self, tasks: Sequence[Json]) -> None:
        self.reconciles.append(list(tasks))

    def launched_task_ids(self) -> list[str]:
        return [info["task_id"]["value"] for launch in self.launches for info in launch.task_infos]
