"""/metrics of a real `dromos dev`: counters only grow, histograms fill, states stay listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from chronos.timefmt import format_instant
from tests.support.dev import Dev, wait_for

pytestmark = pytest.mark.e2e

JSON = {"Content-Type": "application/json"}


def sample(dev: Dev, name: str, **labels: str) -> float | None:
    """The value of one series on /metrics now, or None when it is not there."""
    text = requests.get(dev.url + "/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


def job(name: str, **fields: object) -> dict[str, object]:
    return {"name": name, "command": "true", "owner": "", "cpus": 0.01, "mem": 16,
            "retries": 0, "epsilon": "PT1M", "schedule": "R/2030-01-01T00:00:00Z/PT24H",
            **fields}


def idle(dev: Dev, name: str) -> bool:
    jobs = dev.get("/v1/scheduler/jobs/summary")["jobs"]
    return any(j["name"] == name and j["state"] == "idle" for j in jobs)


def post(dev: Dev, path: str, body: object) -> None:
    requests.post(dev.url + path, json=body, headers=JSON, timeout=10).raise_for_status()


def test_every_task_state_is_listed_even_at_zero(dev: Dev) -> None:
    for state in ("TASK_RUNNING", "TASK_FAILED", "TASK_STAGING", "TASK_KILLED"):
        assert sample(dev, "dromos_tasks", state=state) is not None, state


def test_process_metrics_are_exported(dev: Dev) -> None:
    assert (sample(dev, "process_resident_memory_bytes") or 0) > 0
    assert sample(dev, "process_cpu_seconds_total") is not None
    assert sample(dev, "python_info") == 1.0


def test_job_run_counts_never_go_down_when_a_job_is_deleted(dev: Dev) -> None:
    post(dev, "/v1/scheduler/iso8601", job("counted"))
    before = sample(dev, "dromos_job_runs_total", outcome="success") or 0.0
    for _ in range(3):
        requests.put(dev.url + "/v1/scheduler/job/counted", timeout=10).raise_for_status()
        wait_for(lambda: idle(dev, "counted"), 20)
    wait_for(lambda: sample(dev, "dromos_job_runs_total", outcome="success") == before + 3, 20)
    requests.delete(dev.url + "/v1/scheduler/job/counted", timeout=10).raise_for_status()
    assert sample(dev, "dromos_job_runs_total", outcome="success") == before + 3
    assert sample(dev, "dromos_job_runs_total", outcome="killed") is not None


def test_a_scheduled_run_records_how_late_it_started(dev: Dev) -> None:
    slot = format_instant(datetime.now(UTC) + timedelta(seconds=3))
    post(dev, "/v1/scheduler/iso8601", job("punctual", schedule=f"R1/{slot}/PT1H"))
    wait_for(lambda: sample(dev, "dromos_job_start_lateness_seconds_count") == 1.0, 30)
    late = sample(dev, "dromos_job_start_lateness_seconds_sum")
    assert late is not None and -1.0 < late < 5.0


def test_api_offers_queue_and_health_probes_are_timed(dev: Dev) -> None:
    app = {"id": "/served", "cmd": "python3 -m http.server $PORT0 --bind 127.0.0.1",
           "cpus": 0.01, "mem": 32, "instances": 1,
           "healthChecks": [{"protocol": "HTTP", "path": "/", "gracePeriodSeconds": 10,
                             "intervalSeconds": 1, "timeoutSeconds": 2}]}
    post(dev, "/v2/apps", app)
    wait_for(lambda: (sample(dev, "dromos_health_probe_duration_seconds_count") or 0) > 0, 30)
    assert (sample(dev, "dromos_task_queued_to_running_seconds_count", kind="app") or 0) >= 1
    assert (sample(dev, "dromos_offer_cycle_seconds_count") or 0) > 0
    requests.get(dev.url + "/v2/apps/served", timeout=10)
    count = sample(dev, "dromos_api_request_duration_seconds_count", method="GET",
                   route="/v2/apps/<path:app_id>")
    assert count is not None and count >= 1
