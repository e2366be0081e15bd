"""Offer statistics per run spec, as Marathon's /v2/queue reports them.

`last_round`: the reject funnel of the last matching round (`rejectSummaryLastOffers`);
`launch_attempt`: the funnel summed over every round since the run spec last had nothing
queued (`rejectSummaryLaunchAttempt`); `last_unused_at`: when an offer it looked at last
went unused (`lastUnusedOfferAt`). A run spec with nothing queued starts afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler.launch.offer_matcher import RejectCount


@dataclass
class OfferStats:
    last_round: dict[str, tuple[RejectCount, ...]] = field(default_factory=dict)
    launch_attempt: dict[str, tuple[RejectCount, ...]] = field(default_factory=dict)
    last_unused_at: dict[str, float] = field(default_factory=dict)

    def record(
        self, summary: Mapping[str, tuple[RejectCount, ...]], queued: set[str], now: float
    ) -> None:
        """Add one matching round's funnels; forget run specs no longer queued."""
        for table in (self.launch_attempt, self.last_unused_at):
            for run_spec_id in [r for r in table if r not in queued]:
                del table[run_spec_id]
        self.last_round.update(summary)
        for run_spec_id, counts in summary.items():
            self.launch_attempt[run_spec_id] = _summed(
                self.launch_attempt.get(run_spec_id, ()), counts
            )
            if any(c.declined for c in counts):
                self.last_unused_at[run_spec_id] = now


def _summed(
    before: tuple[RejectCount, ...], now: tuple[RejectCount, ...]
) -> tuple[RejectCount, ...]:
    """Two funnels over the same stages (the matcher's order), stage by stage."""
    totals = {c.reason: c for c in before}
    return tuple(
        RejectCount(c.reason, c.declined + totals[c.reason].declined,
                    c.processed + totals[c.reason].processed)
        if c.reason in totals else c
        for c in now
    )
