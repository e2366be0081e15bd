"""Wiring: builds the core, the framework and its owners; what the API reaches through."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from scheduler.appmanager.manager import AppManager
from scheduler.base.clock import Clock, SystemClock
from scheduler.base.config import Config
from scheduler.base.core import Core
from scheduler.health.engine import HealthEngine
from scheduler.jobs.manager import JobManager
from scheduler.launch.framework import Framework
from scheduler.store.store import Store

T = TypeVar("T")


class Runtime:
    """Everything one scheduler process runs; API views call into it with `call`."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.store = Store(config.db_url, config.store_busy_timeout_s)
        self.core = Core(self.clock)
        self.framework = Framework(config, self.store, self.clock, self.core)
        self.apps = AppManager(self.framework)
        self.jobs = JobManager(self.framework)
        self.framework.add_owner("app", self.apps)
        self.framework.add_owner("job", self.jobs)
        self.health_engine = HealthEngine(
            self.clock, lambda reports: self.core.post(lambda: self.apps.health.apply(reports)),
            max_in_flight=config.max_concurrent_health_checks,
        )

    def restore(self) -> None:
        """Load durable state; run before the core thread starts."""
        self.framework.restore()
        self.apps.restore()
        self.jobs.restore()

    def start_health_checks(self) -> None:
        """Probe HTTP/HTTPS/TCP health checks from now on; run after the core thread starts."""
        self.health_engine.start()
        self.core.call(lambda: self.apps.health.attach(self.health_engine))

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the owner thread and return its result."""
        return self.core.call(fn, timeout=self.config.request_timeout_s)

    def close(self) -> None:
        self.health_engine.stop()
        self.core.stop()
        self.store.close()
