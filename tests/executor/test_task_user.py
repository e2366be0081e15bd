from __future__ import annotations

import os
import pwd
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
