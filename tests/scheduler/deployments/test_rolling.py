"""The capacity arithmetic of rolling restarts and scaling, as specifications.

`Fleet` plays the rest of the scheduler around `rolling.restart`: it applies each
decision (kills become "killing", launches become queued), and the test decides when a
launch lands, when a new instance becomes ready and when a kill is confirmed. After every
step it checks the two promises of a rolling restart: no kill takes the ready instances
below minHealthy, and no launch takes the existing ones (queued launches included) above
maxCapacity.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import pytest

from scheduler.deployments import rolling
from scheduler.deployments.rolling import InstanceView, Tally


def tally(views: list[InstanceView]) -> Tally:
    live = [v for v in views if not v.killing]
    return Tally(len(views), len(live), sum(v.ready for v in live))


def restart(n: int, min_health: float, over: float, old: list[InstanceView],
            new: list[InstanceView], queued: int) -> tuple[rolling.Decision, tuple[str, ...]]:
    """The decision, and whom it kills: the first old instances in kill order."""
    decision = rolling.restart(n, min_health, over, tally(old), tally(new), queued)
    return decision, rolling.kill_order(old, decision.kill, youngest_first=False)


def scale(n: int, instances: list[InstanceView], queued: int, youngest_first: bool) -> (
    tuple[rolling.Decision, tuple[str, ...]]
):
    decision = rolling.scale(n, tally(instances), queued)
    return decision, rolling.kill_order(instances, decision.kill, youngest_first)


def test_min_healthy_rounds_up_and_max_capacity_rounds_down() -> None:
    assert rolling.capacity(10, 0.6, 0.2) == (6, 12)
    assert rolling.capacity(3, 0.7, 0.0) == (3, 4)  # ceil(2.1) = 3, then one extra
    assert rolling.capacity(3, 0.5, 0.5) == (2, 4)  # ceil(1.5), floor(4.5)
    assert rolling.capacity(7, 0.3, 0.3) == (3, 9)  # ceil(2.1), floor(9.1)


def test_float_noise_does_not_move_the_bounds() -> None:
    # 10 x 0.7 is 7.000000000000001 in floating point; 10 x 1.1 is 11.000000000000002.
    assert rolling.capacity(10, 0.7, 0.1) == (7, 11)


def test_defaults_allow_a_whole_second_set_of_instances() -> None:
    assert rolling.capacity(10, 1.0, 1.0) == (10, 20)


def test_zero_zero_keeps_nothing_healthy_and_allows_no_extra() -> None:
    assert rolling.capacity(10, 0.0, 0.0) == (0, 10)


def test_when_min_healthy_meets_max_capacity_one_extra_instance_is_allowed() -> None:
    assert rolling.capacity(3, 1.0, 0.0) == (3, 4)
    assert rolling.capacity(1, 1.0, 0.0) == (1, 2)


def test_an_app_scaled_to_nothing_has_no_capacity() -> None:
    assert rolling.capacity(0, 1.0, 0.0) == (0, 0)


# A simulated fleet --------------------------------------------------------------------------
@dataclass
class Fleet:
    n: int
    min_health: float
    over_capacity: float
    old: list[InstanceView] = field(default_factory=list)
    new: list[InstanceView] = field(default_factory=list)
    queued: int = 0
    min_ready_seen: int = 10**6
    max_existing_seen: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def of_ready(cls, count: int, n: int, min_health: float, over: float) -> Fleet:
        fleet = cls(n, min_health, over)
        fleet.old = [InstanceView(f"old-{i}", ready=True, staged_at=float(i))
                     for i in range(count)]
        return fleet

    @property
    def bounds(self) -> tuple[int, int]:
        return rolling.capacity(self.n, self.min_health, self.over_capacity)

    @property
    def ready(self) -> int:
        return sum(v.ready and not v.killing for v in self.old + self.new)

    @property
    def existing(self) -> int:
        return len(self.old) + len(self.new) + self.queued

    def evaluate(self) -> rolling.Decision:
        ready_before = self.ready
        decision, victims = restart(self.n, self.min_health, self.over_capacity,
                                    self.old, self.new, self.queued)
        killed = set(victims)
        self.old = [replace(v, killing=True) if v.task_id in killed else v for v in self.old]
        self.new = [replace(v, killing=True) if v.task_id in killed else v for v in self.new]
        self.queued += decision.launch - decision.unqueue
        self._check(ready_before, decision)
        return decision

    def _check(self, ready_before: int, decision: rolling.Decision) -> None:
        min_healthy, max_capacity = self.bounds
        self.min_ready_seen = min(self.min_ready_seen, self.ready)
        self.max_existing_seen = max(self.max_existing_seen, self.existing)
        assert self.ready >= min(min_healthy, ready_before), (self.old, self.new)
        if decision.launch:
            assert self.existing <= max_capacity, (self.old, self.new, self.queued)

    def land_queued(self) -> None:
        """Every queued launch finds an offer; the new instances are not ready yet."""
        for _ in range(self.queued):
            self.new.append(InstanceView(f"new-{next(self._ids)}", ready=False,
                                         staged_at=100.0 + len(self.new)))
        self.queued = 0
        self.evaluate()

    def confirm_kills(self) -> int:
        """Mesos reports every requested kill done."""
        gone = sum(v.killing for v in self.old + self.new)
        self.old = [v for v in self.old if not v.killing]
        self.new = [v for v in self.new if not v.killing]
        self.evaluate()
        return gone

    def one_becomes_ready(self) -> bool:
        for i, view in enumerate(self.new):
            if not view.ready and not view.killing:
                self.new[i] = replace(view, ready=True)
                self.evaluate()
                return True
        return False

    @property
    def done(self) -> bool:
        return rolling.restart_done(self.n, tally(self.old), tally(self.new))

    def run_to_completion(self, max_steps: int = 200) -> None:
        self.evaluate()
        for _ in range(max_steps):
            if self.done:
                return
            if self.queued:
                self.land_queued()
            elif any(v.killing for v in self.old + self.new):
                self.confirm_kills()
            elif not self.one_becomes_ready():
                raise AssertionError(f"restart stalled: {self}")
        raise AssertionError(f"restart did not finish: {self}")


# The reference's worked example -------------------------------------------------------------
def test_worked_example_starts_by_killing_four_and_queueing_two() -> None:
    fleet = Fleet.of_ready(10, n=10, min_health=0.6, over=0.2)
    first = fleet.evaluate()
    assert first.kill == 4
    assert first.launch == 2
    assert fleet.ready == 6
    assert fleet.existing == 12


def test_worked_example_fills_up_to_twelve_as_the_kills_are_confirmed() -> None:
    fleet = Fleet.of_ready(10, n=10, min_health=0.6, over=0.2)
    fleet.evaluate()
    assert fleet.evaluate() == rolling.Decision()  # nothing more until something changes
    fleet.land_queued()
    assert fleet.confirm_kills() == 4
    assert fleet.queued == 4  # 6 old + 2 new + 4 queued = 12
    assert len([v for v in fleet.old if not v.killing]) == 6


def test_worked_example_kills_one_old_instance_per_new_ready_one() -> None:
    fleet = Fleet.of_ready(10, n=10, min_health=0.6, over=0.2)
    fleet.evaluate()
    fleet.land_queued()
    fleet.confirm_kills()
    fleet.land_queued()
    assert (len(fleet.old), len(fleet.new)) == (6, 6)
    fleet.one_becomes_ready()
    assert sum(v.killing for v in fleet.old) == 1
    assert fleet.queued == 0  # the killed one still counts until confirmed
    fleet.confirm_kills()
    assert fleet.queued == 1


def test_worked_example_ends_with_ten_new_ready_within_its_bounds() -> None:
    fleet = Fleet.of_ready(10, n=10, min_health=0.6, over=0.2)
    fleet.run_to_completion()
    assert not fleet.old
    assert len(fleet.new) == 10 and all(v.ready for v in fleet.new)
    assert fleet.min_ready_seen == 6
    assert fleet.max_existing_seen == 12


def test_defaults_start_a_full_new_set_then_kill_old_one_by_one() -> None:
    fleet = Fleet.of_ready(10, n=10, min_health=1.0, over=1.0)
    first = fleet.evaluate()
    assert first.kill == 0 and first.launch == 10
    fleet.land_queued()
    fleet.one_becomes_ready()
    assert sum(v.killing for v in fleet.old) == 1
    fleet.run_to_completion()
    assert fleet.min_ready_seen == 10
    assert fleet.max_existing_seen == 20


def test_zero_zero_kills_everything_at_once_and_relaunches_as_kills_confirm() -> None:
    fleet = Fleet.of_ready(10, n=10, min_health=0.0, over=0.0)
    first = fleet.evaluate()
    assert first.kill == 10 and first.launch == 0
    fleet.confirm_kills()
    assert fleet.queued == 10
    fleet.run_to_completion()
    assert fleet.min_ready_seen == 0


def test_full_health_and_no_over_capacity_moves_one_instance_at_a_time() -> None:
    fleet = Fleet.of_ready(3, n=3, min_health=1.0, over=0.0)
    first = fleet.evaluate()
    assert first == rolling.Decision(launch=1)
    fleet.run_to_completion()
    assert fleet.min_ready_seen == 3
    assert fleet.max_existing_seen == 4


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("min_health", [0.0, 0.3, 0.5, 0.7, 1.0])
@pytest.mark.parametrize("over", [0.0, 0.2, 0.5, 1.0])
def test_every_strategy_finishes_within_its_bounds(n: int, min_health: float, over: float) -> None:
    Fleet.of_ready(n, n=n, min_health=min_health, over=over).run_to_completion()


def test_old_instances_that_are_not_ready_are_killed_first_and_free() -> None:
    old = [InstanceView("a", ready=True), InstanceView("b", ready=False),
           InstanceView("c", ready=True)]
    _, victims = restart(3, 1.0, 0.0, old, [], 0)
    assert victims == ("b",)  # costs no readiness: 2 ready remain, both kept


def test_a_restart_that_also_scales_down_drops_the_surplus() -> None:
    fleet = Fleet.of_ready(5, n=3, min_health=1.0, over=0.0)
    first = fleet.evaluate()
    assert first.kill == 2  # 5 ready, only 3 needed
    fleet.run_to_completion()
    assert len(fleet.new) == 3


def test_a_restart_that_also_scales_up_launches_the_difference_at_once() -> None:
    fleet = Fleet.of_ready(2, n=4, min_health=1.0, over=0.0)
    first = fleet.evaluate()
    assert first.kill == 0
    assert first.launch == 3  # maxCapacity 5 - 2 existing
    fleet.run_to_completion()
    assert fleet.min_ready_seen == 2


def test_queued_launches_beyond_the_target_are_dropped() -> None:
    new = [InstanceView(f"n{i}", ready=True) for i in range(3)]
    decision, _ = restart(3, 1.0, 1.0, [], new, queued=2)
    assert decision.unqueue == 2 and decision.launch == 0


def test_a_restart_is_done_only_when_every_old_instance_is_gone_and_n_new_are_ready() -> None:
    ready = [InstanceView(f"n{i}", ready=True) for i in range(2)]
    def done(n: int, old: list[InstanceView], new: list[InstanceView]) -> bool:
        return rolling.restart_done(n, tally(old), tally(new))

    assert done(2, [], ready)
    assert not done(2, [InstanceView("o", ready=False, killing=True)], ready)
    assert not done(2, [], [*ready[:1], InstanceView("x", ready=False)])
    assert not done(3, [], ready)


# Scaling ------------------------------------------------------------------------------------
def _instances(*ages: float, ready: bool = True) -> list[InstanceView]:
    return [InstanceView(f"t{age:g}", ready=ready, staged_at=age) for age in ages]


def test_scaling_up_launches_what_is_missing_beyond_the_queue() -> None:
    assert scale(5, _instances(1, 2), queued=1, youngest_first=True)[0] == rolling.Decision(
        launch=2)


def test_scaling_down_drops_queued_requests_before_killing() -> None:
    decision, _ = scale(2, _instances(1, 2), queued=3, youngest_first=True)
    assert decision == rolling.Decision(unqueue=3)


def test_scaling_down_youngest_first_kills_the_newest() -> None:
    _, victims = scale(1, _instances(1, 3, 2), queued=0, youngest_first=True)
    assert victims == ("t3", "t2")


def test_scaling_down_oldest_first_kills_the_oldest() -> None:
    _, victims = scale(1, _instances(1, 3, 2), queued=0, youngest_first=False)
    assert victims == ("t1", "t2")


def test_scaling_down_kills_instances_that_are_not_ready_before_the_selection() -> None:
    instances = [*_instances(1, 2), InstanceView("starting", ready=False, staged_at=0.5)]
    _, victims = scale(2, instances, queued=0, youngest_first=True)
    assert victims == ("starting",)


def test_instances_being_killed_are_not_counted_or_killed_again() -> None:
    instances = [*_instances(1, 2), InstanceView("dying", ready=False, killing=True)]
    assert scale(2, instances, queued=0, youngest_first=True) == (rolling.Decision(), ())
    assert scale(3, instances, queued=0, youngest_first=True)[0].launch == 1


def test_a_scale_is_done_when_exactly_n_are_ready_and_none_is_dying() -> None:
    assert rolling.scale_done(2, tally(_instances(1, 2)))
    assert not rolling.scale_done(2, tally(_instances(1) + _instances(2, ready=False)))
    dying = [InstanceView("d", ready=True, killing=True)]
    assert not rolling.scale_done(2, tally(_instances(1, 2) + dying))
    assert rolling.scale_done(0, tally([]))
