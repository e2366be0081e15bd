from __future__ import annotations

from scheduler.launch.offer_matcher import RejectCount
from scheduler.launch.offer_stats import OfferStats


def round_of(declined: int) -> dict[str, tuple[RejectCount, ...]]:
    return {"/web": (RejectCount("InsufficientCpus", declined, 3),
                     RejectCount("InsufficientMemory", 0, 3 - declined))}


def test_the_launch_attempt_sums_every_round_and_the_last_round_is_kept_alone() -> None:
    stats = OfferStats()
    stats.record(round_of(3), {"/web"}, 10.0)
    stats.record(round_of(1), {"/web"}, 20.0)
    assert stats.last_round["/web"][0] == RejectCount("InsufficientCpus", 1, 3)
    assert stats.launch_attempt["/web"] == (RejectCount("InsufficientCpus", 4, 6),
                                            RejectCount("InsufficientMemory", 0, 2))
    assert stats.last_unused_at["/web"] == 20.0


def test_a_run_spec_with_nothing_queued_starts_a_new_launch_attempt() -> None:
    stats = OfferStats()
    stats.record(round_of(3), {"/web"}, 10.0)
    stats.record({}, set(), 20.0)
    assert "/web" not in stats.launch_attempt and "/web" not in stats.last_unused_at
    stats.record(round_of(2), {"/web"}, 30.0)
    assert stats.launch_attempt["/web"][0] == RejectCount("InsufficientCpus", 2, 3)
