"""Keeps the in-process discovery servers current: a new snapshot after every event.

Events that arrive while a snapshot is built are folded into the next one. Only the apps
the events name are read again (an event naming none, such as a deployment's, reads all),
so the work per burst follows what changed, not how many apps there are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from discovery.snapshot import Json, Snapshot

log = logging.getLogger(__name__)

Listener = Callable[[Snapshot], None]
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
        self.current = Snapshot()
        self._apps: dict[str, Json] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="discovery-feed", daemon=True)

    def start(self) -> None:
        self.refresh(None, jobs=True)
        self._thread.start()

    def refresh(self, app_ids: set[str] | None, jobs: bool) -> None:
        if app_ids is None or app_ids:
            read = self.source.apps(app_ids)
            if app_ids is None:
                self._apps = {}
            for app_id, app in read.items():
                if app is None:
                    self._apps.pop(app_id, None)
                else:
                    self._apps[app_id] = app
        apps = tuple(self._apps[a] for a in sorted(self._apps))
        job_tasks = self.source.jobs() if jobs else self.current.jobs
        if (apps, job_tasks) == (tuple(self.current.apps), self.current.jobs):
            return
        self.current = Snapshot(apps, job_tasks, self.current.index + 1)
        for listener in self.listeners:
            listener(self.current)

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
