"""Run-time statistics from run history: `/job/stat/{name}` and `/stats/{percentile}`.

Differences from Chronos, on purpose:
- durations are a run's start to its end (TASK_FINISHED runs only); Chronos measured from
  the due time, which mixed queueing and offer delay into "run time". Lateness is its own
  measure in Dromos.
- `mean` is the mean. Chronos wrote the median into `mean` (a bug).
- history comes from the stored runs, so the numbers survive a failover.
Percentiles interpolate between neighbours at position q * (n + 1), as the Codahale
histograms behind Chronos do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

FINISHED = "TASK_FINISHED"
PERCENTILE_FIELDS = {
    "75thPercentile": 0.75,
    "95thPercentile": 0.95,
    "98thPercentile": 0.98,
    "99thPercentile": 0.99,
    "median": 0.5,
}
PERCENTILES = (*PERCENTILE_FIELDS, "mean")


@dataclass(frozen=True)
class RunRecord:
    """One attempt of a run as history keeps it; `status` is its latest Mesos task state."""

    task_id: str
    job_name: str
    agent_id: str
    status: str
    start: datetime | None
    end: datetime | None
    elements_processed: int | None = None

    @property
    def duration_ms(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds() * 1000


@dataclass(frozen=True)
class Histogram:
    """Run durations in milliseconds."""

    values: Mapping[str, float]
    count: int

    def value(self, percentile: str) -> float:
        """One of PERCENTILES, in milliseconds."""
        return self.values[percentile]

    def to_json(self) -> dict[str, float | int]:
        return {**self.values, "count": self.count}


def histogram(runs: Iterable[RunRecord]) -> Histogram:
    """Percentiles and mean of the durations of the finished runs."""
    durations = sorted(
        duration
        for run in runs
        if run.status == FINISHED and (duration := run.duration_ms) is not None
    )
    values = {name: _quantile(durations, q) for name, q in PERCENTILE_FIELDS.items()}
    values["mean"] = sum(durations) / len(durations) if durations else 0.0
    return Histogram(values, len(durations))


def job_stat_json(runs: Sequence[RunRecord]) -> dict[str, object]:
    """The `/job/stat/{name}` body: histogram plus one entry per run, in the order given."""
    return {
        "histogram": histogram(runs).to_json(),
        "taskStatHistory": [_task_stat(run) for run in runs],
    }


def stats_by_percentile(
    histograms: Mapping[str, Histogram], percentile: str
) -> list[dict[str, object]]:
    """The `/stats/{percentile}` body: jobs with runs, slowest first, time in seconds.

    An unknown percentile gives an empty list, as in Chronos."""
    if percentile not in PERCENTILES:
        return []
    timed = [
        (hist.value(percentile) / 1000, name) for name, hist in histograms.items() if hist.count
    ]
    timed.sort(key=lambda item: (-item[0], item[1]))
    return [{"jobNameLabel": name, "time": seconds} for seconds, name in timed]


def format_duration(milliseconds: float) -> str:
    """Chronos's `0d0h1m5s` (whole seconds)."""
    minutes, seconds = divmod(int(milliseconds // 1000), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h{minutes}m{seconds}s"


def _task_stat(run: RunRecord) -> dict[str, object]:
    duration = run.duration_ms
    stat: dict[str, object] = {
        "taskId": run.task_id,
        "jobName": run.job_name,
        "slaveId": run.agent_id,
        "startTime": _stat_time(run.start),
        "endTime": _stat_time(run.end),
        "duration": format_duration(duration) if duration is not None else "N/A",
        "status": run.status,
    }
    if run.elements_processed is not None:
        stat["numElementsProcessed"] = run.elements_processed
    return stat


def _stat_time(instant: datetime | None) -> str:
    return instant.astimezone(UTC).strftime("%m/%d/%y %H:%M:%S") if instant else "N/A"


def _quantile(ordered: Sequence[float], q: float) -> float:
    if not ordered:
        return 0.0
    position = q * (len(ordered) + 1)
    if position < 1:
        return ordered[0]
    if position >= len(ordered):
        return ordered[-1]
    below = ordered[math.floor(position) - 1]
    above = ordered[math.floor(position)]
    return below + (position - math.floor(position)) * (above - below)
