"""Outcome rules: retries, counters, softError, kills."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chronos.job import Job, JobCounters
from chronos.outcomes import RunEnd, Verdict, decide

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
EARLIER = NOW - timedelta(days=1)


def test_success_counts_and_fires_dependents() -> None:
    job = Job("etl", counters=JobCounters(success_count=4, errors_since_last_success=2))
    outcome = decide(job, RunEnd.FINISHED, attempt=1, now=NOW)
    assert outcome.verdict is Verdict.SUCCEEDED and outcome.fire_dependents
    assert outcome.counters == JobCounters(
        success_count=5, errors_since_last_success=0, last_success=NOW
    )


@pytest.mark.parametrize("end", [RunEnd.FAILED, RunEnd.LOST])
def test_failure_is_retried_while_attempt_is_below_retries(end: RunEnd) -> None:
    job = Job("etl", retries=2)
    first = decide(job, end, attempt=0, now=NOW)
    second = decide(job, end, attempt=1, now=NOW)
    assert (first.verdict, first.next_attempt) == (Verdict.RETRY, 1)
    assert (second.verdict, second.next_attempt) == (Verdict.RETRY, 2)
    assert first.counters == job.counters and not first.fire_dependents


def test_failure_after_last_retry_counts_an_error() -> None:
    job = Job("etl", retries=2, counters=JobCounters(error_count=1, success_count=3))
    outcome = decide(job, RunEnd.FAILED, attempt=2, now=NOW)
    assert outcome.verdict is Verdict.FAILED and not outcome.fire_dependents
    assert outcome.next_attempt is None
    assert outcome.counters == JobCounters(
        success_count=3, error_count=2, errors_since_last_success=1, last_error=NOW
    )


def test_zero_retries_fails_at_once() -> None:
    assert decide(Job("etl", retries=0), RunEnd.LOST, 0, NOW).verdict is Verdict.FAILED


def test_soft_error_fires_dependents_after_retries_are_spent() -> None:
    job = Job("etl", retries=0, soft_error=True)
    outcome = decide(job, RunEnd.FAILED, 0, NOW)
    assert outcome.verdict is Verdict.FAILED and outcome.fire_dependents


def test_killed_is_neither_retried_nor_counted() -> None:
    job = Job("etl", retries=5, soft_error=True)
    outcome = decide(job, RunEnd.KILLED, 0, NOW)
    assert outcome.verdict is Verdict.KILLED
    assert outcome.counters == job.counters and not outcome.fire_dependents


def test_retry_does_not_depend_on_the_previous_outcome() -> None:
    """Chronos skipped the retry when the last outcome was an error; Dromos does not."""
    unhealthy = replace(Job("etl"), counters=JobCounters(last_error=NOW, last_success=EARLIER))
    assert decide(unhealthy, RunEnd.FAILED, 0, NOW).verdict is Verdict.RETRY


def test_timestamps_are_written_in_utc() -> None:
    berlin_noon = NOW.astimezone(timezone(timedelta(hours=2)))
    outcome = decide(Job("etl"), RunEnd.FINISHED, 0, berlin_noon)
    assert outcome.counters.last_success is not None
    assert outcome.counters.last_success.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("state", "end"),
    [
        ("TASK_FINISHED", RunEnd.FINISHED),
        ("TASK_FAILED", RunEnd.FAILED),
        ("TASK_ERROR", RunEnd.FAILED),
        ("TASK_LOST", RunEnd.LOST),
        ("TASK_GONE", RunEnd.LOST),
        ("TASK_KILLED", RunEnd.KILLED),
        ("TASK_RUNNING", None),
        ("TASK_UNREACHABLE", None),
    ],
)
def test_task_states_map_to_ends(state: str, end: RunEnd | None) -> None:
    assert RunEnd.from_task_state(state) is end
