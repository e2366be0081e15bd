"""Scheduler settings, from the command line."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.base.task_users import UserPolicy

Json = dict[str, Any]

# A scheduled run launches this long before its slot, and its command waits for the slot
# (scheduler/jobs/task_info.py): the launch's work is done before the slot.
JOB_LAUNCH_LEAD_S = 1.5

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
    max_app_versions: int = 50
    reconcile_interval_s: float = 300.0
    launch_timeout_s: float = 300.0
    job_history_limit: int = 100
    max_concurrent_health_checks: int = 256
    job_retry_delay_s: float = 60.0  # Chronos's --failure_retry
    job_launch_lead_s: float = JOB_LAUNCH_LEAD_S  # 0: launch at the slot
    # Slots older than a job's epsilon: "chronos3" runs once now and skips forward,
    # "chronos2" records them missed (chronos.schedules.due.PastStartRule).
    job_past_start_rule: str = "chronos3"
    # Input limits (api/guards/limits.py, scheduler/apps/admission.py).
    max_body_bytes: int = 4 * 1024 * 1024
    max_json_depth: int = 64
    max_string_length: int = 64 * 1024
    max_label_length: int = 4 * 1024
    max_instances_per_app: int = 10_000
    max_instances_total: int = 100_000
    # A write waits this long for a locked SQLite database, then answers 503; under the
    # API's wait for the owner thread (`request_timeout_s`), which also answers 503.
    store_busy_timeout_s: float = 10.0
    request_timeout_s: float = 30.0
    # Marathon's --local_port_min/max: where service ports of 0 are assigned from.
    local_port_min: int = 10000
    local_port_max: int = 20000
    # Seconds between a running task leaving discovery and Mesos being asked to kill it.
    kill_drain_s: float = 0.0
    # DNS from the scheduler's state (None: off); 0 picks a free port.
    dns_port: int | None = None
    dns_domain: str = "mesos"
    dns_ttl: int = 1
    # The read-only Consul catalog (None: off); its own port, as Chronos owns /v1 on the API's.
    consul_port: int | None = None
    consul_datacenter: str = "dc1"
    # Origins whose pages may write to the API (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    zk_url: str | None = None  # elect the leader in ZooKeeper rather than in the database

    # Who may call the API (api/guards/auth.py): `user:password` operators, and a file of
    # `name:role:hash` lines. Never shown in the Config's repr.
    http_credentials: tuple[str, ...] = field(default=(), repr=False)
    credentials_file: Path | None = None
    open_metrics: bool = False
    # Who tasks run as (scheduler/task_users.py); None: the scheduler's own user.
    default_user: str | None = None
    allowed_users: tuple[str, ...] = ()

    def task_users(self) -> UserPolicy:
        return UserPolicy(self.default_user or getpass.getuser(), self.allowed_users)

    # The API over HTTPS when both are given (api/http_server.py).
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Certificate authorities a standby trusts for the leader's certificate (api/leader_proxy);
    # None: the system's.
    tls_ca: Path | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert and self.tls_key else "http"

    @property
    def http_address(self) -> str:
        return f"{self.hostname}:{self.port}"
