"""Scheduled slots: when each job's next slot is due, and claiming it as a run.

One core timer waits for the earliest next slot of any job (a `Timeline`); when it fires,
each due slot is claimed in the database (unique per job and slot) together with the job's
cursor, so a restart neither skips nor repeats a slot. Slots found later than the job's
epsilon follow the scheduler's `PastStartRule` (chronos.schedules.due): by default one run, due now
and claimed under the newest of those slots, stands in for them all and the schedule skips
forward (Chronos 3); with the Chronos 2 rule they are recorded as missed, never run.

Launch lead: the timer fires `job_launch_lead_s` before a slot, so its run is claimed and
launched ahead and the launch path is off the critical path; offers are held around the
slot so the run launches on one in hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chronos.job import Job
from chronos.runs import Trigger, slot_key
from chronos.schedules.due import DueSlots, PastStartRule, due_slots
from chronos.schedules.timeline import Timeline
from scheduler.base.core import Timer
from scheduler.jobs.definitions import JobDefinitions
from scheduler.jobs.runs import RunEngine

if TYPE_CHECKING:
    from scheduler.launch.framework import Framework

# Offers are held from this long before a slot until this long after it, so a due run
# launches at once on an offer in hand instead of waiting for REVIVE and a new offer.
HOLD_AHEAD_S, HOLD_AFTER_S = 2.0, 1.0


class SlotTimer:
    """The timeline of next slots and the core timers armed on it; owner thread only."""

    def __init__(
        self, framework: Framework, definitions: JobDefinitions, engine: RunEngine
    ) -> None:
        self.fw = framework
        self.defs = definitions
        self.engine = engine
        self.lead_s = framework.config.job_launch_lead_s
        self.timeline = Timeline()
        self._timer: Timer | None = None
        self._hold_timer: Timer | None = None
        self._timer_at: float | None = None

    def plan(self, name: str) -> None:
        """Put the job's next unhandled slot on the timeline (none for a deleted,
        disabled or unscheduled job)."""
        job = self.defs.graph.find(name)
        if job is None or job.schedule is None or job.disabled:
            self.timeline.set(name, None)
            return
        slot = job.schedule.next_slot(self.defs.cursor(name))
        self.timeline.set(name, None if slot is None else slot.timestamp())

    def arm(self) -> None:
        """One core timer the launch lead before the earliest slot of any job, one to hold
        offers from before that until after the slot."""
        when = self.timeline.earliest()
        if when == self._timer_at:
            return
        for timer in (self._timer, self._hold_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._hold_timer = None
        self._timer_at = when
        if when is not None:
            delay = when - self.lead_s - self.fw.clock.now()
            self._timer = self.fw.core.call_later(delay, self._on_timer)
            self._hold_timer = self.fw.core.call_later(
                delay - HOLD_AHEAD_S, lambda: self.fw.launcher.hold_offers(when + HOLD_AFTER_S)
            )

    def _on_timer(self) -> None:
        self._timer = self._timer_at = None
        now = self.engine.now()
        names = self.timeline.pop_due(now.timestamp() + self.lead_s)
        self.fw.changes.jobs.update(names)  # claimed or missed slots move their cursors
        with self.fw.store.transaction():
            for name in names:
                self._claim_slots(name, now)
        for name in names:
            self.plan(name)
        self.arm()
        self.engine.dispatch(names)
        upcoming = self.timeline.earliest()
        if upcoming is None or upcoming - self.lead_s - now.timestamp() > HOLD_AHEAD_S:
            self.fw.launcher.hold_offers(None)

    def _claim_slots(self, name: str, now: datetime) -> None:
        """Claim the job's due slots, record the missed ones, and move its cursor."""
        job = self.defs.graph.get(name)
        assert job.schedule is not None
        slots = due_slots(job.schedule, self.defs.cursor(name), now, job.epsilon,
                          ahead=timedelta(seconds=self.lead_s))
        if slots.missed and self.defs.past_start_rule is PastStartRule.CHRONOS3:
            self._catch_up(job, slots, now)
            return
        self.engine.miss_slots(name, slots.missed)
        for slot in slots.due:
            self.engine.claim(name, slot_key(slot), slot, Trigger.SCHEDULE)
        handled = slots.due or slots.missed
        if handled:
            self.defs.move_cursor(job, handled[-1])

    def _catch_up(self, job: Job, slots: DueSlots, now: datetime) -> None:
        """Chronos 3: one run due now stands in for every slot up to now (claimed under the
        newest, so a restart never runs it twice); the schedule skips forward past now."""
        passed = [*slots.missed, *(slot for slot in slots.due if slot <= now)]
        ahead = [slot for slot in slots.due if slot > now]
        self.engine.claim(job.name, slot_key(passed[-1]), now, Trigger.SCHEDULE)
        for slot in ahead:
            self.engine.claim(job.name, slot_key(slot), slot, Trigger.SCHEDULE)
        skipped = self.defs.skip_forward(job, now)
        self.defs.move_cursor(skipped, (ahead or passed)[-1])
