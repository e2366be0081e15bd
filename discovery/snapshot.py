"""What the in-process discovery servers see: apps (as /v2 shows them) and job tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = Mapping[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """`apps`: AppInfo JSON with tasks (and readiness) embedded; `jobs`: job name -> tasks
    (`{id, host, ports, state}`); `index` grows with every rebuild that changed something."""

    apps: Sequence[Json] = ()
    jobs: Mapping[str, Sequence[Json]] = field(default_factory=dict)
    index: int = 1
