"""Marathon's counting rules for one check of one task."""

from __future__ import annotations

from scheduler.apps.model import HealthCheck
from scheduler.health.probes import Outcome, Verdict
from scheduler.health.results import HealthResult, Step, combined, next_result

STARTED = 1_000.0
OK = Outcome(Verdict.HEALTHY)
BAD = Outcome(Verdict.UNHEALTHY, "HTTP status 500")
ONE_XX = Outcome(Verdict.IGNORED)


def _run(check: HealthCheck, outcomes: list[tuple[float, Outcome]]) -> list[Step]:
    result, steps = HealthResult(), []
    for at, outcome in outcomes:
        step = next_result(result, outcome, STARTED + at, STARTED, check)
        result = step.result
        steps.append(step)
    return steps


def test_success_makes_alive_and_records_first_and_last_success() -> None:
    steps = _run(HealthCheck(), [(1, OK), (2, OK)])
    assert steps[-1].result == HealthResult(alive=True, first_success=STARTED + 1,
                                            last_success=STARTED + 2)


def test_failures_within_grace_before_any_success_change_nothing() -> None:
    steps = _run(HealthCheck(grace_period_seconds=10), [(1, BAD), (9, BAD)])
    assert [s.result for s in steps] == [HealthResult(), HealthResult()]
    assert not any(s.counted or s.kill for s in steps)


def test_failures_after_grace_count() -> None:
    (step,) = _run(HealthCheck(grace_period_seconds=10), [(10, BAD)])
    assert step.counted
    assert step.result == HealthResult(alive=False, consecutive_failures=1,
                                       last_failure=STARTED + 10,
                                       last_failure_cause="HTTP status 500")


def test_a_failure_within_grace_counts_once_the_task_has_passed() -> None:
    steps = _run(HealthCheck(grace_period_seconds=100), [(1, OK), (2, BAD)])
    assert steps[-1].counted and steps[-1].result.alive is False


def test_the_task_is_killed_when_failures_in_a_row_reach_the_maximum() -> None:
    steps = _run(HealthCheck(grace_period_seconds=0, max_consecutive_failures=3),
                 [(1, BAD), (2, BAD), (3, OK), (4, BAD), (5, BAD), (6, BAD)])
    assert [s.kill for s in steps] == [False, False, False, False, False, True]
    assert steps[-1].result.consecutive_failures == 3


def test_zero_max_consecutive_failures_never_kills() -> None:
    steps = _run(HealthCheck(grace_period_seconds=0, max_consecutive_failures=0),
                 [(t, BAD) for t in range(50)])
    assert not any(s.kill for s in steps)
    assert steps[-1].result.consecutive_failures == 50


def test_an_ignored_1xx_answer_changes_nothing() -> None:
    steps = _run(HealthCheck(grace_period_seconds=0), [(1, OK), (2, ONE_XX), (3, BAD),
                                                       (4, ONE_XX)])
    assert steps[1].result == steps[0].result
    assert steps[3].result == steps[2].result
    assert not steps[3].counted


def test_marathon_json_has_iso_times_and_the_instance() -> None:
    result = HealthResult(alive=True, first_success=0.5, last_success=0.5)
    assert result.marathon_json("app.instance-1") == {
        "alive": True, "consecutiveFailures": 0,
        "firstSuccess": "1970-01-01T00:00:00.500Z", "lastSuccess": "1970-01-01T00:00:00.500Z",
        "lastFailure": None, "lastFailureCause": None, "instanceId": "app.instance-1",
    }


def test_stored_form_round_trips() -> None:
    result = HealthResult(False, 2, 1.0, 2.0, 3.0, "refused")
    assert HealthResult.from_json(result.to_json()) == result


def test_a_task_is_healthy_only_when_every_check_passes() -> None:
    assert combined([True, True]) is True
    assert combined([True, None]) is None
    assert combined([None, False]) is False
    assert combined([]) is True
