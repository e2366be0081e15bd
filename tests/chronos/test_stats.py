"""Duration statistics and the /job/stat and /stats shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronos.stats import (
    RunRecord,
    format_duration,
    histogram,
    job_stat_json,
    stats_by_percentile,
)

START = datetime(2026, 3, 8, 16, 57, 17, tzinfo=UTC)


def run(seconds: float, status: str = "TASK_FINISHED", name: str = "etl") -> RunRecord:
    return RunRecord(
        task_id=f"ct:1:0:{name}:",
        job_name=name,
        agent_id="S1",
        status=status,
        start=START,
        end=START + timedelta(seconds=seconds),
    )


def test_percentiles_of_finished_runs() -> None:
    hist = histogram([run(s) for s in range(1, 11)])
    assert hist.count == 10
    assert hist.value("median") == 5500.0
    assert hist.value("75thPercentile") == 8250.0
    assert hist.value("95thPercentile") == 10000.0
    assert hist.value("99thPercentile") == 10000.0


def test_mean_is_the_real_mean_not_the_median() -> None:
    hist = histogram([run(1), run(2), run(30)])
    assert hist.value("median") == 2000.0
    assert hist.value("mean") == 11000.0


def test_failed_and_unfinished_runs_are_not_counted() -> None:
    unfinished = RunRecord("ct:1:0:etl:", "etl", "S1", "TASK_RUNNING", START, None)
    hist = histogram([run(4), run(100, status="TASK_FAILED"), unfinished])
    assert hist.count == 1 and hist.value("mean") == 4000.0


def test_empty_history_has_zero_values() -> None:
    assert histogram([]).to_json() == {
        "75thPercentile": 0.0,
        "95thPercentile": 0.0,
        "98thPercentile": 0.0,
        "99thPercentile": 0.0,
        "median": 0.0,
        "mean": 0.0,
        "count": 0,
    }


def test_job_stat_shape() -> None:
    running = RunRecord("ct:2:1:etl:", "etl", "S2", "TASK_RUNNING", START, None, 12)
    body = job_stat_json([run(65), running])
    assert body["histogram"] == histogram([run(65)]).to_json()
    assert body["taskStatHistory"] == [
        {
            "taskId": "ct:1:0:etl:",
            "jobName": "etl",
            "slaveId": "S1",
            "startTime": "03/08/26 16:57:17",
            "endTime": "03/08/26 16:58:22",
            "duration": "0d0h1m5s",
            "status": "TASK_FINISHED",
        },
        {
            "taskId": "ct:2:1:etl:",
            "jobName": "etl",
            "slaveId": "S2",
            "startTime": "03/08/26 16:57:17",
            "endTime": "N/A",
            "duration": "N/A",
            "status": "TASK_RUNNING",
            "numElementsProcessed": 12,
        },
    ]


def test_duration_format_has_days_hours_minutes_seconds() -> None:
    assert format_duration(((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000 + 999) == "2d3h4m5s"


def test_stats_by_percentile_lists_jobs_slowest_first_in_seconds() -> None:
    histograms = {
        "fast": histogram([run(1, name="fast")]),
        "slow": histogram([run(90, name="slow")]),
        "never": histogram([]),
    }
    assert stats_by_percentile(histograms, "99thPercentile") == [
        {"jobNameLabel": "slow", "time": 90.0},
        {"jobNameLabel": "fast", "time": 1.0},
    ]


def test_unknown_percentile_lists_nothing_even_with_runs() -> None:
    assert stats_by_percentile({"slow": histogram([run(90, name="slow")])}, "p50") == []
