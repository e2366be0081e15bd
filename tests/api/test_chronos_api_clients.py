"""Chronos 3 behaviour that its documented examples and clients rely on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.scheduler.jobs.jobs_harness import Jobs, at


def test_the_leader_is_served_under_the_scheduler_prefix(api: Api) -> None:
    answer = api.call("GET", "/leader")
    assert answer.status_code == 200 and set(answer.json) == {"leader"}


@pytest.mark.parametrize(("java_id", "slot_utc_hour"), [
    ("PST", 16),  # America/Los_Angeles, in summer UTC-7
    ("EST", 13),  # America/New_York as Chronos's Joda-Time reads it: EDT, not a fixed -5
    ("IST", 3),  # Asia/Kolkata, UTC+5:30 (09:00 local is 03:30 UTC)
    ("GMT-08:00", 17),  # a Java custom id
])
def test_java_time_zone_ids_are_read_as_chronos_reads_them(
    api: Api, jobs: Jobs, java_id: str, slot_utc_hour: int
) -> None:
    answer = api.call("POST", "/iso8601", {
        "name": "tz", "command": "true", "schedule": "R1/2027-06-15T09:00:00Z/P1D",
        "scheduleTimeZone": java_id,
    })
    assert answer.status_code == 204
    job = api.call("GET", "/job/tz").json
    assert job["scheduleTimeZone"] == java_id
    schedule = jobs.rt.jobs.get("tz").schedule
    assert schedule is not None
    slot = schedule.first_slot()
    assert slot is not None and slot.hour == slot_utc_hour


def test_an_unknown_time_zone_is_still_a_400(api: Api) -> None:
    answer = api.post_job("tz", scheduleTimeZone="Mars/Olympus")
    assert answer.status_code == 400 and "Mars/Olympus" in answer.json["message"]


def test_numeric_strings_are_read_as_numbers(api: Api) -> None:
    answer = api.post_job("strings", cpus="0.5", mem="512", disk="1024", retries="3",
                          maxCompletionTime="60", concurrent="true")
    assert answer.status_code == 204
    job = api.call("GET", "/job/strings").json
    assert (job["cpus"], job["mem"], job["disk"]) == (0.5, 512.0, 1024.0)
    assert (job["retries"], job["maxCompletionTime"], job["concurrent"]) == (3, 60, True)


@pytest.mark.parametrize("fields", [{"cpus": "half"}, {"retries": "2.5"}, {"mem": "-1"}])
def test_strings_that_are_no_valid_number_are_a_400(api: Api, fields: dict[str, Any]) -> None:
    assert api.post_job("bad", **fields).status_code == 400
    assert api.call("GET", "/jobs").json == []


def test_the_schedule_is_returned_as_posted(api: Api) -> None:
    posted = f"R5/{at(60).replace('.000Z', 'Z')}/PT1H"
    assert api.post_job("as_posted", schedule=posted).status_code == 204
    assert api.call("GET", "/job/as_posted").json["schedule"] == posted
    summary = api.call("GET", "/jobs/summary").json["jobs"]
    assert summary[0]["schedule"] == posted


def test_stats_of_an_unknown_percentile_are_an_empty_list(api: Api) -> None:
    api.post_job("etl")
    answer = api.call("GET", "/stats/bogus")
    assert answer.status_code == 200 and answer.json == []


def test_chronos_s_sample_job_started_in_2012_runs_now_and_skips_forward(
    api: Api, jobs: Jobs
) -> None:
    answer = api.call("POST", "/iso8601", {
        "schedule": "R10/2012-10-01T05:52:00Z/PT2S", "name": "SAMPLE_JOB1",
        "epsilon": "PT30M", "command": "echo 'FOO' >> /tmp/JOB1_OUT", "owner": "bob@airbnb.com",
        "async": False,
    })
    assert answer.status_code == 204
    jobs.tick(0)  # the slot timer fires at once
    [task] = jobs.offer()
    jobs.finish(task)
    job = api.call("GET", "/job/SAMPLE_JOB1").json
    assert job["successCount"] == 1
    assert job["schedule"].startswith("R9/") and job["schedule"].endswith("/PT2S")
