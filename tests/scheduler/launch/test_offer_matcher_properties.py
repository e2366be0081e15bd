"""The offer matcher's guarantees over generated offers and requests: never over-committed,
every request placed or given a reason, constraints held, a budget that only cuts a round short."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from scheduler.launch import offer_matcher
from scheduler.launch.constraints import Constraint, Operator
from scheduler.launch.offer_matcher import MatchPlan, match
from scheduler.launch.offers import Offer
from scheduler.launch.task_request import PlacedTask, Placement, TaskRequest
from tests.scheduler.launch.matcher_helpers import UNIQUE_HOST, offer, placed_on, request, requests

port_ranges = st.lists(
    st.tuples(st.integers(1000, 1100), st.integers(0, 5)), max_size=3
).map(lambda rs: tuple(sorted({(b, b + n) for b, n in rs})))


@st.composite
def offers_strategy(draw: st.DrawFn) -> list[Offer]:
    count = draw(st.integers(0, 4))
    result = []
    for i in range(count):
        ranges = draw(port_ranges)
        disjoint: list[tuple[int, int]] = []
        for begin, end in ranges:
            if not disjoint or begin > disjoint[-1][1]:
                disjoint.append((begin, end))
        result.append(
            offer(
                f"o{i}",
                host=f"host{draw(st.integers(0, 2))}",
                cpus=draw(st.sampled_from([0.0, 0.5, 1.0, 2.5, 4.0])),
                mem=draw(st.sampled_from([0.0, 128.0, 512.0, 1024.0])),
                disk=draw(st.sampled_from([0.0, 100.0])),
                gpus=draw(st.integers(0, 2)),
                ports=tuple(disjoint),
                attributes=(("rack", draw(st.sampled_from(["r0", "r1"]))),),
            )
        )
    return result


constraint_strategy = st.sampled_from(
    [
        UNIQUE_HOST,
        Constraint("rack", Operator.GROUP_BY),
        Constraint("rack", Operator.MAX_PER, "1"),
        Constraint("rack", Operator.CLUSTER),
        Constraint("rack", Operator.LIKE, "r0"),
    ]
)


@st.composite
def requests_strategy(draw: st.DrawFn) -> list[TaskRequest]:
    """Requests, some of them copies of one shape (as the instances of one app are)."""
    shapes = draw(distinct_requests_strategy())
    copies = [draw(st.integers(1, 3)) for _ in shapes]
    return [replace(r, task_id=f"{r.task_id}.{c}") for r, n in zip(shapes, copies, strict=True)
            for c in range(n)]


@st.composite
def distinct_requests_strategy(draw: st.DrawFn) -> list[TaskRequest]:
    count = draw(st.integers(0, 12))
    return [
        request(
            f"t{i}",
            app=draw(st.sampled_from(["/a", "/b"])),
            cpus=draw(st.sampled_from([0.1, 0.25, 0.5, 1.0])),
            mem=draw(st.sampled_from([32.0, 128.0, 256.0])),
            disk=draw(st.sampled_from([0.0, 50.0])),
            gpus=draw(st.integers(0, 1)),
            port_count=draw(st.integers(0, 3)),
            required_ports=tuple(
                draw(st.lists(st.integers(1000, 1010), max_size=2, unique=True))
            ),
            constraints=tuple(draw(st.lists(constraint_strategy, max_size=2))),
        )
        for i in range(count)
    ]


@given(requests_strategy(), offers_strategy())
def test_an_offer_is_never_over_committed(reqs: list[TaskRequest], offers: list[Offer]) -> None:
    plan = match(reqs, offers, [])
    for o in offers:
        mine = [p for p in plan.placements if p.offer_id == o.id]
        used = [p.request.resources for p in mine]
        assert round(sum(r.cpus for r in used), 6) <= o.resources.cpus
        assert sum(r.mem for r in used) <= o.resources.mem
        assert sum(r.disk for r in used) <= o.resources.disk
        assert sum(r.gpus for r in used) <= o.resources.gpus
        ports = [port for p in mine for port in p.ports]
        assert len(ports) == len(set(ports))
        assert all(any(port in r for r in o.ports) for port in ports)
    for p in plan.placements:
        wanted = p.request.required_ports or p.ports
        assert p.ports == wanted
        assert len(p.ports) == (len(p.request.required_ports) or p.request.port_count)


@given(requests_strategy(), offers_strategy())
def test_every_request_is_placed_or_has_a_reason(
    reqs: list[TaskRequest], offers: list[Offer]
) -> None:
    plan = match(reqs, offers, [])
    placed = [p.request.task_id for p in plan.placements]
    assert len(placed) == len(set(placed))
    assert set(placed).isdisjoint(plan.waiting)
    assert set(placed) | set(plan.waiting) == {r.task_id for r in reqs}
    assert all(reason for reason in plan.waiting.values())
    used = {p.offer_id for p in plan.placements}
    assert set(plan.unused_offer_ids) == {o.id for o in offers} - used


@given(requests_strategy(), offers_strategy())
def test_placements_respect_unique_hostname(reqs: list[TaskRequest], offers: list[Offer]) -> None:
    plan = match(reqs, offers, [])
    hosts_taken: set[tuple[str, str]] = set()
    for p in plan.placements:  # in request order
        spot = (p.request.run_spec_id, p.hostname)
        if UNIQUE_HOST in p.request.constraints:
            assert spot not in hosts_taken
        hosts_taken.add(spot)


@given(requests_strategy(), offers_strategy(), st.integers(0, 40))
def test_a_budget_ends_the_round_early_and_leaves_the_rest_for_the_next(
    reqs: list[TaskRequest], offers: list[Offer], budget: int
) -> None:
    # Both rounds pick the same random host ports, so what fits where is the same.
    full = match(reqs, offers, [], rng=random.Random(7))
    cut = match(reqs, offers, [], rng=random.Random(7), budget=budget)
    ids = [r.task_id for r in reqs]
    reached = ids[: len(ids) - len(cut.unreached)]
    assert list(cut.unreached) == ids[len(reached):]
    assert placed_on(cut) == {t: o for t, o in placed_on(full).items() if t in reached}
    assert dict(cut.waiting) == {t: w for t, w in full.waiting.items() if t in reached}


def first_fit_scanning_every_offer(
    reqs: list[TaskRequest], offers: list[Offer], rng: random.Random
) -> MatchPlan:
    """The matcher's contract in its plainest form: each request in turn against every
    offer from the first, the first that passes takes it, else the reason over all offers."""
    states = [offer_matcher._OfferState(o) for o in offers]
    index = offer_matcher._PlacedIndex([], offers)
    outcomes: dict[str, dict[str, offer_matcher.RejectReason | None]] = {}
    placements: list[Placement] = []
    waiting: dict[str, str] = {}
    for r in reqs:
        seen = outcomes.setdefault(r.run_spec_id, {})
        rejections = []
        for state in states:
            rejection = offer_matcher._evaluate(r, state, index)
            if rejection is None:
                placements.append(offer_matcher._place(r, state, index, rng))
                seen[state.offer.id] = None
                break
            rejections.append(rejection)
            seen.setdefault(state.offer.id, rejection.reason)
        else:
            waiting[r.task_id] = offer_matcher._waiting_reason(rejections)
    return offer_matcher._plan(placements, states, waiting, outcomes, ())


@st.composite
def many_copies_strategy(draw: st.DrawFn) -> tuple[list[TaskRequest], list[Offer]]:
    """Apps of many instances on more offers than one takes (where the matcher resumes a
    shape at the offer it last filled instead of scanning from the first)."""
    shapes = draw(distinct_requests_strategy())
    reqs = [replace(r, task_id=f"{r.task_id}.{c}") for r in shapes
            for c in range(draw(st.integers(1, 12)))]
    order = draw(st.permutations(range(len(reqs))))
    offers = draw(offers_strategy()) + [
        offer(f"big{i}", host=f"big{i}", cpus=draw(st.sampled_from([0.5, 1.0, 2.0])),
              mem=1024.0, ports=((1000 + 10 * i, 1004 + 10 * i),), gpus=1)
        for i in range(draw(st.integers(0, 6)))
    ]
    return [reqs[k] for k in order], offers


@given(many_copies_strategy())
def test_the_plan_is_first_fit_over_every_offer(case: tuple[list[TaskRequest], list[Offer]]
                                                ) -> None:
    reqs, offers = case
    plan = match(reqs, offers, [], rng=random.Random(3))
    plain = first_fit_scanning_every_offer(reqs, offers, random.Random(3))
    assert [(p.request.task_id, p.offer_id, p.ports) for p in plan.placements] == [
        (p.request.task_id, p.offer_id, p.ports) for p in plain.placements]
    assert dict(plan.waiting) == dict(plain.waiting)
    assert dict(plan.reject_summary) == dict(plain.reject_summary)
    assert plan.unused_offer_ids == plain.unused_offer_ids


def test_a_large_app_on_many_offers_is_placed_in_one_pass_of_them() -> None:
    """20,000 requests of one app, 200 offers of 100 each: every offer is filled within a
    budget of 2 looks per request (scanning the filled offers again for each request would
    take 2,000,000)."""
    offers = [offer(f"o{i}", f"host{i}", cpus=1.0) for i in range(200)]
    plan = match(requests(20_000, cpus=0.01, mem=1.0), offers, [], budget=40_000)
    assert len(plan.placements) == 20_000 and plan.unreached == ()
    assert plan.unused_offer_ids == ()


def test_ten_thousand_unplaceable_unique_requests_cost_one_look_at_the_offers() -> None:
    offers = [offer(f"o{i}", f"host{i}") for i in range(10_000)]
    placed = [PlacedTask("/app", f"agent-host{i}", f"host{i}") for i in range(10_000)]
    plan = match(requests(10_000, constraints=(UNIQUE_HOST,)), offers, placed, budget=50_000)
    assert plan.placements == () and plan.unreached == ()
    assert set(plan.waiting.values()) == {
        "UnfulfilledConstraint: hostname UNIQUE (1 instance already on host0)"
    }
