"""Mesos health checks (TaskInfo.health_check: COMMAND, HTTP, TCP), run on the agent's loop
for the command tasks it supervises, with the command executor's semantics.

The first probe runs `delay_seconds` after the task started, each next one
`interval_seconds` after the previous one ended; a probe longer than `timeout_seconds`
(0: no limit) fails. Failures are ignored until a probe has succeeded once or
`grace_period_seconds` have passed; then each counts and is reported, and
`consecutive_failures` (if > 0) of them in a row ask for the task to be killed. A success
is reported the first time and the first time after failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from localmesos.agent import containers
from localmesos.agent.task_user import TaskUser

log = logging.getLogger(__name__)

# HealthCheck's defaults in Mesos's protobuf.
DEFAULT_DELAY = 15.0
DEFAULT_INTERVAL = 10.0
DEFAULT_TIMEOUT = 20.0
DEFAULT_CONSECUTIVE_FAILURES = 3
DEFAULT_GRACE_PERIOD = 10.0
KINDS = ("COMMAND", "HTTP", "TCP")


@dataclass(frozen=True)
class HealthResult:
    healthy: bool
    detail: str


@dataclass(frozen=True)
class HealthReport:
    """A TASK_RUNNING update to send (`healthy`), and whether the task is to be killed."""

    healthy: bool
    detail: str
    kill: bool = False


@dataclass(frozen=True)
class HealthCheck:
    kind: str
    delay: float
    interval: float
    timeout: float
    consecutive_failures: int
    grace_period: float
    target: Mapping[str, Any]

    @classmethod
    def from_json(cls, check: Mapping[str, Any]) -> HealthCheck:
        """A TaskInfo.health_check; ValueError when it cannot be run."""
        kind = check.get("type")
        if kind not in KINDS:
            raise ValueError(f"Unsupported health check type {kind!r}")
        target = check.get(kind.lower()) or {}
        if kind == "COMMAND" and not isinstance(target, dict):
            raise ValueError("COMMAND health check needs a command")
        if kind != "COMMAND" and "port" not in target:
            raise ValueError(f"{kind} health check needs a port")
        return cls(
            kind,
            float(check.get("delay_seconds", DEFAULT_DELAY)),
            float(check.get("interval_seconds", DEFAULT_INTERVAL)),
            float(check.get("timeout_seconds", DEFAULT_TIMEOUT)),
            int(check.get("consecutive_failures", DEFAULT_CONSECUTIVE_FAILURES)),
            float(check.get("grace_period_seconds", DEFAULT_GRACE_PERIOD)),
            target,
        )


class HealthPolicy:
    """Turns probe results into reports (see the module's docstring)."""

    def __init__(self, check: HealthCheck, started_at: float) -> None:
        self.check = check
        self.started_at = started_at
        self.ever_healthy = False
        self.failures = 0

    def observe(self, result: HealthResult, now: float) -> HealthReport | None:
        if result.healthy:
            report = (
                None
                if self.ever_healthy and not self.failures
                else HealthReport(True, result.detail)
            )
            self.ever_healthy, self.failures = True, 0
            return report
        grace = self.check.grace_period
        if not self.ever_healthy and grace > 0 and now - self.started_at <= grace:
            return None
        self.failures += 1
        limit = self.check.consecutive_failures
        return HealthReport(False, result.detail, kill=0 < limit <= self.failures)


@dataclass(frozen=True)
class ProbeTarget:
    """Where a task's probes look: its sandbox, environment and user; the IPv4 address
    HTTP and TCP checks connect to; `enter`, which turns a check command's argv (and its
    own variables) into one that runs it inside the task's container."""

    sandbox: Path
    env: Mapping[str, str]
    user: TaskUser | None
    host: str = "127.0.0.1"
    enter: Callable[[list[str], Mapping[str, str]], list[str]] | None = None


class Prober:
    """Runs single probes; one HTTP client session for all of an agent's checks."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def probe(self, check: HealthCheck, target: ProbeTarget) -> HealthResult:
        timeout = check.timeout or None
        try:
            if check.kind == "COMMAND":
                return await self._command(check.target, target, timeout)
            return await asyncio.wait_for(self._network(check, target.host), timeout)
        except TimeoutError:
            return HealthResult(False, f"{check.kind} check timed out after {check.timeout:g}s")

    async def _network(self, check: HealthCheck, ipv4: str) -> HealthResult:
        host = "::1" if check.target.get("protocol") == "IPv6" else ipv4
        port = int(check.target["port"])
        if check.kind == "TCP":
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError as error:
                return HealthResult(False, f"connect to {host}:{port} failed: {error}")
            writer.close()
            return HealthResult(True, f"connected to {host}:{port}")
        path = str(check.target.get("path") or "/")
        scheme = str(check.target.get("scheme") or "http")
        bracketed = f"[{host}]" if ":" in host else host
        url = f"{scheme}://{bracketed}:{port}{path if path.startswith('/') else '/' + path}"
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        try:
            async with self._session.get(url, ssl=False, allow_redirects=True) as response:
                status = response.status
        except aiohttp.ClientError as error:
            return HealthResult(False, f"GET {url} failed: {error}")
        return HealthResult(200 <= status < 400, f"GET {url} returned {status}")

    @staticmethod
    async def _command(
        command: Mapping[str, Any], target: ProbeTarget, timeout: float | None
    ) -> HealthResult:
        own = containers.environment_of(command)
        argv = containers.argv_of(command)
        if target.enter is not None:
            argv = target.enter(argv, own)
        env = {**target.env, **own}
        user = target.user
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=target.sandbox,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
                user=None if user is None else user.uid,
                group=None if user is None else user.gid,
                extra_groups=None if user is None else list(user.groups),
            )
        except OSError as error:
            return HealthResult(False, f"check command could not start: {error}")
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            raise
        return HealthResult(code == 0, f"check command exited with status {code}")


class HealthChecker:
    """Probes one task until stopped, or until a report asks for a kill."""

    def __init__(
        self,
        check: HealthCheck,
        probe: Callable[[], Awaitable[HealthResult]],
        on_report: Callable[[HealthReport], None],
    ) -> None:
        self.check = check
        self._probe = probe
        self._on_report = on_report
        self._running: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._running = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._running is not None:
            self._running.cancel()
            self._running = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        policy = HealthPolicy(self.check, loop.time())
        await asyncio.sleep(self.check.delay)
        while True:
            report = policy.observe(await self._probe(), loop.time())
            if report is not None:
                self._on_report(report)
                if report.kill:
                    return
            await asyncio.sleep(self.check.interval)
