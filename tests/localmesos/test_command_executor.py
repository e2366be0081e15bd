"""Command tasks as the agent supervises them, the way Mesos's command executor does: one
sandbox each (seen through /state and /files), the environment, CommandInfo's user and
URIs, the updates, the kill policy, and Mesos health checks, all driven over the v1
scheduler API."""

from __future__ import annotations

import http.server
import io
import pwd
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.localmesos.clients.command_tasks import (
    HEALTH_UPDATE,
    check,
    kill_with_grace,
    read_file,
    sandbox,
    updates_until,
)
from tests.localmesos.clients.helpers import framework_processes, sandbox_of, wait_until
from tests.localmesos.clients.v1client import V1Scheduler, task
from tests.support.localmesos import LocalMesos, free_port


@pytest.fixture
def localmesos(module_localmesos: LocalMesos) -> LocalMesos:
    return module_localmesos


def launch(client: V1Scheduler, task_id: str, command: dict[str, Any], **fields: Any) -> None:
    offer = client.offer()
    info = task(offer, task_id, command=command, **fields)
    assert client.accept(offer, [info]).status_code == 202


def test_a_command_task_has_its_own_sandbox_with_its_output_in_files(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launch(scheduler, "out", {"value": "echo to-out; echo to-err >&2; sleep 30"})
    states = [s["state"] for s in updates_until(scheduler, "out", "TASK_RUNNING")]
    assert states == ["TASK_STARTING", "TASK_RUNNING"]
    directory = sandbox_of(localmesos, scheduler.framework_id, "out")
    agent_id = localmesos.state()["slaves"][0]["id"]
    layout = f"slaves/{agent_id}/frameworks/{scheduler.framework_id}/executors/out/runs"
    assert str(directory.parent).endswith(layout)
    wait_until(lambda: "to-err" in read_file(localmesos, directory / "stderr"))
    assert read_file(localmesos, directory / "stdout") == "to-out\n"
    listing = requests.get(
        f"{localmesos.agent_url}/files/browse", params={"path": str(directory)}, timeout=5
    ).json()
    assert {Path(e["path"]).name for e in listing} >= {"stdout", "stderr"}
    # Only the task's own processes run: no executor process beside it.
    [pid] = [p for p in framework_processes(localmesos, scheduler.framework_id)
             if Path(f"/proc/{p}/cmdline").read_bytes().startswith(b"sleep")]  # fmt: skip
    assert len(framework_processes(localmesos, scheduler.framework_id)) <= 2  # sh and sleep
    assert pid


def test_updates_are_the_command_executors(scheduler: V1Scheduler) -> None:
    launch(scheduler, "ok", {"value": "true"})
    launch(scheduler, "three", {"value": "exit 3"})
    launch(scheduler, "killed", {"value": "kill -9 $$"})
    finished = updates_until(scheduler, "ok", "TASK_FINISHED")
    assert [s["state"] for s in finished] == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    assert {s["source"] for s in finished} == {"SOURCE_EXECUTOR"}
    assert all(s["executor_id"] == {"value": "ok"} and "uuid" in s for s in finished)
    assert finished[-1]["message"] == "Command exited with status 0"
    failed = updates_until(scheduler, "three", "TASK_FAILED")[-1]
    assert failed["message"] == "Command exited with status 3"
    signalled = updates_until(scheduler, "killed", "TASK_FAILED")[-1]
    assert signalled["message"] == "Command terminated with signal Killed"


def test_a_finished_task_ends_at_once_and_what_it_left_behind_is_killed(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launched = time.monotonic()
    launch(scheduler, "leaver", {"value": "setsid sleep 300 & exit 0"})
    updates_until(scheduler, "leaver", "TASK_FINISHED")
    assert time.monotonic() - launched < 5
    wait_until(lambda: not framework_processes(localmesos, scheduler.framework_id))


def test_the_task_sees_its_environment(localmesos: LocalMesos, scheduler: V1Scheduler) -> None:
    variables = [{"name": "GREETING", "value": "hi there"}]
    shown = "MESOS_SANDBOX MESOS_TASK_ID MESOS_AGENT_ID MESOS_SLAVE_ID HOST GREETING"
    script = f'for v in {shown}; do eval "echo $v=\\$$v"; done; pwd'
    launch(scheduler, "env", {"value": script, "environment": {"variables": variables}})
    updates_until(scheduler, "env", "TASK_FINISHED")
    directory = sandbox(localmesos, scheduler.framework_id, "env")
    lines = (directory / "stdout").read_text().splitlines()
    agent = localmesos.state()["slaves"][0]
    assert lines == [
        f"MESOS_SANDBOX={directory}",
        "MESOS_TASK_ID=env",
        f"MESOS_AGENT_ID={agent['id']}",
        f"MESOS_SLAVE_ID={agent['id']}",
        f"HOST={agent['hostname']}",
        "GREETING=hi there",
        str(directory),
    ]


def test_shell_false_runs_value_with_arguments(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    command = {"shell": False, "value": "/bin/echo", "arguments": ["echo", "a  b", "$HOME"]}
    launch(scheduler, "argv", command)
    updates_until(scheduler, "argv", "TASK_FINISHED")
    assert (
        sandbox(localmesos, scheduler.framework_id, "argv") / "stdout"
    ).read_text() == "a  b $HOME\n"


def test_the_task_runs_as_its_commands_user(localmesos: LocalMesos, scheduler: V1Scheduler) -> None:
    nobody = pwd.getpwnam("nobody")
    launch(scheduler, "as-nobody", {"value": "id -un; touch mine; sleep 30", "user": "nobody"})
    updates_until(scheduler, "as-nobody", "TASK_RUNNING")
    directory = sandbox(localmesos, scheduler.framework_id, "as-nobody")
    wait_until(lambda: (directory / "mine").exists())
    assert (directory / "stdout").read_text() == "nobody\n"
    assert directory.stat().st_uid == nobody.pw_uid
    assert (directory / "mine").stat().st_uid == nobody.pw_uid


def test_a_command_with_no_user_runs_as_its_frameworks_user(
    localmesos: LocalMesos, connect: Callable[..., V1Scheduler]
) -> None:
    nobody = pwd.getpwnam("nobody")
    framework = connect(user="nobody")
    launch(framework, "framework-user", {"value": "id -un; touch mine"})
    launch(framework, "own-user", {"value": "id -un", "user": "root"})
    updates_until(framework, "framework-user", "TASK_FINISHED")
    updates_until(framework, "own-user", "TASK_FINISHED")
    directory = sandbox(localmesos, framework.framework_id, "framework-user")
    assert (directory / "stdout").read_text() == "nobody\n"
    assert (directory / "mine").stat().st_uid == nobody.pw_uid
    own = sandbox(localmesos, framework.framework_id, "own-user")
    assert (own / "stdout").read_text() == "root\n"  # the command's own user wins


def test_an_unknown_framework_user_fails_a_launch_with_no_user(
    connect: Callable[..., V1Scheduler]
) -> None:
    framework = connect(user="no-such-user-here")
    launch(framework, "ghost", {"value": "true"})
    [failed] = updates_until(framework, "ghost", "TASK_FAILED")
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert "no-such-user-here" in failed["message"]


def test_an_unknown_user_fails_the_launch(scheduler: V1Scheduler) -> None:
    launch(scheduler, "ghost", {"value": "true", "user": "no-such-user-here"})
    [failed] = updates_until(scheduler, "ghost", "TASK_FAILED")
    assert failed["source"] == "SOURCE_AGENT"
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert "no-such-user-here" in failed["message"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """An HTTP server over `tmp_path`; yields its base URL."""
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_uris_are_fetched_into_the_sandbox(
    localmesos: LocalMesos, scheduler: V1Scheduler, tmp_path: Path, served: str
) -> None:
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"from the archive\n"
        member = tarfile.TarInfo("bundle/data.txt")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    (tmp_path / "run.sh").write_text("#!/bin/sh\necho script ran\n")
    (tmp_path / "kept.tar.gz").write_bytes(archive.read_bytes())
    uris = [
        {"value": f"file://{archive}"},
        {"value": f"{served}/run.sh", "executable": True},
        {"value": str(tmp_path / "kept.tar.gz"), "extract": False, "output_file": "k.tgz"},
    ]
    launch(scheduler, "fetch", {"value": "cat bundle/data.txt; ./run.sh; ls", "uris": uris})
    updates_until(scheduler, "fetch", "TASK_FINISHED")
    output = (
        (sandbox(localmesos, scheduler.framework_id, "fetch") / "stdout").read_text().splitlines()
    )
    assert output[:2] == ["from the archive", "script ran"]
    assert {"bundle", "bundle.tar.gz", "k.tgz", "run.sh"} <= set(output[2:])


def test_a_uri_that_cannot_be_fetched_fails_the_launch(scheduler: V1Scheduler) -> None:
    launch(scheduler, "nofetch", {"value": "true", "uris": [{"value": "/no/such/file.tgz"}]})
    [failed] = updates_until(scheduler, "nofetch", "TASK_FAILED")
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert "/no/such/file.tgz" in failed["message"]


def test_a_local_uri_is_read_with_the_task_users_rights(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    uris = [{"value": "/etc/shadow"}]
    launch(scheduler, "peek", {"value": "cat shadow", "user": "nobody", "uris": uris})
    [failed] = updates_until(scheduler, "peek", "TASK_FAILED")
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert "cannot be read as user 'nobody'" in failed["message"]
    launch(scheduler, "read", {"value": "grep -q root passwd", "user": "nobody",
                               "uris": [{"value": "/etc/passwd"}]})
    updates_until(scheduler, "read", "TASK_FINISHED")
    copy = sandbox(localmesos, scheduler.framework_id, "read") / "passwd"
    assert copy.stat().st_uid == pwd.getpwnam("nobody").pw_uid


def test_an_archive_member_cannot_land_outside_the_sandbox(
    localmesos: LocalMesos, scheduler: V1Scheduler, tmp_path: Path
) -> None:
    payload = tmp_path / "evil.txt"
    payload.write_text("owned\n")
    with tarfile.open(tmp_path / "evil.tgz", "w:gz") as archive:
        archive.add(payload, arcname="../escaped.txt")
    launch(scheduler, "evil", {"value": "true", "uris": [{"value": str(tmp_path / "evil.tgz")}]})
    [failed] = updates_until(scheduler, "evil", "TASK_FAILED")
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert "outside" in failed["message"]
    sandboxes = localmesos.data_dir.glob("slaves/*/frameworks/*/executors/evil/runs")
    assert not any((runs / "escaped.txt").exists() for runs in sandboxes)


def test_kill_sends_killing_then_sigkill_after_the_grace_period(
    localmesos: LocalMesos, killing_scheduler: V1Scheduler
) -> None:
    scheduler = killing_scheduler
    # The group ignores SIGTERM, and a process that left it for its own session is
    # still in the container.
    launch(scheduler, "stubborn", {"value": "trap '' TERM; setsid sleep 300 & sleep 300"})
    updates_until(scheduler, "stubborn", "TASK_RUNNING")
    wait_until(lambda: len(framework_processes(localmesos, scheduler.framework_id)) == 3)
    killed = kill_with_grace(scheduler, "stubborn", 1.5)
    assert killed["message"] == "Command terminated with signal Killed"
    assert not framework_processes(localmesos, scheduler.framework_id)


def test_kill_uses_the_tasks_kill_policy_and_sigterm_ends_it(
    localmesos: LocalMesos, killing_scheduler: V1Scheduler
) -> None:
    scheduler = killing_scheduler
    policy = {"grace_period": {"nanoseconds": 30_000_000_000}}
    launch(scheduler, "polite", {"value": "exec sleep 300"}, kill_policy=policy)
    updates_until(scheduler, "polite", "TASK_RUNNING")
    asked = time.monotonic()
    scheduler.call("KILL", {"task_id": {"value": "polite"}})
    killing, killed = updates_until(scheduler, "polite", "TASK_KILLED")
    assert killing["state"] == "TASK_KILLING"
    assert time.monotonic() - asked < 10
    assert killed["message"] == "Command terminated with signal Terminated"
    wait_until(lambda: not framework_processes(localmesos, scheduler.framework_id))


def test_without_the_killing_capability_a_kill_goes_straight_to_killed(
    scheduler: V1Scheduler,
) -> None:
    launch(scheduler, "plain", {"value": "sleep 300"})
    updates_until(scheduler, "plain", "TASK_RUNNING")
    scheduler.call("KILL", {"task_id": {"value": "plain"}})
    assert [s["state"] for s in updates_until(scheduler, "plain", "TASK_KILLED")] == ["TASK_KILLED"]


def test_a_task_past_its_max_completion_time_is_killed_and_fails(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launched = time.monotonic()
    launch(scheduler, "overdue", {"value": "sleep 300"},
           max_completion_time={"nanoseconds": 1_000_000_000})
    *_, failed = updates_until(scheduler, "overdue", "TASK_FAILED")
    assert failed["reason"] == "REASON_MAX_COMPLETION_TIME_REACHED"
    assert 1.0 <= time.monotonic() - launched < 10
    wait_until(lambda: not framework_processes(localmesos, scheduler.framework_id))


def test_a_failing_health_check_kills_the_task(
    localmesos: LocalMesos, killing_scheduler: V1Scheduler
) -> None:
    scheduler = killing_scheduler
    # Failures before the first success are within the grace period: not counted.
    probe = check("COMMAND", command={"value": "test -e healthy"}, consecutive_failures=2,
                  grace_period_seconds=30)  # fmt: skip
    launch(scheduler, "sick", {"value": "touch healthy; sleep 1; rm healthy; sleep 300"},
           health_check=probe)  # fmt: skip
    seen = updates_until(scheduler, "sick", "TASK_KILLED")
    health = [s for s in seen if s.get("reason") == HEALTH_UPDATE]
    assert [s["healthy"] for s in health] == [True, False, False]
    assert all(s["state"] == "TASK_RUNNING" for s in health)
    assert [s["state"] for s in seen[-2:]] == ["TASK_KILLING", "TASK_KILLED"]
    assert seen[-1]["healthy"] is False
    wait_until(lambda: not framework_processes(localmesos, scheduler.framework_id))


def test_http_and_tcp_health_checks_reach_the_task(scheduler: V1Scheduler) -> None:
    port = free_port()
    server = {"value": f"exec python3 -m http.server --bind 127.0.0.1 {port}"}
    web = check("HTTP", http={"port": port, "path": "/"}, grace_period_seconds=30)
    launch(scheduler, "web", server, health_check=web)
    closed = check("TCP", tcp={"port": free_port()}, consecutive_failures=0)  # never kills
    launch(scheduler, "tcp", {"value": "sleep 300"}, health_check=closed)
    [healthy] = [s for s in updates_until(scheduler, "web", "TASK_RUNNING", health=True)]
    assert healthy["healthy"] is True and "returned 200" in healthy["message"]
    [unhealthy] = [s for s in updates_until(scheduler, "tcp", "TASK_RUNNING", health=True)]
    assert unhealthy["healthy"] is False
    assert "connect" in unhealthy["message"]


def test_an_image_task_without_a_docker_containerizer_fails(scheduler: V1Scheduler) -> None:
    container = {"type": "DOCKER", "docker": {"image": "busybox"}}
    launch(scheduler, "boxed", {"value": "true"}, container=container)
    [failed] = updates_until(scheduler, "boxed", "TASK_FAILED")
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert "docker" in failed["message"]
