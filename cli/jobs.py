"""`dromos job ...`: Chronos jobs over /v1/scheduler."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from cli.options import Session, connected, json_file, read_json_file

BASE = "/v1/scheduler"


def _job_path(name: str) -> str:
    return f"{BASE}/job/{quote(name, safe='')}"


@click.group()
def job() -> None:
    """Chronos jobs: list, show, add, update, delete, run now, runs, graph, kill."""


@job.command("list")
@connected
def list_jobs(session: Session) -> None:
    """Every job: its schedule or parents, its counts and its state."""
    jobs = session.client.get(f"{BASE}/jobs")
    states = {s["name"]: s for s in session.client.get(f"{BASE}/jobs/summary")["jobs"]}
    rows = [(j["name"], j.get("schedule") or "after " + ",".join(j.get("parents", [])),
             states.get(j["name"], {}).get("status", ""),
             states.get(j["name"], {}).get("state", ""), j.get("successCount", 0),
             j.get("errorCount", 0), "yes" if j.get("disabled") else "")
            for j in jobs]
    session.show(jobs, ["NAME", "SCHEDULE", "LAST", "STATE", "OK", "ERRORS", "DISABLED"], rows)


@job.command("show")
@click.argument("name")
@connected
def show_job(session: Session, name: str) -> None:
    """One job's definition and counts."""
    found = session.client.get(_job_path(name))
    keys = ["name", "command", "schedule", "parents", "successCount", "errorCount",
            "lastSuccess", "lastError", "retries", "disabled"]
    rows = [(k, found[k]) for k in keys if k in found and found[k] not in (None, "", [])]
    session.show(found, ["FIELD", "VALUE"], rows)


def _save(session: Session, file: Path, method: str) -> None:
    definition = read_json_file(file)
    kind = "dependency" if isinstance(definition, dict) and definition.get("parents") else (
        "iso8601")
    send = session.client.post if method == "POST" else session.client.put
    answer = send(f"{BASE}/{kind}", definition)
    name = definition.get("name") if isinstance(definition, dict) else None
    session.done(answer, f"saved job {name}")


@job.command("add")
@json_file
@connected
def add_job(session: Session, file: Path) -> None:
    """Create a job from a Chronos job JSON file (with `parents`: a dependent job)."""
    _save(session, file, "POST")


@job.command("update")
@json_file
@connected
def update_job(session: Session, file: Path) -> None:
    """Replace a job with the definition in a Chronos job JSON file."""
    _save(session, file, "PUT")


@job.command("delete")
@click.argument("name")
@connected
def delete_job(session: Session, name: str) -> None:
    """Delete a job and its history."""
    session.done(session.client.delete(_job_path(name)), f"deleted job {name}")


@job.command("run")
@click.argument("name")
@click.option("--arguments", help="arguments appended to the command of this run")
@connected
def run_job(session: Session, name: str, arguments: str | None) -> None:
    """Run a job now."""
    params = {"arguments": arguments} if arguments else {}
    session.done(session.client.put(_job_path(name), **params), f"started a run of {name}")


@job.command("kill")
@click.argument("name")
@connected
def kill_job(session: Session, name: str) -> None:
    """Kill a job's running tasks and withdraw its queued runs."""
    answer = session.client.delete(f"{BASE}/task/kill/{quote(name, safe='')}")
    session.done(answer, f"killing the tasks of {name}")


def _last_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else ""


@job.command("runs")
@click.argument("name")
@connected
def job_runs(session: Session, name: str) -> None:
    """A job's runs, newest first: status, task, exit status, last line of stderr."""
    runs = session.client.get(f"{BASE}/job/runs/{quote(name, safe='')}")
    rows: list[tuple[Any, ...]] = []
    for run in runs:
        attempt = run["attempts"][-1] if run["attempts"] else {}
        rows.append((run["id"], run["trigger"], run["status"], attempt.get("taskId", ""),
                     attempt.get("exitStatus"), _last_line(attempt.get("stderrTail"))))
    session.show(runs, ["RUN", "TRIGGER", "STATUS", "TASK", "EXIT", "STDERR"], rows)


@job.command("graph")
@connected
def job_graph(session: Session) -> None:
    """The dependency graph: each job with its last status and the jobs it triggers."""
    text = session.client.text(f"{BASE}/graph/csv")
    nodes: dict[str, tuple[str, str]] = {}
    children: dict[str, list[str]] = {}
    for row in csv.reader(io.StringIO(text)):
        if row and row[0] == "node":
            nodes[row[1]] = (row[2], row[3])
        elif row and row[0] == "link":
            children.setdefault(row[1], []).append(row[2])
    data = {"nodes": {n: {"status": s, "state": st} for n, (s, st) in nodes.items()},
            "edges": [[p, c] for p, cs in children.items() for c in cs]}
    rows = [(n, s, st, ", ".join(children.get(n, []))) for n, (s, st) in sorted(nodes.items())]
    session.show(data, ["JOB", "LAST", "STATE", "TRIGGERS"], rows)
