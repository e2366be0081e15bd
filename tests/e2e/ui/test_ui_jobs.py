"""The web UI's job pages in headless Chromium against a real `dromos dev`: create a job
through the form, see a schedule error next to its field, run a job and read its runs'
output, and open the dependency graph drawn as SVG."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.ui.conftest import WAIT_S, fill_form, wait_text
from tests.support.browser import PHONE, screenshot
from tests.support.dev import Dev

pytestmark = pytest.mark.e2e

LATER = "R/2099-01-01T00:00:00Z/P1D"


def post_dependent(dev: Dev, name: str, parent: str) -> None:
    response = requests.post(dev.url + "/v1/scheduler/dependency", timeout=10, json={
        "name": name, "command": f"echo {name} done", "parents": [parent], "cpus": 0.01,
        "mem": 16})
    assert response.status_code == 204, response.text


def test_a_job_created_through_the_form_is_shown_with_its_schedule(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page("/ui/job_form")
    fill_form(browser, "job-form", name="extract", command="echo extracted 42 rows",
              schedule=LATER, cpus="0.01", mem="16")
    WebDriverWait(browser, WAIT_S).until(lambda d: "/ui/job?job=extract" in d.current_url)
    facts = wait_text(browser, "#job-facts", LATER)  # as posted, as Chronos 3 returns it
    assert "never run" in facts and "0 / 0" in facts
    assert dev.get("/v1/scheduler/job/extract")["schedule"].startswith("R/2099-01-01")


def test_a_bad_schedule_shows_next_to_its_field(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page("/ui/job_form")
    fill_form(browser, "job-form", name="broken", command="true", schedule="R/someday/PT1H")
    wait_text(browser, '.field-error[data-error="schedule"]', "Cannot parse schedule")
    field = browser.find_element(By.NAME, "schedule")
    assert field.get_attribute("aria-invalid") == "true"
    screenshot(browser, "job-form-error")
    screenshot(browser, "job-form-error-390", PHONE[0])
    names = [job["name"] for job in dev.get("/v1/scheduler/jobs")]
    assert "broken" not in names


def test_a_run_and_its_dependents_show_their_output(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    post_dependent(dev, "load", "extract")
    post_dependent(dev, "report", "load")
    browser = open_page("/ui/job?job=extract")
    browser.find_element(By.ID, "run-now").click()
    run = wait_text(browser, "#runs tr[data-run]", "FINISHED")
    assert "Command exited with status 0" in run and "manual" in run
    browser = open_page("/ui/job?job=report")
    wait_text(browser, "#runs tr[data-run]", "FINISHED")
    screenshot(browser, "job")
    screenshot(browser, "job-390", PHONE[0])
    browser = open_page("/ui/jobs")
    row = wait_text(browser, '#jobs tr[data-job="extract"]', "succeeded")
    assert "1 / 0" in row
    assert "after load" in wait_text(browser, '#jobs tr[data-job="report"]', "report")
    screenshot(browser, "jobs")
    screenshot(browser, "jobs-390", PHONE[0])


def test_a_failed_run_shows_its_exit_status_and_stderr(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    response = requests.post(dev.url + "/v1/scheduler/iso8601", timeout=10, json={
        "name": "flaky", "command": "echo starting; echo disk full >&2; exit 3", "retries": 0,
        "schedule": LATER, "cpus": 0.01, "mem": 16})
    assert response.status_code == 204, response.text
    browser = open_page("/ui/job?job=flaky")
    browser.find_element(By.ID, "run-now").click()
    # The stderr tail is read from the sandbox once the run has failed: it follows shortly.
    run = wait_text(browser, "#runs tr[data-run]", "stderr: disk full")
    assert "FAILED: Command exited with status 3; stderr: disk full" in run
    assert "failed" in wait_text(browser, "#job-facts", "0 / 1")


def test_a_job_edited_through_the_form_keeps_its_place(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page("/ui/job_form?job=load")
    form = browser.find_element(By.ID, "job-form")
    assert form.find_element(By.NAME, "parents").get_attribute("value") == "extract"
    fill_form(browser, "job-form", command="echo loaded again")
    WebDriverWait(browser, WAIT_S).until(lambda d: "/ui/job?job=load" in d.current_url)
    wait_text(browser, "#job-facts", "echo loaded again")
    job = dev.get("/v1/scheduler/job/load")
    assert job["command"] == "echo loaded again" and job["parents"] == ["extract"]


def test_the_dependency_graph_is_drawn(dev: Dev, open_page: Callable[[str], Chrome]) -> None:
    browser = open_page("/ui/graph")
    wait_text(browser, "#graph", "report")

    def drawn(selector: str, attribute: str) -> set[str | None]:
        found = browser.find_elements(By.CSS_SELECTOR, selector)
        return {element.get_attribute(attribute) for element in found}

    assert {"extract", "load", "report"} <= drawn("svg .node", "data-job")
    assert {"extract->load", "load->report"} <= drawn("svg .edge", "data-edge")

    def top(job: str) -> float:
        rect = browser.find_element(By.CSS_SELECTOR, f'svg .node[data-job="{job}"] rect')
        return float(rect.get_attribute("y") or 0)

    assert top("extract") < top("load") < top("report")  # parents above their children
    screenshot(browser, "graph")
    screenshot(browser, "graph-390", PHONE[0])
    browser.find_element(By.CSS_SELECTOR, 'svg .node[data-job="load"]').click()
    WebDriverWait(browser, WAIT_S).until(lambda d: "/ui/job?job=load" in d.current_url)
