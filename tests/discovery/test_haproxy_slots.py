from __future__ import annotations

from discovery.haproxy_slots import MIN_SLOTS, assign, commands, fit, sized

A, B, C = ("10.0.0.1", 31000), ("10.0.0.1", 31001), ("10.0.0.2", 31000)


def test_fresh_slots_leave_room_for_as_many_again() -> None:
    assert sized([B, A]) == (A, B) + (None,) * (MIN_SLOTS - 2)
    assert len(sized([("10.0.0.9", p) for p in range(10)])) == 20


def test_members_that_stay_keep_their_slot_and_joiners_take_free_ones() -> None:
    slots = (A, B, None)
    assert assign(slots, [B, C]) == (C, B, None)
    assert assign(slots, []) == (None, None, None)
    assert assign(slots, [A, B, C, ("10.0.0.3", 1)]) is None  # out of slots
    assert fit(slots, [A, B, C, ("10.0.0.3", 1)]) == sized([A, B, C, ("10.0.0.3", 1)])


def test_commands_change_only_the_slots_that_changed() -> None:
    assert commands("web_10000", (A, B, None), (None, B, C)) == [
        "set server web_10000/s1 state maint",
        "set server web_10000/s3 addr 10.0.0.2 port 31000",
        "set server web_10000/s3 state ready",
    ]
    assert commands("web_10000", (A,), (A,)) == []
