"""What a sweep of containers kills: their processes, wherever they went, and nothing else."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from localmesos.agent import containers
from localmesos.agent.containers import CONTAINER_MARKER, ProcessTable


def alive(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is None


def test_a_sweep_kills_the_processes_carrying_the_marker_and_theirs_only(
    tmp_path: Path,
) -> None:
    env = {**os.environ, CONTAINER_MARKER: "swept"}
    # A process that left its parent's session, with a child of its own; and a neighbour.
    marked = subprocess.Popen(["setsid", "sh", "-c", "sleep 60 & exec sleep 60"], env=env)
    neighbour = subprocess.Popen(["sleep", "60"], env={**os.environ, CONTAINER_MARKER: "kept"})
    try:
        deadline = time.monotonic() + 10
        while len(ProcessTable.read().members(set(), {"swept"})) < 2:
            assert time.monotonic() < deadline, "the marked processes never showed"
            time.sleep(0.05)
        containers.kill_containers({"swept"})
        marked.wait(10)
        while ProcessTable.read().members(set(), {"swept"}):  # until reaped
            assert time.monotonic() < deadline + 10, "a marked process outlived the sweep"
            time.sleep(0.05)
        assert alive(neighbour)
    finally:
        neighbour.kill()
        neighbour.wait()
        marked.kill()
        marked.wait()


def test_a_pid_seen_by_an_earlier_walk_is_not_killed_if_it_is_another_process_now() -> None:
    process = subprocess.Popen(["sleep", "60"])
    try:
        table = ProcessTable.read()
        assert process.pid in table.parents
        # As if the walk had seen an earlier process with this pid (another start time).
        table.started[process.pid] -= 1
        table.kill({process.pid})
        time.sleep(0.2)
        assert alive(process)
        table.started[process.pid] += 1
        table.kill({process.pid})
        assert process.wait(10) == -9
    finally:
        process.kill()
        process.wait()
