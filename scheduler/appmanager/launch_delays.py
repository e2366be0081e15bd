"""How long an app waits to launch again after its tasks failed: Marathon's backoff, per
app and config version (backoffSeconds, growing by backoffFactor up to
maxLaunchDelaySeconds), with a timer per waiting app that wakes the launcher when its
delay ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from scheduler.apps.model import AppDefinition
from scheduler.apps.versions import config_version
from scheduler.base.core import Timer
from scheduler.launch.backoff import Backoff, BackoffKey

if TYPE_CHECKING:
    from scheduler.launch.framework import Framework


class LaunchDelays:
    def __init__(self, framework: Framework, apps: Mapping[str, AppDefinition]) -> None:
        self._fw = framework
        self._apps = apps
        self._backoff = Backoff()
        self._wake_timers: dict[str, Timer] = {}

    def _key(self, app_id: str) -> BackoffKey | None:
        app = self._apps.get(app_id)
        return None if app is None else (app_id, config_version(app))

    def is_delayed(self, app_id: str) -> bool:
        """True while the app's launches wait; the launcher is woken when the wait ends."""
        key = self._key(app_id)
        if key is None:
            return False
        now = self._fw.clock.now()
        self._backoff.expire(now)
        until = self._backoff.delay_until(key)
        if until <= now:
            return False
        if app_id not in self._wake_timers:
            def wake() -> None:
                self._wake_timers.pop(app_id, None)
                self._fw.launcher.wake()

            self._wake_timers[app_id] = self._fw.core.call_later(until - now, wake)
        return True

    def time_left(self, app_id: str) -> float:
        """Seconds until the app may launch again (0: now)."""
        key = self._key(app_id)
        return 0.0 if key is None else self._backoff.time_left(key, self._fw.clock.now())

    def launched(self, app_id: str) -> None:
        key = self._key(app_id)
        if key is not None:
            self._backoff.on_launched(key, self._fw.clock.now())

    def failed(self, app: AppDefinition) -> None:
        """One of the app's tasks failed: its next launch waits longer."""
        self._backoff.on_failure(
            (app.id, config_version(app)), self._fw.clock.now(), app.backoff_seconds,
            app.backoff_factor, app.max_launch_delay_seconds,
        )

    def reset(self, app_id: str) -> None:
        """Forget the app's failures (DELETE /v2/queue/{app}/delay)."""
        self._backoff.reset_run_spec(app_id)
