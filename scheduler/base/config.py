"""Scheduler settings, from the command line."""

from __future__ import annotations

import shlex
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Json = dict[str, Any]

EXECUTOR_ID = "dromos-executor"


def default_executor_command() -> str:
    """The executor of this installation; real agents get it from the dromos_executor role."""
    return f"{shlex.quote(sys.executable)} -m executor"


@dataclass(frozen=True)
class Config:
    master: str
    db_url: str
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    hostname: str = field(default_factory=socket.gethostname)
    framework_name: str = "dromos"
    role: str = "*"
    executor_command: str = field(default_factory=default_executor_command)
    max_app_versions: int = 50
    reconcile_interval_s: float = 300.0
    launch_timeout_s: float = 300.0
    job_history_limit: int = 100
    max_concurrent_health_checks: int = 256
    job_retry_delay_s: float = 60.0  # Chronos's --failure_retry
    # A scheduled run launches this long before its slot and its executor starts it at the
    # slot (0: launch at the slot).
    job_launch_lead_s: float = 1.5
    # Origins whose pages may write to the API (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    zk_url: str | None = None  # elect the leader in ZooKeeper rather than in the database

    @property
    def http_address(self) -> str:
        return f"{self.hostname}:{self.port}"

    def executor_info(self) -> Json:
        """The one executor per agent that runs every Dromos task there."""
        return {
            "type": "CUSTOM",
            "executor_id": {"value": EXECUTOR_ID},
            "name": "Dromos executor",
            "command": {"value": self.executor_command, "shell": True},
        }
