from __future__ import annotations

from collections.abc import Iterable

from discovery.feed import Delta, Event, Feed, Json, Source, changed


class Recorded(Source):
    """A state of apps and jobs that remembers which apps were read."""

    def __init__(self) -> None:
        self.state: dict[str, Json] = {"/a": {"id": "/a"}, "/b": {"id": "/b"}}
        self.reads: list[list[str] | None] = []

    def apps(self, app_ids: Iterable[str] | None) -> dict[str, Json | None]:
        wanted = sorted(self.state) if app_ids is None else sorted(app_ids)
        self.reads.append(None if app_ids is None else wanted)
        return {a: self.state.get(a) for a in wanted}

    def jobs(self) -> dict[str, list[Json]]:
        return {}

    def is_job(self, run_spec_id: str) -> bool:
        return run_spec_id.startswith("job:")


def test_only_the_apps_events_name_are_read_and_only_changes_passed_on() -> None:
    source = Recorded()
    seen: list[Delta] = []
    feed = Feed(source, [seen.append])
    feed.refresh(None, jobs=True)
    assert seen == [Delta({"/a": {"id": "/a"}, "/b": {"id": "/b"}}, {})]
    source.state["/b"] = {"id": "/b", "instances": 2}
    source.state["/c"] = {"id": "/c"}
    del source.state["/a"]
    feed.refresh({"/a", "/b"}, jobs=False)
    assert source.reads == [None, ["/a", "/b"]]
    assert seen[-1] == Delta({"/a": None, "/b": {"id": "/b", "instances": 2}}, {})
    feed.refresh({"/b"}, jobs=False)  # nothing changed: nothing passed on
    assert len(seen) == 2
    feed.refresh(None, jobs=False)  # a full read finds /c
    assert seen[-1] == Delta({"/c": {"id": "/c"}}, {})


def test_events_say_what_changed() -> None:
    events: list[Event] = [{"eventType": "status_update_event", "appId": "/a"},
                           {"eventType": "instance_changed_event", "runSpecId": "job:x"},
                           {"eventType": "event_stream_attached"}]
    assert changed(events, Recorded().is_job) == ({"/a"}, True)
    assert changed([{"eventType": "deployment_info"}], Recorded().is_job) == (None, True)


def test_deployment_events_name_the_apps_of_their_step_or_plan() -> None:
    step = {"actions": [{"action": "ScaleApplication", "app": "/a"}]}
    plan = {"steps": [step, {"actions": [{"action": "StartApplication", "app": "/b"}]}]}
    info = {"eventType": "deployment_info", "plan": plan, "currentStep": step}
    assert changed([info], Recorded().is_job) == ({"/a"}, False)
    done = {"eventType": "deployment_success", "id": "d", "plan": plan}
    assert changed([done], Recorded().is_job) == ({"/a", "/b"}, False)
