"""A page on another origin, in headless Chromium, cannot create an app or a job (issue 13).

The page (served from another 127.0.0.1 port) tries what a hostile page can: simple
fetch() POSTs (text/plain, no-cors), a JSON fetch (needs a preflight the API does not
grant), and HTML form POSTs with a text/plain body shaped like JSON. With auth off and
with auth on, none of them may create anything.
"""

from __future__ import annotations

import contextlib
import http.server
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.localmesos import free_port
from tests.support.scheduler_process import running_scheduler

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
AUTH = ("ops", "s3cret")
APP = '{"id": "/csrf-%s", "cmd": "id > /tmp/pwned", "cpus": 0.01, "mem": 8}'
JOB = ('{"name": "csrf-%s", "command": "id > /tmp/pwned", "owner": "a@example.com", '
       '"schedule": "R/2030-01-01T00:00:00Z/PT1M"}')

PAGE = """<!doctype html><html><body>
<form id="app" method="POST" enctype="text/plain" action="{api}/v2/apps" target="sink1">
  <input name='{{"id": "/csrf-form", "cmd": "id", "cpus": 0.01, "mem": 8, "x": "' value='"}}'>
</form>
<form id="job" method="POST" enctype="text/plain" action="{api}/v1/scheduler/iso8601"
      target="sink2">
  <input name='{{"name": "csrf-form", "command": "id", "owner": "a@example.com",
    "schedule": "R/2030-01-01T00:00:00Z/PT1M", "x": "' value='"}}'>
</form>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<script>
const api = "{api}";
const attempts = [
  ["/v2/apps", {app_plain}, "text/plain", "cors"],
  ["/v2/apps", {app_nocors}, "text/plain", "no-cors"],
  ["/v2/apps", {app_json}, "application/json", "cors"],
  ["/v1/scheduler/iso8601", {job_plain}, "text/plain", "cors"],
  ["/v1/scheduler/iso8601", {job_nocors}, "text/plain", "no-cors"],
  ["/v1/scheduler/iso8601", {job_json}, "application/json", "cors"],
];
window.results = [];
window.done = Promise.all(attempts.map(([path, body, type, mode]) =>
  fetch(api + path, {{method: "POST", body: body, mode: mode, credentials: "include",
                      headers: {{"Content-Type": type}}}})
    .then(r => window.results.push(path + " " + mode + " " + r.status))
    .catch(e => window.results.push(path + " " + mode + " blocked"))));
document.getElementById("app").submit();
document.getElementById("job").submit();
</script></body></html>
"""


@contextlib.contextmanager
def attacker_site(api: str) -> Iterator[str]:
    """The hostile page, served from another origin (another port of 127.0.0.1)."""
    def body(template: str, tag: str) -> str:
        return repr(template % tag)

    page = PAGE.format(api=api, app_plain=body(APP, "plain"), app_nocors=body(APP, "nocors"),
                       app_json=body(APP, "json"), job_plain=body(JOB, "plain"),
                       job_nocors=body(JOB, "nocors"), job_json=body(JOB, "json"))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("no chromium: run tools/install_browser.sh (make test does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in ("--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def attack(api: str) -> list[str]:
    """Open the hostile page and wait for all its requests; returns what its fetches saw."""
    with attacker_site(api) as page, chromium() as driver:
        driver.set_script_timeout(20)  # type: ignore[attr-defined]
        driver.get(page)  # type: ignore[attr-defined]
        results: list[str] = driver.execute_async_script(  # type: ignore[attr-defined]
            "const done = arguments[0]; window.done.then(() => done(window.results));")
        # The forms post into iframes; give their navigations time to reach the API.
        driver.execute_async_script(  # type: ignore[attr-defined]
            "const done = arguments[0]; setTimeout(done, 1500);")
        return results


def created(api: str, auth: tuple[str, str] | None) -> tuple[list[str], list[str]]:
    apps = requests.get(api + "/v2/apps", auth=auth, timeout=10).json()["apps"]
    jobs = requests.get(api + "/v1/scheduler/jobs", auth=auth, timeout=10).json()
    return [a["id"] for a in apps], [j["name"] for j in jobs]


@pytest.mark.parametrize("auth", [None, AUTH], ids=["auth-off", "auth-on"])
def test_a_page_on_another_origin_cannot_create_apps_or_jobs(
    tmp_path: Path, auth: tuple[str, str] | None
) -> None:
    env = {"DROMOS_HTTP_CREDENTIALS": ":".join(auth)} if auth else {}
    with running_scheduler(tmp_path, env=env) as api:
        results = attack(api)
        assert len(results) == 6, results
        assert not any(r.endswith((" 201", " 204")) for r in results), results
        assert created(api, auth) == ([], [])
        # The same requests from a client that is not a browser on another origin work.
        answer = requests.post(api + "/v2/apps", data=APP % "direct", auth=auth, timeout=10,
                               headers={"Content-Type": "application/json"})
        assert answer.status_code == 201
        assert created(api, auth) == (["/csrf-direct"], [])
