"""Deployment plans as specifications: which steps turn one set of apps into another."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.deployments.plan import Action, ActionKind, Deployment, Steps, plan_steps


@dataclass(frozen=True)
class App:
    """Just enough of an app for planning: a command, a size and dependencies."""

    cmd: str = "run"
    instances: int = 1
    dependencies: tuple[str, ...] = ()


def _scale_only(old: App, new: App) -> bool:
    return (old.cmd, old.dependencies) == (new.cmd, new.dependencies)


def plan(original: dict[str, App | None], target: dict[str, App | None],
         restart: frozenset[str] = frozenset()) -> Steps:
    return plan_steps(original, target, _scale_only, lambda a: a.dependencies, restart)


def kinds(steps: Steps) -> list[list[tuple[str, str]]]:
    return [[(a.kind.value, a.app_id) for a in step] for step in steps]


def test_a_new_app_gets_a_start_placeholder_then_scales_up() -> None:
    steps = plan({"/a": None}, {"/a": App(instances=3)})
    assert kinds(steps) == [[("StartApplication", "/a")], [("ScaleApplication", "/a")]]


def test_a_removed_app_stops_in_the_first_step() -> None:
    steps = plan({"/a": App(), "/b": App()}, {"/a": None, "/b": App(instances=2)})
    assert kinds(steps) == [[("StopApplication", "/a")], [("ScaleApplication", "/b")]]


def test_a_change_of_instances_only_scales() -> None:
    assert kinds(plan({"/a": App(instances=1)}, {"/a": App(instances=5)})) == [
        [("ScaleApplication", "/a")]]


def test_any_other_change_restarts() -> None:
    assert kinds(plan({"/a": App(cmd="v1")}, {"/a": App(cmd="v2", instances=4)})) == [
        [("RestartApplication", "/a")]]


def test_an_explicit_restart_of_an_unchanged_app_restarts() -> None:
    app = App()
    assert kinds(plan({"/a": app}, {"/a": app}, restart=frozenset({"/a"}))) == [
        [("RestartApplication", "/a")]]


def test_nothing_changed_is_an_empty_plan() -> None:
    assert plan({"/a": App()}, {"/a": App()}) == ()


def test_dependencies_go_first_deepest_first_and_independents_share_a_step() -> None:
    target: dict[str, App | None] = {
        "/db": App(),
        "/cache": App(),
        "/api": App(dependencies=("/db", "/cache")),
        "/web": App(dependencies=("/api",)),
    }
    steps = plan(dict.fromkeys(target), target)
    assert kinds(steps)[1:] == [
        [("ScaleApplication", "/cache"), ("ScaleApplication", "/db")],
        [("ScaleApplication", "/api")],
        [("ScaleApplication", "/web")],
    ]


def test_an_unchanged_dependency_does_not_get_a_step_but_still_orders() -> None:
    db = App()
    original: dict[str, App | None] = {"/db": db, "/api": App(cmd="v1", dependencies=("/db",))}
    target: dict[str, App | None] = {"/db": db, "/api": App(cmd="v2", dependencies=("/db",))}
    assert kinds(plan(original, target)) == [[("RestartApplication", "/api")]]


def test_a_dependency_cycle_still_plans_every_app() -> None:
    target: dict[str, App | None] = {"/a": App(dependencies=("/b",)),
                                     "/b": App(dependencies=("/a",))}
    steps = plan(dict.fromkeys(target), target)
    assert sorted(a.app_id for step in steps[1:] for a in step) == ["/a", "/b"]


def test_dependencies_outside_the_plan_are_ignored() -> None:
    target: dict[str, App | None] = {"/a": App(dependencies=("/elsewhere",))}
    assert kinds(plan({"/a": None}, target))[1] == [("ScaleApplication", "/a")]


# Deployment ---------------------------------------------------------------------------------
def _deployment() -> Deployment:
    steps = ((Action(ActionKind.STOP, "/old"),),
             (Action(ActionKind.RESTART, "/a"), Action(ActionKind.SCALE, "/b")))
    return Deployment(id="d1", version="2030-01-01T00:00:00.000Z", steps=steps,
                      original={"/a": {"id": "/a"}, "/b": None, "/old": {"id": "/old"}},
                      target={"/a": {"id": "/a"}, "/b": {"id": "/b"}, "/old": None},
                      started_at=10.0, timeout_at=70.0)


def test_a_deployment_names_every_app_it_touches_and_its_current_actions() -> None:
    deployment = _deployment()
    assert deployment.affected_apps == ["/a", "/b", "/old"]
    assert deployment.current_actions == (Action(ActionKind.STOP, "/old"),)
    deployment.current_step = 2
    assert deployment.current_actions == ()


def test_a_deployment_survives_a_round_trip_through_json() -> None:
    deployment = _deployment()
    deployment.current_step = 1
    deployment.waiting = {"/a": "not persisted: recomputed on resume"}
    restored = Deployment.from_json(deployment.to_json())
    assert restored.current_step == 1
    assert restored.steps == deployment.steps
    assert (restored.original, restored.target) == (deployment.original, deployment.target)
    assert restored.timeout_at == 70.0
    assert restored.waiting == {}
