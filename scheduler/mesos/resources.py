"""Scalar resources and port ranges, as Mesos offers and tasks carry them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resources:
    """Scalar resources: `cpus` (fractional cores), `mem` and `disk` (MiB), `gpus` (whole)."""

    cpus: float = 0.0
    mem: float = 0.0
    disk: float = 0.0
    gpus: int = 0

    def __add__(self, other: Resources) -> Resources:
        return Resources(
            self.cpus + other.cpus,
            self.mem + other.mem,
            self.disk + other.disk,
            self.gpus + other.gpus,
        )

    def __sub__(self, other: Resources) -> Resources:
        return Resources(
            self.cpus - other.cpus,
            self.mem - other.mem,
            self.disk - other.disk,
            self.gpus - other.gpus,
        )


@dataclass(frozen=True)
class PortRange:
    """An inclusive range of ports, `begin` to `end`."""

    begin: int
    end: int

    def __len__(self) -> int:
        return self.end - self.begin + 1

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.begin <= port <= self.end
