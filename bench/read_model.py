"""What publishing the read model costs the owner thread, in this process.

One app of N running tasks on the scheduler stack with Mesos played by hand (the tests'
`Cluster`, manual clock, no threads). Rows, each the CPU of `ReadModel.publish` alone
(thread CPU time, so the harness's own work is not counted):

- idle: a turn that changed nothing;
- 1 task: a turn in which one task's health changed (its JSON re-rendered, the app's view
  copied);
- 200 tasks: a turn of 200 kills (a full turn of status updates, `core.TURN`);
- full: the first publish after a restart (every task rendered), for scale;
- GET: assembling GET /v2/apps?embed=apps.tasks from the snapshot (an API thread's work).

    .venv/bin/python -m bench read_model [--sizes 1000,3000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from api.marathon_json import app_info
from tests.scheduler.appmanager.apps_harness import Cluster

TASK = {"cmd": "sleep 1000", "cpus": 0.001, "mem": 0.1, "portDefinitions": []}


def cpu_of(fn: Callable[[], object], repeat: int = 1) -> float:
    """Thread CPU seconds of one call of `fn`, best of `repeat`."""
    best = float("inf")
    for _ in range(repeat):
        started = time.thread_time()
        fn()
        best = min(best, time.thread_time() - started)
    return best


def launched(cluster: Cluster, count: int) -> list[str]:
    cluster.create(id="/web", instances=count, **TASK)
    tasks: list[str] = []
    while len(tasks) < count:
        tasks += cluster.offer()
    for task_id in tasks:
        cluster.rt.framework.on_status({
            "task_id": {"value": task_id}, "state": "TASK_RUNNING",
            "agent_id": {"value": f"agent-{cluster.mesos[task_id]}"},
            "source": "SOURCE_EXECUTOR", "uuid": "dXVpZA==",
        })
    cluster.rt.core.run_pending()
    return tasks


def measure(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(Path(tmp))
        try:
            tasks = launched(cluster, size)
            rt = cluster.rt
            publish = rt.reads.publish
            idle = cpu_of(publish, 20)
            renders = rt.reads.renders
            one_task = float("inf")
            for task_id in tasks[1:21]:
                record = rt.framework.tracker.get(task_id)
                assert record is not None
                rt.framework.tracker.update(task_id, healthy=not record.healthy)
                one_task = min(one_task, cpu_of(publish))
            renders_one = (rt.reads.renders - renders) / 20
            for task_id in tasks[-200:]:
                rt.framework.tracker.update(task_id, state="TASK_KILLED")
            two_hundred = cpu_of(publish)
            view = rt.snapshot.apps["/web"]
            get = cpu_of(lambda: app_info(view, {"apps.tasks"}), 5)
            rt.reads._defs.clear()  # as after a restart: every app and task anew
            full = cpu_of(lambda: publish(everything=True))
        finally:
            cluster.close()
    print(f"{size:>6} tasks: publish idle {idle * 1e6:.0f} us; 1 task changed "
          f"{one_task * 1e6:.0f} us ({renders_one:.0f} render); 200 killed "
          f"{two_hundred * 1e3:.2f} ms; full {full * 1e3:.1f} ms; "
          f"GET apps+tasks assembly {get * 1e3:.2f} ms (API thread)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench read_model", description=__doc__)
    parser.add_argument("--sizes", default="1000,3000")
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size)


if __name__ == "__main__":
    main()
