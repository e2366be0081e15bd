"""Keeps the in-process discovery servers current: the apps and jobs that changed, after
every burst of events.

Events that arrive while a change is read are folded into the next one. Only the apps the
events name are read again (an event naming none reads all), and listeners get only the
apps and jobs that differ from what they had, so the work per burst follows what
changed, not how many apps there are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from discovery.membership import Json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delta:
    """What changed: apps' AppInfo by id and jobs' running tasks by name (None: gone)."""

    apps: Mapping[str, Json | None] = field(default_factory=dict)
    jobs: Mapping[str, Sequence[Json] | None] = field(default_factory=dict)


Listener = Callable[[Delta], None]
Event = Mapping[str, Any]
# Events about the stream itself, not the state.
IGNORED = frozenset({"event_stream_attached", "event_stream_detached"})


class Source:
    """What a feed reads from; the scheduler's side implements it."""

    def next_event(self, timeout: float) -> Event | None:
        """One event (None on timeout); `{}` when events may have been lost."""
        raise NotImplementedError

    def pending(self) -> list[Event]:
        """The events already queued, taken off the queue."""
        raise NotImplementedError

    def apps(self, app_ids: Iterable[str] | None) -> dict[str, Json | None]:
        """AppInfo of the given apps (None for one that is gone); all apps for None."""
        raise NotImplementedError

    def jobs(self) -> dict[str, list[Json]]:
        """Running job tasks by job name."""
        raise NotImplementedError

    def is_job(self, run_spec_id: str) -> bool:
        raise NotImplementedError


def _named(event: Event) -> list[str] | None:
    """The run specs an event is about; None when it does not say."""
    run_spec = event.get("appId") or event.get("runSpecId")
    if isinstance(run_spec, str):
        return [run_spec]
    # Deployment events: the current step's apps, or (at the end) every app of the plan.
    steps = [event["currentStep"]] if isinstance(event.get("currentStep"), dict) else (
        (event.get("plan") or {}).get("steps"))
    if not isinstance(steps, list) or not steps:
        return None
    named = [a.get("app") for s in steps if isinstance(s, dict) for a in s.get("actions", ())]
    return named if named and all(isinstance(a, str) for a in named) else None


def changed(events: list[Event], is_job: Callable[[str], bool]) -> tuple[set[str] | None, bool]:
    """(app ids to read again, None for all; whether to read jobs again)."""
    apps: set[str] = set()
    jobs = False
    for event in events:
        if event.get("eventType") in IGNORED:
            continue
        named = _named(event)
        if named is None:
            return None, True
        for run_spec in named:
            if is_job(run_spec):
                jobs = True
            else:
                apps.add(run_spec)
    return apps, jobs


class Feed:
    def __init__(self, source: Source, listeners: list[Listener]) -> None:
        self.source = source
        self.listeners = listeners
        self.apps: dict[str, Json] = {}
        self.jobs: dict[str, Sequence[Json]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="discovery-feed", daemon=True)

    def start(self) -> None:
        self.refresh(None, jobs=True)
        self._thread.start()

    def refresh(self, app_ids: set[str] | None, jobs: bool) -> None:
        apps: dict[str, Json | None] = {}
        if app_ids is None or app_ids:
            read = self.source.apps(app_ids)
            if app_ids is None:
                read = {**dict.fromkeys(self.apps), **read}  # apps not read are gone
            apps = {a: app for a, app in read.items() if self.apps.get(a) != app}
            for app_id, app in apps.items():
                if app is None:
                    self.apps.pop(app_id, None)
                else:
                    self.apps[app_id] = app
        changed_jobs: dict[str, Sequence[Json] | None] = {}
        if jobs:
            now = self.source.jobs()
            changed_jobs = {j: now.get(j) for j in self.jobs.keys() | now.keys()
                            if self.jobs.get(j) != now.get(j)}
            self.jobs = dict(now)
        if not apps and not changed_jobs:
            return
        delta = Delta(apps, changed_jobs)
        for listener in self.listeners:
            listener(delta)

    def _run(self) -> None:
        while not self._stop.is_set():
            first = self.source.next_event(0.5)
            if first is None:
                continue
            app_ids, jobs = changed([first, *self.source.pending()], self.source.is_job)
            try:
                self.refresh(app_ids, jobs)
            except Exception:  # a failed rebuild must not end discovery; the next event retries
                log.exception("discovery snapshot failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
