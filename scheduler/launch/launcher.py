"""Turns offers into launches: match the queue against offers, launch, decline the rest.

Offers are declined with a short filter while something waits (so a freed resource is
seen again soon) and suppressed entirely when nothing does; a new request revives them.
The rest of an offer that launched tasks is not filtered while the queue still holds
requests, so the next offer comes right away.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from scheduler.base.clock import Clock
from scheduler.launch.launch_queue import LaunchQueue
from scheduler.launch.offer_matcher import match
from scheduler.launch.offer_stats import OfferStats
from scheduler.launch.offers import Offer
from scheduler.launch.task_request import PlacedTask, Placement, TaskRequest
from scheduler.launch.tasks import TaskRecord, TaskTracker
from scheduler.mesos.driver import DriverPort

log = logging.getLogger(__name__)

Json = dict[str, Any]

DECLINE_WHILE_WAITING_S = 1.0
DECLINE_WHEN_IDLE_S = 120.0
# Bytes of TaskInfo JSON in one ACCEPT: a master takes request bodies of up to 1 MiB (Mesos
# and localmesos), less 64 KiB for the call around them. An offer takes as many of its
# placements as fit; the rest stay queued for the offer's remainder, which comes back at
# once (no filter while the queue is not empty). Not a count (Marathon's 100 per offer paced
# 3,000 instances into 30 rounds of a second each): TaskInfos differ in size by app.
ACCEPT_BYTES = 1024 * 1024 - 64 * 1024
# (request, offer) evaluations per cycle: under a second of the owner thread at 3-6 us
# each; the requests after it wait for the next offers.
MATCH_BUDGET = 100_000


@dataclass(frozen=True)
class Launch:
    """What the owner of a run spec builds for a placement: the TaskInfo and its record."""

    task_info: Json
    record: TaskRecord


Build = Callable[[Placement], Launch | None]


class Launcher:
    """Owns the offer cycle. `build` asks the run spec's owner for a TaskInfo."""

    def __init__(
        self,
        queue: LaunchQueue,
        tracker: TaskTracker,
        driver: DriverPort,
        build: Build,
        clock: Clock,
        delayed: Callable[[str], bool],
        on_launched: Callable[[TaskRecord], None],
        transaction: Callable[[], AbstractContextManager[Any]] = nullcontext,
        defer: Callable[[Callable[[], None]], object] | None = None,
    ) -> None:
        """`defer(fn)` runs `fn` soon, after the current turn's other work (the owner
        loop's zero-delay timer): the revives of a burst of requests go out as one."""
        self.queue = queue
        self.tracker = tracker
        self.driver = driver
        self._build = build
        self._clock = clock
        self._delayed = delayed
        self._on_launched = on_launched
        self._transaction = transaction
        self._suppressed = False
        self.agent_attributes: dict[str, tuple[tuple[str, str], ...]] = {}
        self.offer_stats = OfferStats()
        self.offers_seen = 0
        self.tasks_launched = 0
        self._held: dict[str, Offer] = {}
        self._hold_until: float | None = None
        self._defer = defer
        self._revive_pending = False
        self.revives_sent = 0

    def wake(self) -> None:
        """Something was queued: launch on held offers at once, else make sure offers flow.
        One REVIVE for all the wakes of a turn (an app of 10,000 instances queues 10,000
        requests; each REVIVE makes the master look at every agent again)."""
        self._suppressed = False
        if self._held:
            self.on_offers([])
            if not self.queue:
                return
        if self._defer is None:
            self._revive()
        elif not self._revive_pending:
            self._revive_pending = True
            self._defer(self._revive)

    def _revive(self) -> None:
        self._revive_pending = False
        self.revives_sent += 1
        self.driver.revive()

    def hold_offers(self, until: float | None) -> None:
        """Keep unused offers, not decline them, until epoch `until` (a job run is due then and
        launches on them without waiting for an offer); None declines what is held."""
        self._hold_until = until
        if until is None:
            if self._held:
                self.driver.decline(list(self._held), DECLINE_WHILE_WAITING_S)
                self._held.clear()
        elif not self._held:
            self._suppressed = False
            self.driver.revive()

    def forget_offers(self, offer_id: str | None = None) -> None:
        """An offer was rescinded (None: all, the master connection is gone)."""
        if offer_id is None:
            self._held.clear()
        else:
            self._held.pop(offer_id, None)

    def after_change(self) -> None:
        """Suppress offers once nothing waits."""
        if not self.queue and not self._suppressed:
            self._suppressed = True
            self.driver.suppress()

    def _placed(self, requests: Sequence[TaskRequest]) -> list[PlacedTask]:
        """The live tasks constraints count: only those of run specs whose requests have
        constraints (not every task of the cluster in every offer cycle)."""
        constrained = {r.run_spec_id for r in requests if r.constraints}
        return [
            PlacedTask(t.run_spec_id, t.agent_id, t.hostname,
                       self.agent_attributes.get(t.agent_id, ()))
            for spec in constrained for t in self.tracker.of(spec) if not t.is_terminal
        ]

    def on_offers(self, raw_offers: Sequence[Json]) -> None:
        offers: list[Offer] = []
        for raw in raw_offers:
            try:
                offer = Offer.from_mesos(raw)
            except (KeyError, TypeError, ValueError) as error:
                offer_id = raw.get("id", {}).get("value", "?")
                log.warning("declining unreadable offer %s: %s", offer_id, error)
                self.driver.decline([offer_id], DECLINE_WHILE_WAITING_S)
                continue
            self.agent_attributes[offer.agent_id] = offer.attributes
            offers.append(offer)
        self.offers_seen += len(offers)
        offers += self._held.values()
        self._held = {}
        requests = self.queue.ready(self._delayed)
        plan = match(requests, offers, self._placed(requests), budget=MATCH_BUDGET)
        # Requests the budget did not reach keep the reason of their last round.
        reasons = {t: self.queue.reasons[t] for t in plan.unreached if t in self.queue.reasons}
        self.queue.reasons = {**reasons, **plan.waiting}
        self.offer_stats.record(plan.reject_summary, self.queue.run_spec_ids(),
                                self._clock.now())
        by_offer: dict[str, list[Placement]] = defaultdict(list)
        for placement in plan.placements:
            by_offer[placement.offer_id].append(placement)
        unused = list(plan.unused_offer_ids)
        launches = [(offer_id, self._launch_all(placements))
                    for offer_id, placements in by_offer.items()]
        # What is left of an offer we launched on is not refused while requests still wait:
        # the master offers it again at once, so a large queue is not paced by filters.
        refuse = 0.0 if self.queue else DECLINE_WHILE_WAITING_S
        for offer_id, infos in launches:
            if infos:
                self.driver.launch(offer_id, infos, refuse)
            else:
                unused.append(offer_id)
        if unused and self._hold_until is not None and self._clock.now() < self._hold_until:
            known = {offer.id: offer for offer in offers}
            self._held = {offer_id: known[offer_id] for offer_id in unused}
        elif unused:
            refuse = DECLINE_WHILE_WAITING_S if self.queue else DECLINE_WHEN_IDLE_S
            self.driver.decline(unused, refuse)
        self.after_change()

    def _launch_all(self, placements: list[Placement]) -> list[Json]:
        # One commit for the whole batch, before Mesos hears of any of it.
        with self._transaction():
            return self._record_all(placements)

    def _record_all(self, placements: list[Placement]) -> list[Json]:
        """Record and return the TaskInfos of an offer's placements that fit in one ACCEPT
        (`ACCEPT_BYTES` as JSON); the placements past that stay queued."""
        infos: list[Json] = []
        size = 0
        for placement in placements:
            task_id = placement.request.task_id
            if task_id not in self.queue:
                continue
            launch = self._build(placement)
            if launch is None:
                self.queue.remove(task_id)
                continue
            info = launch.task_info
            encoded = len(json.dumps(info)) + 2  # and the ", " before it
            if infos and size + encoded > ACCEPT_BYTES:
                break
            size += encoded
            self.queue.remove(task_id)
            self.tracker.put(launch.record)
            infos.append(info)
            self.tasks_launched += 1
            self._on_launched(launch.record)
        return infos
