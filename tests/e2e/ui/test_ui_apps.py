"""The web UI's app pages in headless Chromium against a real `dromos dev`: create an app
through the form, watch it turn healthy, see a validation error next to its field, restart
it and watch the deployment's progress, read a task's log, and confirm destructive actions."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.ui.conftest import WAIT_S, fill_form, wait_text
from tests.support.browser import PHONE, screenshot
from tests.support.dev import Dev, wait_for

pytestmark = pytest.mark.e2e

SERVER = f"{sys.executable} -m http.server $PORT0 --bind 127.0.0.1"
APP = "/shop/web"


# Keeps the body of the page's next PUT across the navigation that follows it.
RECORD_PUTS = """
const original = window.fetch;
window.fetch = (url, options) => {
  if (options && options.method === "PUT") sessionStorage.setItem("put", options.body);
  return original(url, options);
};
"""


def test_root_redirects_to_the_ui(dev: Dev) -> None:
    response = requests.get(dev.url + "/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/ui/apps")


def test_an_app_created_through_the_form_becomes_healthy(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page("/ui/app_form")
    fill_form(browser, "app-form", id=APP, cmd=SERVER, instances="2", cpus="0.01", mem="32",
              health="HTTP", healthPath="/")
    WebDriverWait(browser, WAIT_S).until(lambda d: "/ui/app?" in d.current_url)
    wait_text(browser, "#app-status", "2 of 2 healthy", 60)
    assert wait_text(browser, "#app-status", "Running").startswith("Running")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#tasks tbody tr[data-task]")) == 2
    assert dev.get(f"/v2/apps{APP}")["app"]["tasksHealthy"] == 2
    screenshot(browser, "app")
    screenshot(browser, "app-390", PHONE[0])

    browser = open_page("/ui/apps")
    group = wait_text(browser, "#apps tr[data-group]", "/shop/")
    assert "2 / 2" in group and "Running" in group and "1 app" in group
    screenshot(browser, "apps")
    screenshot(browser, "apps-390", PHONE[0])
    browser.find_element(By.CSS_SELECTOR, '#apps tr[data-group="/shop"] a').click()
    row = wait_text(browser, "#apps tr[data-app]", APP)
    assert "Running" in row and "2 of 2 healthy" in row


def test_a_validation_error_shows_next_to_its_field(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page("/ui/app_form")
    fill_form(browser, "app-form", id="/shop/broken", cmd="sleep 100", cpus="-1")
    wait_text(browser, '.field-error[data-error="/cpus"]', "0.001 or more")
    cpus = browser.find_element(By.NAME, "cpus")
    assert cpus.get_attribute("aria-invalid") == "true"
    assert browser.find_element(By.NAME, "mem").get_attribute("aria-invalid") is None
    assert "/ui/app_form" in browser.current_url
    screenshot(browser, "app-form-error")
    screenshot(browser, "app-form-error-390", PHONE[0])
    assert requests.get(f"{dev.url}/v2/apps/shop/broken", timeout=10).status_code == 404


def test_a_rolling_restart_shows_its_progress(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    before = {t["id"] for t in dev.get(f"/v2/apps{APP}")["app"]["tasks"]}
    browser = open_page(f"/ui/app?id={APP}")
    wait_text(browser, "#app-status", "2 of 2 healthy")
    browser.find_element(By.ID, "restart").click()
    alert = WebDriverWait(browser, WAIT_S).until(lambda d: d.switch_to.alert)
    assert "Restart every instance" in alert.text
    alert.accept()
    card = wait_text(browser, "#app-deployments .deployment", "RestartApplication")
    assert "new instances ready" in card
    screenshot(browser, "app-restarting")
    seen = set()

    def finished() -> bool:
        try:
            for line in browser.find_elements(By.CSS_SELECTOR, "#app-deployments .progress-text"):
                seen.add(line.text)
            return "None running." in browser.find_element(By.ID, "app-deployments").text
        except StaleElementReferenceException:  # redrawn meanwhile: look again
            return False

    wait_for(finished, 60, lambda: f"restart never finished; progress seen: {seen}", 0.1)
    assert any(text.startswith(("0 of 2", "1 of 2")) for text in seen), seen
    wait_text(browser, "#app-status", "2 of 2 healthy")
    after = {t["id"] for t in dev.get(f"/v2/apps{APP}")["app"]["tasks"]}
    assert len(after) == 2 and not after & before


def test_an_edit_through_the_form_and_a_roll_back_from_the_versions(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page(f"/ui/app_form?id={APP}")
    form = browser.find_element(By.ID, "app-form")
    assert form.find_element(By.NAME, "instances").get_attribute("value") == "2"
    assert form.find_element(By.NAME, "health").get_attribute("value") == "HTTP"
    browser.execute_script(RECORD_PUTS)
    fill_form(browser, "app-form", mem="48")
    WebDriverWait(browser, WAIT_S).until(lambda d: "/ui/app?" in d.current_url)
    # As Marathon's UI: only what changed, as a partial update.
    assert browser.execute_script("return sessionStorage.getItem('put')") == '{"mem":48}'
    wait_text(browser, "#config", '"mem": 48')
    wait_text(browser, "#app-deployments", "None running.", 60)
    assert dev.get(f"/v2/apps{APP}")["app"]["mem"] == 48

    oldest = dev.get(f"/v2/apps{APP}/versions")["versions"][-1]
    browser.find_element(By.CSS_SELECTOR, f'#versions button[data-version="{oldest}"]').click()
    alert = WebDriverWait(browser, WAIT_S).until(lambda d: d.switch_to.alert)
    assert "Roll" in alert.text
    alert.accept()
    wait_text(browser, "#config", '"mem": 32')
    wait_text(browser, "#app-status", "2 of 2 healthy", 60)
    assert dev.get(f"/v2/apps{APP}")["app"]["mem"] == 32


def test_a_declined_confirmation_deletes_nothing(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page(f"/ui/app?id={APP}")
    browser.find_element(By.ID, "destroy").click()
    alert = WebDriverWait(browser, WAIT_S).until(lambda d: d.switch_to.alert)
    assert APP in alert.text
    alert.dismiss()
    time.sleep(0.5)  # what a click that went through would have had time to do
    assert dev.get(f"/v2/apps{APP}")["app"]["instances"] == 2
    assert all("StopApplication" not in str(d["steps"]) for d in dev.get("/v2/deployments"))


def test_the_deployments_and_queue_pages_say_why_an_app_waits(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    response = requests.post(dev.url + "/v2/apps", timeout=10, json={
        "id": "/shop/huge", "cmd": "sleep 100", "cpus": 500, "mem": 32})
    assert response.status_code == 201, response.text
    deployment_id = response.json()["deployments"][0]["id"]
    browser = open_page("/ui/deployments")
    card = wait_text(browser, ".deployment", "InsufficientCpus")
    assert "/shop/huge" in card
    screenshot(browser, "deployments")
    screenshot(browser, "deployments-390", PHONE[0])
    browser = open_page("/ui/queue")
    card = wait_text(browser, ".queued", "InsufficientCpus")
    assert "/shop/huge" in card and "Waiting" in card
    screenshot(browser, "queue")
    screenshot(browser, "queue-390", PHONE[0])
    browser = open_page("/ui/apps")
    assert "Deploying" in wait_text(browser, '#apps tr[data-group="/shop"]', "2 apps")
    browser = open_page("/ui/apps?group=/shop")
    row = wait_text(browser, "#apps tr[data-app]", "/shop/huge")
    assert "Deploying" in row

    browser = open_page("/ui/deployments")
    wait_text(browser, ".deployment", "/shop/huge")
    # Its own card's button: an earlier test's deployment of /shop/web may still be listed.
    browser.find_element(By.CSS_SELECTOR, f'button[data-rollback="{deployment_id}"]').click()
    alert = WebDriverWait(browser, WAIT_S).until(lambda d: d.switch_to.alert)
    assert "Roll back deployment" in alert.text
    alert.accept()
    wait_text(browser, "#deployments", "No deployment is running.", 60)
    wait_for(lambda: requests.get(f"{dev.url}/v2/apps/shop/huge", timeout=10).status_code == 404,
             30, "rolling back the deployment that created /shop/huge left it in place")


def test_every_asset_comes_from_dromos(dev: Dev, open_page: Callable[[str], Chrome]) -> None:
    browser = open_page(f"/ui/app?id={APP}")
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)")
    assert urls and all(url.startswith(dev.url + "/") for url in urls), urls


SET_HIDDEN_JS = """
Object.defineProperty(document, 'hidden', {value: arguments[0], configurable: true});
document.dispatchEvent(new Event('visibilitychange'));
"""


def test_a_hidden_page_lets_go_of_its_event_stream(
    dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page("/ui/apps")
    wait_text(browser, "#live", "live")
    browser.execute_script(SET_HIDDEN_JS, True)
    wait_text(browser, "#live", "paused")
    browser.execute_script(SET_HIDDEN_JS, False)
    wait_text(browser, "#live", "live")


def test_a_task_log_opens_in_the_page(dev: Dev, open_page: Callable[[str], Chrome]) -> None:
    task = dev.get(f"/v2/apps{APP}")["app"]["tasks"][0]["id"]

    def stderr() -> str:
        return str(requests.get(f"{dev.url}/dromos/tasks/{task}/log",
                                params={"stream": "stderr"}, timeout=10).json().get("data", ""))

    # A task just started by an earlier test's restart has not been health-checked yet.
    wait_for(lambda: "GET / HTTP" in stderr(), 30, lambda: f"no request logged: {stderr()!r}")
    browser = open_page(f"/ui/app?id={APP}")
    wait_text(browser, "#tasks tr[data-task]", task)
    browser.find_element(By.CSS_SELECTOR, f'a[data-log="{task}"]').click()
    browser.find_element(By.CSS_SELECTOR, '#log-panel button[data-stream="stderr"]').click()
    wait_text(browser, "#log", "GET / HTTP")
