"""The Chronos REST API over a real runtime (manual clock, SQLite), under both prefixes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from api.app import create_app
from tests.api.conftest import Api
from tests.scheduler.jobs.jobs_harness import Jobs, at


def test_a_posted_job_is_listed_and_read_back(api: Api) -> None:
    assert api.post_job("etl", owner="ops@example.com").status_code == 204
    [job] = api.call("GET", "/jobs").json
    assert job["name"] == "etl" and job["owner"] == "ops@example.com"
    assert job["schedule"] == f"R/{at(60)}/PT1H"
    assert api.call("GET", "/job/etl").json == job


def test_posting_an_existing_name_replaces_the_job(api: Api) -> None:
    api.post_job("etl")
    api.post_job("etl", command="echo two")
    assert [j["command"] for j in api.call("GET", "/jobs").json] == ["echo two"]


@pytest.mark.parametrize("job", [
    {"name": "bad name!", "command": "x", "schedule": "R/2030-01-01T00:00:00Z/PT1H"},
    {"name": "x", "command": "x", "schedule": "nonsense"},
    {"name": "x", "command": "x", "schedule": "R/1960-01-01T00:00:00Z/PT1H"},
    {"name": "x", "command": "x", "retries": -1},
    {"name": "x", "command": "x", "parents": ["missing"]},
    "not an object",
])
def test_invalid_jobs_are_refused_with_400_and_nothing_is_stored(api: Api, job: Any) -> None:
    answer = api.call("POST", "/iso8601", job)
    assert answer.status_code == 400
    assert answer.json["message"] and answer.json["status"] == "Bad Request"
    assert api.call("GET", "/jobs").json == []


def test_a_body_that_is_not_json_is_a_400(api: Api) -> None:
    answer = api.call("POST", "/iso8601", data="{", content_type="application/json")
    assert answer.status_code == 400


def test_a_dependent_job_needs_parents(api: Api) -> None:
    api.post_job("parent")
    assert api.call("POST", "/dependency", {"name": "c", "command": "x"}).status_code == 400
    assert api.post_job("child", parents=["parent"]).status_code == 204
    child = api.call("GET", "/job/child").json
    assert child["parents"] == ["parent"] and "schedule" not in child


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/job/nope"), ("PUT", "/job/nope"), ("DELETE", "/job/nope"),
    ("DELETE", "/task/kill/nope"), ("GET", "/job/stat/nope"), ("GET", "/job/runs/nope"),
])
def test_an_unknown_job_is_a_400(api: Api, method: str, path: str) -> None:
    answer = api.call(method, path)
    assert answer.status_code == 400
    assert "nope" in answer.json["message"]


def test_a_manual_run_is_queued_with_its_arguments(api: Api, jobs: Jobs) -> None:
    api.post_job("etl")
    assert api.call("PUT", "/job/etl?arguments=--full").status_code == 204
    [task] = jobs.offer()
    assert task.endswith(":etl:--full")
    [run] = api.call("GET", "/job/runs/etl").json
    assert run["trigger"] == "manual" and run["attempts"][0]["taskId"] == task


def test_deleting_a_job_removes_it(api: Api) -> None:
    api.post_job("etl")
    assert api.call("DELETE", "/job/etl").status_code == 204
    assert api.call("GET", "/jobs").json == []


def test_marking_success_counts_and_answers_in_text(api: Api) -> None:
    api.post_job("etl")
    answer = api.call("PUT", "/job/success/etl")
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == "marked job etl as successful: true"
    assert api.call("GET", "/job/etl").json["successCount"] == 1
    unknown = api.call("PUT", "/job/success/nope")
    assert unknown.get_data(as_text=True) == "marked job nope as successful: false"


def test_kill_stops_the_running_tasks(api: Api, jobs: Jobs) -> None:
    api.post_job("etl")
    api.call("PUT", "/job/etl")
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    assert api.call("DELETE", "/task/kill/etl").status_code == 204
    assert jobs.driver.kills == [task]


def test_the_2x_purge_drops_every_queued_run_and_leaves_running_tasks(jobs: Jobs) -> None:
    api = Api(create_app(jobs.rt).test_client(), "/scheduler")
    api.post_job("running")
    api.post_job("queued")
    api.call("PUT", "/job/running")
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    api.call("PUT", "/job/queued")  # no offer comes for it

    assert api.call("DELETE", "/task/all").status_code == 204

    assert jobs.offer() == []
    assert jobs.driver.kills == []
    [queued] = api.call("GET", "/job/runs/queued").json
    [running] = api.call("GET", "/job/runs/running").json
    assert (queued["status"], running["status"]) == ("killed", "running")
    assert api.call("GET", "/job/queued").json["errorCount"] == 0


def test_the_purge_is_not_in_the_3x_api(jobs: Jobs) -> None:
    api = Api(create_app(jobs.rt).test_client(), "/v1/scheduler")
    assert api.call("DELETE", "/task/all").status_code in (404, 405)


def test_progress_of_a_data_job_task_adds_up_in_its_stats(api: Api, jobs: Jobs) -> None:
    api.post_job("etl", dataProcessingJobType=True)
    api.call("PUT", "/job/etl")
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    progress = f"/job/etl/task/{quote(task)}/progress"
    for n in (5, 7, 0):
        assert api.call("POST", progress, {"numAdditionalElementsProcessed": n}).status_code == 204
    jobs.status(task, "TASK_FINISHED")
    assert api.call("POST", progress, {"numAdditionalElementsProcessed": 3}).status_code == 204
    [stat] = api.call("GET", "/job/stat/etl").json["taskStatHistory"]
    assert stat["taskId"] == task and stat["numElementsProcessed"] == 15


@pytest.mark.parametrize("body", [
    {"numAdditionalElementsProcessed": -1}, {"numAdditionalElementsProcessed": "5"},
    {"numAdditionalElementsProcessed": True}, {}, [5],
])
def test_progress_must_be_a_whole_number_of_elements(api: Api, jobs: Jobs, body: Any) -> None:
    api.post_job("etl", dataProcessingJobType=True)
    api.call("PUT", "/job/etl")
    [task] = jobs.offer()
    answer = api.call("POST", f"/job/etl/task/{quote(task)}/progress", body)
    assert answer.status_code == 400 and answer.json["message"]


def test_progress_is_refused_unless_the_job_is_a_data_job_with_that_task(
    api: Api, jobs: Jobs
) -> None:
    api.post_job("plain")
    api.post_job("data", dataProcessingJobType=True)
    api.call("PUT", "/job/plain")
    [task] = jobs.offer()
    body = {"numAdditionalElementsProcessed": 1}
    for name in ("plain", "data", "nope"):
        answer = api.call("POST", f"/job/{name}/task/{quote(task)}/progress", body)
        assert answer.status_code == 400 and answer.json["message"]
    [stat] = api.call("GET", "/job/stat/plain").json["taskStatHistory"]
    assert "numElementsProcessed" not in stat


def test_search_matches_name_command_or_any_with_limit_and_offset(api: Api) -> None:
    api.post_job("alpha", command="backup db")
    api.post_job("beta", command="send mail")
    api.post_job("gamma", command="backup files")

    def names(query: str) -> list[str]:
        return [j["name"] for j in api.call("GET", "/jobs/search" + query).json]

    assert names("?name=ALP") == ["alpha"]
    assert names("?command=backup") == ["alpha", "gamma"]
    assert names("?any=mail") == ["beta"]
    assert names("?name=alpha&any=mail") == ["alpha", "beta"]
    assert names("?command=backup&limit=1&offset=1") == ["gamma"]
    assert api.call("GET", "/jobs/search?limit=x").status_code == 400


def test_search_returns_ten_by_default(api: Api) -> None:
    for n in range(12):
        api.post_job(f"job{n:02d}")
    assert len(api.call("GET", "/jobs/search").json) == 10


def test_summary_shows_status_state_and_schedule(api: Api, jobs: Jobs) -> None:
    api.post_job("parent")
    api.post_job("child", parents=["parent"])
    api.call("PUT", "/job/parent")
    summary = {j["name"]: j for j in api.call("GET", "/jobs/summary").json["jobs"]}
    assert summary["parent"]["state"] == "queued" and summary["parent"]["status"] == "fresh"
    assert summary["child"] == {"name": "child", "status": "fresh", "state": "idle",
                                "schedule": "", "parents": ["parent"], "disabled": False}
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    assert api.call("GET", "/jobs/summary").json["jobs"][1]["state"] == "1 running"


def test_stats_come_from_finished_runs(api: Api, jobs: Jobs) -> None:
    api.post_job("etl")
    api.call("PUT", "/job/etl")
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    jobs.tick(3)
    jobs.status(task, "TASK_FINISHED")
    stat = api.call("GET", "/job/stat/etl").json
    assert stat["histogram"]["count"] == 1 and stat["histogram"]["median"] == 3000
    assert stat["taskStatHistory"][0]["taskId"] == task
    assert stat["taskStatHistory"][0]["status"] == "TASK_FINISHED"
    assert api.call("GET", "/stats/99thPercentile").json == [{"jobNameLabel": "etl", "time": 3.0}]


def test_stats_of_all_jobs_read_their_runs_in_one_query(api: Api, jobs: Jobs) -> None:
    for name in ("a", "b", "c"):
        api.post_job(name)
        api.call("PUT", f"/job/{name}")
    for task, seconds in zip(jobs.offer(), (1, 2, 3), strict=True):
        jobs.status(task, "TASK_RUNNING")
        jobs.tick(seconds)
        jobs.status(task, "TASK_FINISHED")
    with jobs.statements() as statements:
        times = api.call("GET", "/stats/median").json
    assert [(t["jobNameLabel"], t["time"]) for t in times] == [("c", 3.0), ("b", 2.0),
                                                               ("a", 1.0)]
    assert len([s for s in statements if "job_runs" in s]) == 1


def test_the_graph_is_served_as_dot_and_csv(api: Api) -> None:
    api.post_job("parent")
    api.post_job("child", parents=["parent"])
    dot = api.call("GET", "/graph/dot")
    assert dot.mimetype == "text/plain" and "2 -> 1;" in dot.get_data(as_text=True)
    csv = api.call("GET", "/graph/csv").get_data(as_text=True)
    assert csv == "node,child,fresh,idle\nnode,parent,fresh,idle\nlink,parent,child\n"


def test_a_2x_async_completion_callback_is_accepted_and_checked(api: Api) -> None:
    assert api.call("PUT", "/task/ct:1:0:job:", {"statusCode": 0}).status_code == 204
    assert api.call("PUT", "/task/ct:1:0:job:", {"statusCode": "ok"}).status_code == 400
