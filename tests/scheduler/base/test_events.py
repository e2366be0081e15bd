from __future__ import annotations

from scheduler.base.events import EventBus, iso_timestamp


def test_subscribers_get_only_the_event_types_they_asked_for() -> None:
    bus = EventBus()
    everything = bus.subscribe()
    only_status = bus.subscribe(["status_update_event"])
    bus.publish("api_post_event", 0.0, uri="/v2/apps")
    bus.publish("status_update_event", 0.0, taskId="t1")
    assert [e["eventType"] for e in (everything.get(0), everything.get(0))] == [
        "api_post_event", "status_update_event",
    ]
    event = only_status.get(0)
    assert event is not None and event["taskId"] == "t1"
    assert only_status.get(0) is None


def test_a_subscriber_that_falls_behind_is_cut_off_without_blocking() -> None:
    bus = EventBus(max_outstanding=3)
    slow = bus.subscribe()
    for i in range(10):
        bus.publish("status_update_event", 0.0, n=i)
    assert slow.closed
    received = []
    while (event := slow.get(0)) is not None:
        received.append(event)
    assert len(received) <= 3


def test_timestamps_are_marathon_iso_with_milliseconds() -> None:
    assert iso_timestamp(1_700_000_000.5) == "2023-11-14T22:13:20.500Z"


def test_a_stream_ended_wakes_its_reader_and_gets_nothing_more() -> None:
    bus = EventBus()
    ended, other = bus.subscribe(), bus.subscribe()
    bus.end(ended)
    bus.publish("status_update_event", 0.0)
    assert ended.closed and ended.get(0) is None
    assert not other.closed and other.get(0) is not None
