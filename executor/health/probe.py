"""The outcome of one health probe, and the shape of a probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ProbeResult:
    healthy: bool
    detail: str


class Probe(Protocol):
    def __call__(self, timeout_s: float) -> ProbeResult:
        """Probe once; taking longer than `timeout_s` (0 = no limit) is a failure."""
        ...
