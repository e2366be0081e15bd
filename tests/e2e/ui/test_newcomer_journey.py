"""A newcomer's first hour, end to end, from the README only: `make run`, an app created in the
web UI that turns healthy, its log, a rolling restart followed in the `dromos` CLI, a job with
a dependent job and its output, why an app waits, and Ctrl-C (a UI tab open, a log followed),
after which nothing is left running and nothing was printed but the goodbye.

`dromos dev` is started as `make run` starts it (the command `make -n run` prints), on this
test's own ports; the tests run in order on that one cluster and one browser.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.ui.conftest import WAIT_S, fill_form, wait_text
from tests.support.browser import screenshot
from tests.support.dev import Dev, running_dev_command, wait_for
from tests.support.localmesos import processes_under, reserved_port_range, reserved_ports

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()
APP = "/hello"
SERVER = f"echo hello from $MESOS_TASK_ID; exec {sys.executable} -m http.server $PORT0 " \
         "--bind 127.0.0.1"
LATER = "R/2099-01-01T00:00:00Z/P1D"
# A terminal as wide as a laptop's: the CLI's tables and bars are not wrapped.
CLI_ENV = {**os.environ, "COLUMNS": "160"}


def make_run_command(port: int, data_dir: Path) -> list[str]:
    """What `make run` runs, with this port and data dir (its prerequisites are built)."""
    printed = subprocess.run(["make", "-s", "-n", "run", f"PORT={port}", f"DATA_DIR={data_dir}"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (line,) = [line for line in printed.splitlines() if " dev " in line]
    return shlex.split(line)


@pytest.fixture(scope="module")
def command(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """`make run`'s command on ports of this test's own, as `--mesos-port` and `--ports` give
    (README: the master listens on 127.0.0.1:5050 by default, the agent offers 31000-32000)."""
    data_dir = tmp_path_factory.mktemp("make-run")
    with reserved_ports(2) as (port, mesos_port), reserved_port_range() as agent_ports:
        yield [*make_run_command(port, data_dir), "--mesos-port", str(mesos_port),
               "--ports", agent_ports]


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


@pytest.fixture(scope="module")
def dev(command: list[str]) -> Iterator[Dev]:
    data_dir = Path(option(command, "--data-dir"))
    with running_dev_command(command, data_dir, int(option(command, "--port")),
                             int(option(command, "--mesos-port")),
                             option(command, "--ports")) as running:
        yield running


def dromos(command: list[str], dev: Dev, *args: str) -> subprocess.CompletedProcess[str]:
    """The `dromos` client of `make run`'s virtualenv, as a user types it."""
    return subprocess.run([str(ROOT / command[0]), *args, "--url", dev.url], cwd=ROOT,
                          env=CLI_ENV, capture_output=True, text=True, timeout=120)


def test_the_readme_says_what_make_run_starts(command: list[str], dev: Dev) -> None:
    readme_port = re.search(r"make run .*API on http://127\.0\.0\.1:(\d+)", README)
    assert readme_port, "the README no longer says where `make run` serves the API"
    defaults = dict(re.findall(r"^(PORT|DATA_DIR) \?= (\S+)$", MAKEFILE, re.MULTILINE))
    assert defaults.get("PORT") == readme_port[1]
    assert f"dromos dev [--port {defaults['PORT']}]" in README
    assert f"[--data-dir {defaults.get('DATA_DIR')}]" in README
    assert f"http://127.0.0.1:{readme_port[1]}/ui" in README
    assert command[:2] == [".venv/bin/dromos", "dev"]
    assert f"API on {dev.url}," in dev.log()
    for words in ("make run", "Ctrl-C stops them all", "dromos app add", "restart",
                  "dromos task logs", "dromos queue list", "dromos job add", "job runs"):
        assert words in README, f"the journey uses {words!r}, which the README never names"


def test_the_root_leads_to_the_ui_where_a_new_app_turns_healthy(dev: Dev,
                                                                 browser: Chrome) -> None:
    browser.get(dev.url + "/")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.current_url == dev.url + "/ui/apps")
    wait_text(browser, "#live", "live")
    screenshot(browser, "journey-empty")
    browser.find_element(By.LINK_TEXT, "Create app").click()
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.ID, "app-form"))
    fill_form(browser, "app-form", id=APP, cmd=SERVER, instances="2", cpus="0.01", mem="32",
              health="HTTP", healthPath="/")
    WebDriverWait(browser, WAIT_S).until(lambda d: "/ui/app?" in d.current_url)
    wait_text(browser, "#app-status", "2 of 2 healthy", 60)
    screenshot(browser, "journey-app")


def test_a_task_log_shows_the_apps_output(dev: Dev, browser: Chrome) -> None:
    task = dev.get(f"/v2/apps{APP}")["app"]["tasks"][0]["id"]
    wait_text(browser, "#tasks tr[data-task]", task)
    browser.find_element(By.CSS_SELECTOR, f'a[data-log="{task}"]').click()
    wait_text(browser, "#log", f"hello from {task}")
    screenshot(browser, "journey-log")


def test_a_rolling_restart_is_followed_live_in_the_cli(command: list[str], dev: Dev) -> None:
    before = {t["id"] for t in dev.get(f"/v2/apps{APP}")["app"]["tasks"]}
    restart = subprocess.Popen(
        [str(ROOT / command[0]), "app", "restart", APP, "--wait", "--timeout", "90",
         "--url", dev.url], cwd=ROOT, env=CLI_ENV, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    assert restart.stdout is not None
    lines = [(time.monotonic(), line.rstrip("\n")) for line in restart.stdout]
    assert restart.wait(10) == 0, lines
    output = "\n".join(line for _, line in lines)
    step = next(at for at, line in lines if "step 1/1: RestartApplication /hello" in line)
    assert re.search(r"/hello .* 2/2 healthy", output), output
    assert lines[-1][1].startswith("deployment ") and lines[-1][1].endswith(" finished")
    # Live: the step was shown while the new instances came up, not all at the end.
    assert lines[-1][0] - step > 0.4, lines
    after = {t["id"] for t in dev.get(f"/v2/apps{APP}")["app"]["tasks"]}
    assert len(after) == 2 and not after & before


def test_a_job_and_its_dependent_run_and_show_their_output(
    command: list[str], dev: Dev, browser: Chrome, open_page: Callable[[str], Chrome],
    tmp_path: Path,
) -> None:
    open_page("/ui/job_form")
    fill_form(browser, "job-form", name="extract", command="echo extracted 42 rows",
              schedule=LATER, cpus="0.01", mem="16")
    WebDriverWait(browser, WAIT_S).until(lambda d: "/ui/job?job=extract" in d.current_url)
    child = tmp_path / "load.json"  # Chronos job JSON, as a Chronos user has them
    child.write_text(json.dumps({"name": "load", "command": "echo loaded 42 rows",
                                 "parents": ["extract"], "owner": "", "cpus": 0.01,
                                 "mem": 16}))
    added = dromos(command, dev, "job", "add", str(child))
    assert added.returncode == 0, added.stdout + added.stderr

    open_page("/ui/job?job=extract")
    browser.find_element(By.ID, "run-now").click()
    wait_text(browser, "#runs tr[data-run]", "FINISHED")
    open_page("/ui/job?job=load")
    assert "Command exited with status 0" in wait_text(browser, "#runs tr[data-run]",
                                                       "FINISHED")
    browser.find_element(By.CSS_SELECTOR, "#runs a[data-log]").click()
    wait_text(browser, "#log", "loaded 42 rows")
    screenshot(browser, "journey-job")

    runs = dromos(command, dev, "job", "runs", "load")
    assert runs.returncode == 0, runs.stderr
    header, row = runs.stdout.splitlines()[:2]
    assert header.split()[:5] == ["RUN", "TRIGGER", "STATUS", "TASK", "EXIT"]
    _, trigger, status, task, exit_status = row.split()
    assert (trigger, status, exit_status) == ("dependency", "ok", "0"), runs.stdout
    logs = dromos(command, dev, "task", "logs", task)
    assert logs.stdout == "loaded 42 rows\n", logs.stderr


def test_why_an_app_waits_is_said_in_the_cli_and_the_ui(
    command: list[str], dev: Dev, open_page: Callable[[str], Chrome], tmp_path: Path,
) -> None:
    huge = tmp_path / "huge.json"  # more cpus than the one agent has
    huge.write_text(json.dumps({"id": "/huge", "cmd": "sleep 600", "cpus": 500, "mem": 32}))
    added = dromos(command, dev, "app", "add", str(huge))
    assert added.returncode == 0, added.stdout + added.stderr

    def waiting_row() -> str | None:
        listed = dromos(command, dev, "queue", "list").stdout.splitlines()
        return next((line for line in listed if line.startswith("/huge")
                     and "InsufficientCpus" in line), None)

    row = wait_for(waiting_row, 30, lambda: dromos(command, dev, "queue", "list").stdout)
    assert row.split()[1] == "1"  # one instance waits
    browser = open_page("/ui/queue")
    card = wait_text(browser, ".queued", "InsufficientCpus")
    assert "/huge" in card and "Waiting" in card
    screenshot(browser, "journey-queue")


def test_ctrl_c_leaves_nothing_running_and_says_only_goodbye(
    command: list[str], dev: Dev, open_page: Callable[[str], Chrome],
) -> None:
    browser = open_page("/ui/apps")  # a tab left open: its event stream is still attached
    wait_text(browser, "#live", "live")
    task = dev.get(f"/v2/apps{APP}")["app"]["tasks"][0]["id"]
    follower = subprocess.Popen(  # and a log followed in another terminal
        [str(ROOT / command[0]), "task", "logs", "-f", task, "--url", dev.url], cwd=ROOT,
        env=CLI_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert follower.stdout is not None
    assert follower.stdout.readline() == f"hello from {task}\n"
    cluster = cluster_processes(dev)
    assert len(cluster) >= 6, cluster  # dev, scheduler, master, agent, the 2 app tasks
    printed = len(dev.log())

    started = time.monotonic()
    os.killpg(dev.process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    assert dev.process.wait(30) == 0
    took = time.monotonic() - started
    assert dev.log()[printed:] == "dromos dev: stopped\n"
    assert follower.wait(10) == 0  # the stream ended as the API stopped
    assert "Traceback" not in follower.stdout.read()
    wait_for(lambda: not alive(cluster), 10, lambda: f"left running: {alive(cluster)}")
    assert not cluster_processes(dev)
    print(f"Ctrl-C to exit: {took:.1f}s")


def cluster_processes(dev: Dev) -> dict[int, str]:
    """pid -> command line of what `make run` started: the processes of its session and of
    its children's process groups (each has its own), and those with a sandbox below its
    data dir (tasks, and executors where there are)."""
    groups = {dev.process.pid}
    for pid_file in dev.data_dir.rglob("*.pid"):
        pid = int(pid_file.read_text())
        groups.add(_stat(pid).get("pgrp", pid))
    found = {pid: _command(pid) for pid in processes_under(dev.data_dir)}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and (stat["pgrp"] in groups or stat["session"] == dev.process.pid):
                found[int(entry.name)] = _command(int(entry.name))
    return found


def alive(processes: dict[int, str]) -> dict[int, str]:
    """Those of `processes` still there (the same command under the same pid)."""
    return {pid: cmd for pid, cmd in processes.items() if _command(pid) == cmd}


def _stat(pid: int) -> dict[str, int]:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return {}
    return {"pgrp": int(fields[2]), "session": int(fields[3])}


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
