from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from executor.runner import Orchestrator
from executor.status import TaskState
from tests.executor.conftest import RecordingSink, task_info

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")


@as_root
def test_a_task_runs_as_its_command_user_and_owns_its_sandbox(
    orchestrator: Orchestrator, sink: RecordingSink, tmp_path: Path
) -> None:
    orchestrator.launch(task_info("as-nobody", {
        "value": 'test "$(id -un)" = nobody && echo written > out.txt', "shell": True,
        "user": "nobody",
    }))
    final = sink.wait_terminal("as-nobody")
    assert final.state is TaskState.FINISHED, final.message
    (written,) = tmp_path.rglob("as-nobody/out.txt")
    assert written.read_text() == "written\n"
    nobody = pwd.getpwnam("nobody").pw_uid
    for name in ("stdout", "stderr"):
        assert (written.parent / name).stat().st_uid == nobody


@as_root
def test_an_unknown_user_fails_the_launch(orchestrator: Orchestrator, sink: RecordingSink) -> None:
    orchestrator.launch(task_info("ghost", {"value": "true", "shell": True,
                                            "user": "no-such-user-here"}))
    final = sink.wait_terminal("ghost")
    assert final.state is TaskState.FAILED
    assert "no-such-user-here" in final.message


def test_the_executor_s_own_user_runs_the_task_without_switching(
    orchestrator: Orchestrator, sink: RecordingSink
) -> None:
    me = pwd.getpwuid(os.geteuid()).pw_name
    orchestrator.launch(task_info("as-me", {"value": f'test "$(id -un)" = {me}',
                                            "shell": True, "user": me}))
    assert sink.wait_terminal("as-me").state is TaskState.FINISHED


@as_root
def test_a_task_cannot_fetch_a_file_its_user_cannot_read(
    orchestrator: Orchestrator, sink: RecordingSink, tmp_path: Path
) -> None:
    orchestrator.launch(task_info("shadow", {
        "value": "true", "shell": True, "user": "nobody",
        "uris": [{"value": "file:///etc/shadow"}],
    }))
    final = sink.wait_terminal("shadow")
    assert final.state is TaskState.FAILED
    assert "cannot be read as user 'nobody'" in final.message
    assert not list(tmp_path.rglob("shadow/shadow"))


@as_root
def test_a_task_fetches_what_its_user_can_read_and_owns_the_copy(
    orchestrator: Orchestrator, sink: RecordingSink, tmp_path: Path
) -> None:
    public = Path(tempfile.mkdtemp())
    try:
        public.chmod(0o755)
        (public / "motd.txt").write_text("hello\n")
        orchestrator.launch(task_info("motd", {
            "value": "test \"$(cat motd.txt)\" = hello", "shell": True, "user": "nobody",
            "uris": [{"value": f"file://{public}/motd.txt"}],
        }))
        final = sink.wait_terminal("motd")
        assert final.state is TaskState.FINISHED, final.message
        (copy,) = tmp_path.rglob("motd/motd.txt")
        assert copy.stat().st_uid == pwd.getpwnam("nobody").pw_uid
    finally:
        shutil.rmtree(public)
