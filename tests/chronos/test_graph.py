"""The job DAG: cycles, unknown parents, delete rules, DOT and CSV, trigger state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chronos.dependencies import DependencyState
from chronos.errors import InvalidJob
from chronos.graph import JobGraph
from chronos.job import Job, job_from_json

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def scheduled(name: str) -> Job:
    return job_from_json({"name": name, "schedule": "R/2026-05-01T00:00:00Z/PT1H"}, NOW)


def dependent(name: str, *parents: str) -> Job:
    return job_from_json({"name": name, "parents": list(parents)}, NOW, kind="dependency")


def diamond() -> JobGraph:
    """a -> b, a -> c, (b, c) -> d."""
    graph = JobGraph()
    for job in (scheduled("a"), dependent("b", "a"), dependent("c", "a"), dependent("d", "b", "c")):
        graph.put(job)
    return graph


def test_parents_and_children() -> None:
    graph = diamond()
    assert graph.children("a") == ("b", "c")
    assert graph.parents("d") == ("b", "c")
    assert graph.children("d") == ()


def test_unknown_parent_is_refused_and_nothing_changes() -> None:
    graph = diamond()
    with pytest.raises(InvalidJob, match="parent job 'zz' of 'e' does not exist"):
        graph.put(dependent("e", "a", "zz"))
    assert "e" not in graph and graph.children("a") == ("b", "c")


def test_cycle_is_refused_and_the_old_job_stays() -> None:
    graph = diamond()
    with pytest.raises(InvalidJob, match="would create a cycle"):
        graph.put(dependent("b", "d"))
    assert graph.parents("b") == ("a",)
    assert graph.children("d") == ()


def test_scheduled_job_cannot_become_child_of_its_descendant() -> None:
    graph = diamond()
    with pytest.raises(InvalidJob, match="cycle"):
        graph.put(dependent("a", "d"))


def test_unknown_job_is_a_chronos_400() -> None:
    with pytest.raises(InvalidJob, match="Job 'nope' not found"):
        JobGraph().get("nope")


def test_replacing_a_dependent_job_with_a_scheduled_one_drops_its_edges() -> None:
    graph = diamond()
    graph.put(scheduled("b"))
    assert graph.children("a") == ("c",)
    assert graph.children("b") == ("d",)


def test_deleting_a_dependent_job_hands_its_parents_to_its_children() -> None:
    graph = diamond()
    changed = graph.remove("b")
    assert [(job.name, job.parents, job.disabled) for job in changed] == [("d", ("a", "c"), False)]
    assert graph.parents("d") == ("a", "c")
    assert graph.children("a") == ("c", "d")


def test_deleting_a_scheduled_parent_disables_orphans_until_edited() -> None:
    graph = JobGraph()
    for job in (
        scheduled("a"),
        scheduled("x"),
        dependent("only", "a"),
        dependent("both", "a", "x"),
    ):
        graph.put(job)
    changed = {job.name: job for job in graph.remove("a")}
    assert changed["only"].parents == () and changed["only"].disabled
    assert changed["only"].schedule is None
    assert changed["both"].parents == ("x",) and not changed["both"].disabled
    assert graph.find("a") is None and graph.get("only").disabled


def test_orphan_cannot_be_stored_enabled_without_parents() -> None:
    graph = JobGraph()
    with pytest.raises(InvalidJob, match="needs at least one parent"):
        graph.put(Job("orphan"))


def test_dot_numbers_vertices_by_name() -> None:
    assert diamond().to_dot() == (
        "digraph G {\n"
        '  1 [ label="a" ];\n'
        '  2 [ label="b" ];\n'
        '  3 [ label="c" ];\n'
        '  4 [ label="d" ];\n'
        "  1 -> 2;\n"
        "  1 -> 3;\n"
        "  2 -> 4;\n"
        "  3 -> 4;\n"
        "}\n"
    )


def test_csv_lists_nodes_with_states_then_links() -> None:
    csv = diamond().to_csv({"a": ("success", "idle"), "b": ("failure", "1 running")})
    assert csv.splitlines() == [
        "node,a,success,idle",
        "node,b,failure,1 running",
        "node,c,fresh,idle",
        "node,d,fresh,idle",
        "link,a,b",
        "link,a,c",
        "link,b,d",
        "link,c,d",
    ]


def test_child_fires_once_every_parent_has_completed() -> None:
    graph = diamond()
    assert graph.on_job_done("a") == ["b", "c"]
    assert graph.on_job_done("b") == []
    assert graph.on_job_done("c") == ["d"]


def test_child_start_resets_the_cycle() -> None:
    graph = diamond()
    graph.on_job_done("b")
    graph.on_job_done("c")
    graph.dependency_state.on_child_started("d")
    assert graph.dependency_state.waiting_on("d") == ("b", "c")
    assert graph.on_job_done("b") == []


def test_repeated_parent_completion_does_not_satisfy_another_parent() -> None:
    graph = diamond()
    graph.on_job_done("b")
    assert graph.on_job_done("b") == []
    assert graph.dependency_state.waiting_on("d") == ("c",)


def test_disabled_child_records_the_fact_but_is_not_due() -> None:
    graph = JobGraph()
    graph.put(scheduled("a"))
    graph.put(Job("b", parents=("a",), disabled=True))
    assert graph.on_job_done("a") == []
    assert graph.dependency_state.waiting_on("b") == ()


def test_editing_a_child_keeps_facts_for_parents_it_keeps() -> None:
    graph = diamond()
    graph.put(scheduled("e"))
    graph.on_job_done("b")
    graph.put(dependent("d", "b", "e"))
    assert graph.dependency_state.waiting_on("d") == ("e",)
    assert graph.on_job_done("e") == ["d"]


def test_trigger_state_survives_a_restart_through_plain_dicts() -> None:
    graph = diamond()
    graph.on_job_done("b")
    stored = graph.dependency_state.to_dict()
    assert stored["d"] == {"b": True, "c": False}
    jobs = list(reversed(graph.jobs()))
    restarted = JobGraph.from_jobs(jobs, DependencyState.from_dict(stored))
    assert restarted.on_job_done("c") == ["d"]


def test_restart_drops_state_of_jobs_and_edges_that_no_longer_exist() -> None:
    stored = {"d": {"b": True, "gone": True}, "ghost": {"a": True}}
    restarted = JobGraph.from_jobs(diamond().jobs(), DependencyState.from_dict(stored))
    assert restarted.dependency_state.to_dict() == {
        "b": {"a": False},
        "c": {"a": False},
        "d": {"b": True, "c": False},
    }


def test_rebuilding_with_a_missing_parent_is_refused() -> None:
    with pytest.raises(InvalidJob, match="unknown parents or a cycle"):
        JobGraph.from_jobs([dependent("b", "a")])


def test_deleting_a_job_forgets_its_trigger_facts() -> None:
    graph = diamond()
    graph.on_job_done("b")
    graph.remove("b")
    assert graph.dependency_state.to_dict()["d"] == {"a": False, "c": False}
