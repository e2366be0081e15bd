"""Job JSON: defaults, validation (Chronos 400s), and the GET shape clients read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chronos.constraints import Constraint, Operator
from chronos.errors import InvalidJob
from chronos.job import (
    EnvironmentVariable,
    Fetch,
    JobCounters,
    JobDefaults,
    job_from_json,
    job_to_json,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SCHEDULE = "R/2026-05-01T12:00:00.000Z/PT2H"


def scheduled(**fields: Any) -> dict[str, Any]:
    return {"name": "nightly", "command": "echo hi", "schedule": SCHEDULE, **fields}


def test_defaults_are_chronos_defaults() -> None:
    job = job_from_json({"name": "nightly", "schedule": SCHEDULE}, NOW)
    assert (job.command, job.shell, job.arguments) == ("", True, ())
    assert (job.retries, job.epsilon, job.async_) == (2, timedelta(seconds=60), False)
    assert (job.disabled, job.concurrent, job.soft_error, job.high_priority) == (
        False,
        False,
        False,
        False,
    )
    assert (job.cpus, job.mem, job.disk) == (0.1, 128.0, 256.0)
    assert (job.run_as_user, job.max_completion_time, job.container) == ("root", 0, None)
    assert (job.owner, job.owner_name, job.description) == ("", "", "")
    assert (job.executor, job.executor_flags, job.task_info_data) == ("", "", "")
    assert not job.data_processing_job_type
    assert job.counters.success_count == job.counters.error_count == 0
    assert not job.is_dependent


def test_zero_resources_mean_the_server_defaults() -> None:
    defaults = JobDefaults(cpus=0.5, mem=64.0, disk=10.0, user="batch")
    job = job_from_json(scheduled(cpus=0, mem=0.0, disk=0), NOW, defaults=defaults)
    assert (job.cpus, job.mem, job.disk, job.run_as_user) == (0.5, 64.0, 10.0, "batch")
    assert job_from_json(scheduled(cpus=2, mem=512), NOW).mem == 512.0


def test_every_field_is_read() -> None:
    job = job_from_json(
        scheduled(
            shell=False,
            arguments=["-v"],
            scheduleTimeZone="Europe/Berlin",
            epsilon="PT30M",
            retries=0,
            disabled=True,
            concurrent=True,
            softError=True,
            highPriority=True,
            environmentVariables=[{"name": "JVMOPTS", "value": "-Xmx1g"}],
            fetch=[{"uri": "https://x/y.tgz", "executable": True, "output_file": "y"}],
            constraints=[["rack", "EQUALS", "rack-1"], ["hostname", "like", "web-.*"]],
            owner="ops@example.com",
            ownerName="ops",
            description="etl",
            runAsUser="etl",
            container={"type": "DOCKER", "image": "busybox", "network": "HOST"},
            maxCompletionTime=600,
            executor="/bin/exec",
            executorFlags="-x",
            taskInfoData="data",
            dataProcessingJobType=True,
        ),
        NOW,
    )
    assert job.shell is False and job.arguments == ("-v",)
    assert job.schedule is not None and job.schedule.zone_name == "Europe/Berlin"
    assert job.epsilon == timedelta(minutes=30)
    assert job.retries == 0 and job.disabled and job.concurrent and job.soft_error
    assert job.high_priority
    assert job.environment_variables == (EnvironmentVariable("JVMOPTS", "-Xmx1g"),)
    assert job.fetch == (Fetch("https://x/y.tgz", executable=True, output_file="y"),)
    assert job.constraints == (
        Constraint("rack", Operator.EQUALS, "rack-1"),
        Constraint("hostname", Operator.LIKE, "web-.*"),
    )
    assert (job.owner, job.owner_name, job.description, job.run_as_user) == (
        "ops@example.com",
        "ops",
        "etl",
        "etl",
    )
    assert job.container == {"type": "DOCKER", "image": "busybox", "network": "HOST"}
    assert job.max_completion_time == 600
    assert (job.executor, job.executor_flags, job.task_info_data) == ("/bin/exec", "-x", "data")
    assert job.data_processing_job_type


def test_async_is_accepted_and_echoed() -> None:
    job = job_from_json(scheduled(**{"async": True}), NOW)
    assert job.async_ and job_to_json(job)["async"] is True


def test_parents_make_a_job_dependent_on_either_endpoint() -> None:
    job = job_from_json({"name": "child", "parents": ["a", "b", "a"], "schedule": SCHEDULE}, NOW)
    assert job.is_dependent and job.parents == ("a", "b") and job.schedule is None
    out = job_to_json(job)
    assert out["parents"] == ["a", "b"]
    assert "schedule" not in out and "scheduleTimeZone" not in out


def test_job_with_neither_schedule_nor_parents_runs_once_now() -> None:
    job = job_from_json({"name": "once", "command": "true"}, NOW)
    assert str(job.schedule) == "R1/2026-05-01T12:00:00.000Z/PT24H"


def test_counters_sent_back_on_update_are_kept() -> None:
    job = job_from_json(
        scheduled(
            successCount=190,
            errorCount=3,
            errorsSinceLastSuccess=1,
            lastSuccess="2014-03-08T16:57:17.507Z",
            lastError="",
        ),
        NOW,
    )
    assert job.counters.success_count == 190 and job.counters.error_count == 3
    assert job.counters.last_success == datetime(2014, 3, 8, 16, 57, 17, 507000, tzinfo=UTC)
    assert job.counters.last_error is None


def test_uris_become_fetch_entries_and_get_shows_both() -> None:
    job = job_from_json(scheduled(uris=["http://x/a.tgz"]), NOW)
    assert job.fetch == (Fetch("http://x/a.tgz"),)
    out = job_to_json(job)
    assert out["uris"] == ["http://x/a.tgz"]
    assert out["fetch"] == [
        {"uri": "http://x/a.tgz", "executable": False, "cache": False, "extract": True}
    ]


def test_job_read_back_from_get_is_accepted_unchanged() -> None:
    job = job_from_json(
        scheduled(
            scheduleTimeZone="America/New_York",
            fetch=[{"uri": "http://x/a.tgz"}],
            constraints=[["rack", "EQUALS", "r1"]],
            container={"type": "MESOS", "image": "alpine"},
            successCount=4,
            lastError="2026-04-01T00:00:00.000Z",
        ),
        NOW,
    )
    again = job_from_json(job_to_json(job), NOW + timedelta(days=2))
    assert again == job
    assert job_to_json(again) == job_to_json(job)


def test_get_shape_has_chronos_field_order() -> None:
    keys = list(job_to_json(job_from_json(scheduled(), NOW)))
    assert keys[:4] == ["name", "command", "shell", "epsilon"]
    assert keys[-2:] == ["schedule", "scheduleTimeZone"]
    assert {"successCount", "lastSuccess", "errorsSinceLastSuccess", "runAsUser"} <= set(keys)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "must be a JSON object"),
        ({"schedule": SCHEDULE}, "job name '' is invalid"),
        (scheduled(name="bad name"), "job name 'bad name' is invalid"),
        (scheduled(name="caf\u00e9"), "is invalid"),
        (scheduled(name=5), "'name' must be a string"),
        (scheduled(schedule="R/nope/PT1H"), "Cannot parse schedule 'R/nope/PT1H'"),
        (scheduled(scheduleTimeZone="Not/AZone"), "Invalid scheduleTimeZone"),
        (scheduled(shell="yes"), "'shell' must be true or false"),
        (scheduled(retries=-1), "'retries' must be a non-negative integer"),
        (scheduled(retries=1.5), "'retries' must be a non-negative integer"),
        (scheduled(cpus=-1), "'cpus' must be a finite number >= 0"),
        (scheduled(mem="lots"), "'mem' must be a number"),
        (scheduled(epsilon="soon"), "Cannot parse epsilon 'soon'"),
        (scheduled(epsilon="P1M"), "must not use years or months"),
        (scheduled(arguments="-v"), "'arguments' must be a list"),
        (scheduled(arguments=[1]), "'arguments' must be a list of strings"),
        (scheduled(environmentVariables=[{"value": "x"}]), "environmentVariables\\[0\\].name"),
        (scheduled(environmentVariables=[{"name": "A", "value": 1}]), "must be a string"),
        (scheduled(fetch=[{"executable": True}]), "'fetch\\[0\\].uri'"),
        (
            scheduled(uris=["http://a"], fetch=[{"uri": "http://b"}]),
            "both uris \\(deprecated\\) and fetch",
        ),
        (scheduled(constraints=[["rack", "EQUALS"]]), "\\[attribute, operator, value\\]"),
        (scheduled(constraints=[["rack", "CLUSTER", "x"]]), "unknown operator 'CLUSTER'"),
        (scheduled(constraints=[["rack", "LIKE", "("]]), "invalid regex"),
        (scheduled(container={"type": "LXC", "image": "x"}), "must be DOCKER or MESOS"),
        (scheduled(container={"type": "DOCKER"}), "'container.image'"),
        (scheduled(container="busybox"), "container must be a JSON object"),
        (scheduled(maxCompletionTime=-5), "'maxCompletionTime'"),
        (scheduled(lastSuccess="yesterday"), "Cannot parse lastSuccess"),
        ({"name": "c", "parents": ["c"]}, "cannot be its own parent"),
        ({"name": "c", "parents": ["bad parent"]}, "parent name 'bad parent' is invalid"),
        ({"name": "c", "parents": "a"}, "'parents' must be a list"),
    ],
)
def test_invalid_jobs_are_refused_with_a_clear_message(body: object, message: str) -> None:
    with pytest.raises(InvalidJob, match=message):
        job_from_json(body, NOW)


def test_dependency_endpoint_needs_parents() -> None:
    with pytest.raises(InvalidJob, match="needs at least one parent"):
        job_from_json({"name": "c", "parents": []}, NOW, kind="dependency")
    assert job_from_json({"name": "c", "parents": ["p"]}, NOW, kind="dependency").is_dependent


def test_nulls_read_as_defaults() -> None:
    job = job_from_json(scheduled(retries=None, shell=None, uris=None, container=None), NOW)
    assert (job.retries, job.shell, job.fetch, job.container) == (2, True, (), None)


def test_matching_uris_and_fetch_are_one_list() -> None:
    job = job_from_json(scheduled(uris=["http://a"], fetch=[{"uri": "http://a"}]), NOW)
    assert job.fetch == (Fetch("http://a"),)


def test_the_last_outcome_is_the_later_of_the_last_success_and_the_last_error() -> None:
    earlier, later = NOW - timedelta(hours=1), NOW
    assert JobCounters().last_outcome == "fresh"
    assert JobCounters().after_success(NOW).last_outcome == "success"
    assert JobCounters().after_failure(NOW).last_outcome == "failure"
    assert JobCounters(last_success=later, last_error=earlier).last_outcome == "success"
    assert JobCounters(last_success=earlier, last_error=later).last_outcome == "failure"
