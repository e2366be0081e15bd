"""Offer matching: waiting task requests and a snapshot of offers in, a plan out.

Pure: no IO, no clock. Requests are tried in the order given (the caller orders them
by priority), each against the offers in the order given; the first offer that passes
every feasibility stage takes the task (first fit, so tasks pack into few offers).
Offers are consumed as tasks land on them, and tasks placed in this round count for the
constraints of the requests after them.
"""

from __future__ import annotations

import enum
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from scheduler.launch.constraints import check, field_value
from scheduler.launch.free_ports import FreePorts
from scheduler.launch.offers import Offer
from scheduler.launch.task_request import PlacedTask, Placement, TaskRequest


class RejectReason(enum.Enum):
    """Why an offer does not fit a request, in the order the stages run.

    The names are Marathon's /v2/queue reject reasons; a later stage means the offer got
    further, so a rejection by it is a better hint of what the request lacks.
    """

    UNFULFILLED_ROLE = "UnfulfilledRole"
    UNFULFILLED_CONSTRAINT = "UnfulfilledConstraint"
    INSUFFICIENT_CPUS = "InsufficientCpus"
    INSUFFICIENT_MEMORY = "InsufficientMemory"
    INSUFFICIENT_DISK = "InsufficientDisk"
    INSUFFICIENT_GPUS = "InsufficientGpus"
    INSUFFICIENT_PORTS = "InsufficientPorts"


_STAGE_ORDER = {reason: rank for rank, reason in enumerate(RejectReason)}
# The reasons /v2/queue's rejectSummaryLastOffers reports, in funnel order.
SUMMARY_REASONS = tuple(RejectReason)
NO_OFFERS = "NoOffers"


@dataclass(frozen=True)
class RejectCount:
    """Of the `processed` offers that reached stage `reason`, `declined` failed it."""

    reason: str
    declined: int
    processed: int


@dataclass(frozen=True)
class MatchPlan:
    """The outcome of one matching round.

    `waiting` maps the task id of every request left unplaced to one reason;
    `unused_offer_ids` are the offers that got no task (to decline);
    `reject_summary` maps a run spec id to its funnel over the offers it looked at;
    `unreached` are the task ids the round's budget did not get to.
    """

    placements: tuple[Placement, ...]
    unused_offer_ids: tuple[str, ...]
    waiting: Mapping[str, str]
    reject_summary: Mapping[str, tuple[RejectCount, ...]]
    unreached: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Rejection:
    """One offer's answer to one request: a text, or for quantity stages need and have."""

    reason: RejectReason
    text: str = ""
    need: float = 0
    have: float | None = None
    unit: str = ""


_MILLI = 1000  # scalars are tracked in thousandths, as Mesos' fixed-point values


_PORTS_RANDOM = random.Random()


def _milli(amount: float) -> int:
    return round(amount * _MILLI)


class _OfferState:
    """What is left of one offer while this round consumes it."""

    def __init__(self, offer: Offer) -> None:
        self.offer = offer
        self.cpus = _milli(offer.resources.cpus)
        self.mem = _milli(offer.resources.mem)
        self.disk = _milli(offer.resources.disk)
        self.gpus = offer.resources.gpus
        self.ports = FreePorts(offer.ports)
        self.tasks = 0


class _PlacedIndex:
    """Per run spec, how many instances sit on each value of a constraint field.

    Values the round's offers show are known with a count of 0, so that GROUP_BY
    spreads onto them too.
    """

    def __init__(self, placed: Sequence[PlacedTask], offers: Sequence[Offer]) -> None:
        self._agents: dict[str, list[tuple[str, tuple[tuple[str, str], ...]]]] = defaultdict(list)
        self._counts: dict[str, dict[str, Counter[str]]] = defaultdict(dict)
        self._offers = offers
        self._offered: dict[str, Counter[str]] = {}  # field -> its values in offers, at 0
        for task in placed:
            self._agents[task.run_spec_id].append((task.hostname, task.attributes))

    def counts(self, run_spec_id: str, field: str) -> Counter[str]:
        by_field = self._counts[run_spec_id]
        if field not in by_field:
            if field not in self._offered:
                values = (offer.field_value(field) for offer in self._offers)
                self._offered[field] = Counter({v: 0 for v in values if v is not None})
            counter = self._offered[field].copy()
            for hostname, attributes in self._agents[run_spec_id]:
                value = field_value(field, hostname, attributes)
                if value is not None:
                    counter[value] += 1
            by_field[field] = counter
        return by_field[field]

    def add(self, run_spec_id: str, offer: Offer) -> None:
        self._agents[run_spec_id].append((offer.hostname, offer.attributes))
        for field, counter in self._counts[run_spec_id].items():
            value = offer.field_value(field)
            if value is not None:
                counter[value] += 1


def _shape(request: TaskRequest) -> tuple[object, ...]:
    """Everything matching looks at but the task id: requests of one shape fit alike."""
    return (request.run_spec_id, request.resources, request.port_count,
            request.required_ports, request.constraints, request.role)


def match(
    requests: Sequence[TaskRequest],
    offers: Sequence[Offer],
    placed: Sequence[PlacedTask],
    rng: random.Random = _PORTS_RANDOM,
    budget: int | None = None,
) -> MatchPlan:
    """Place as many requests as the offers allow; give every other request a reason.

    Offers change only when a task lands on one, so once a request fits no offer, the
    next request of the same shape fits none either until something is placed: it gets
    the same reason without another look at every offer. `budget` bounds the
    (request, offer) evaluations of the round; requests left when it runs out are in
    `unreached` (neither placed nor given a new reason) for the next round.
    """
    states = [_OfferState(offer) for offer in offers]
    index = _PlacedIndex(placed, offers)
    outcomes: dict[str, dict[str, RejectReason | None]] = defaultdict(dict)
    placements: list[Placement] = []
    waiting: dict[str, str] = {}
    failed: dict[tuple[object, ...], tuple[int, str]] = {}  # shape -> (placements, reason)
    # Shapes without constraints: offers only shrink in a round, so an offer that rejected
    # one rejects it for the rest of the round. Each such shape resumes at the offer it was
    # last placed on (first fit without rescanning the offers it filled: the round is linear
    # in requests plus offers, not their product), and once it fits none it fits none
    # (only its reason may change, with what other shapes take).
    resume: dict[tuple[object, ...], int] = {}
    left = budget
    for at, request in enumerate(requests):
        shape = _shape(request)
        known = failed.get(shape)
        if known is not None and known[0] == len(placements):
            waiting[request.task_id] = known[1]
            continue
        if left is not None and left <= 0:
            return _plan(placements, states, waiting, outcomes, requests[at:])
        monotone = not request.constraints
        start = (len(states) if known else resume.get(shape, 0)) if monotone else 0
        rejections: list[_Rejection] = []
        looked = 1
        seen = outcomes[request.run_spec_id]
        for offset, state in enumerate(states[start:] if start else states):
            rejection = _evaluate(request, state, index)
            if rejection is None:
                placements.append(_place(request, state, index, rng))
                seen[state.offer.id] = None
                if monotone:
                    resume[shape] = start + offset
                break
            rejections.append(rejection)
            seen.setdefault(state.offer.id, rejection.reason)
        else:
            # The reason looks at every offer: those skipped rejected it before, and again.
            earlier = [_evaluate(request, state, index) for state in states[:start]]
            everyone = [r for r in earlier if r is not None] + rejections
            looked += len(earlier)
            waiting[request.task_id] = _waiting_reason(everyone)
            failed[shape] = (len(placements), waiting[request.task_id])
        if left is not None:
            left -= len(rejections) + looked
    return _plan(placements, states, waiting, outcomes, ())


def _plan(
    placements: list[Placement],
    states: list[_OfferState],
    waiting: dict[str, str],
    outcomes: dict[str, dict[str, RejectReason | None]],
    unreached: Sequence[TaskRequest],
) -> MatchPlan:
    return MatchPlan(
        placements=tuple(placements),
        unused_offer_ids=tuple(s.offer.id for s in states if s.tasks == 0),
        waiting=MappingProxyType(waiting),
        unreached=tuple(r.task_id for r in unreached),
        reject_summary=MappingProxyType(
            {run_spec: _funnel(seen.values()) for run_spec, seen in outcomes.items() if seen}
        ),
    )


def _evaluate(request: TaskRequest, state: _OfferState, index: _PlacedIndex) -> (
    _Rejection | None
):
    for stage in _STAGES:
        rejection = stage(request, state, index)
        if rejection is not None:
            return rejection
    return None


def _role(request: TaskRequest, state: _OfferState, index: _PlacedIndex) -> _Rejection | None:
    offered = state.offer.allocation_role
    if request.role == "*" or offered is None or offered == request.role:
        return None
    return _Rejection(
        RejectReason.UNFULFILLED_ROLE,
        f"UnfulfilledRole: needs role {request.role}, offers are for role {offered}",
    )


def _constraints(
    request: TaskRequest, state: _OfferState, index: _PlacedIndex
) -> _Rejection | None:
    for constraint in request.constraints:
        value = state.offer.field_value(constraint.field)
        placed = index.counts(request.run_spec_id, constraint.field)
        reason = check(constraint, value, placed)
        if reason is not None:
            return _Rejection(
                RejectReason.UNFULFILLED_CONSTRAINT, f"UnfulfilledConstraint: {reason}"
            )
    return None


def _scalar_stage(
    reason: RejectReason, name: str, unit: str
) -> Callable[[TaskRequest, _OfferState, _PlacedIndex], _Rejection | None]:
    def stage(request: TaskRequest, state: _OfferState, index: _PlacedIndex) -> _Rejection | None:
        need = _amount(name, getattr(request.resources, name))
        have = getattr(state, name)
        if need <= have:
            return None
        return _Rejection(reason, need=_show(need, name), have=_show(have, name), unit=unit)

    stage.__name__ = f"_{name}"
    return stage


def _amount(name: str, value: float) -> int:
    """A request's quantity in the units the offer state tracks (gpus are whole)."""
    return int(value) if name == "gpus" else _milli(value)


def _show(value: float, name: str) -> float:
    """A quantity for people: tracked thousandths back to units, 3 decimals at most."""
    if name in ("cpus", "mem", "disk"):
        value = value / _MILLI
    return round(value, 3)


def _ports(request: TaskRequest, state: _OfferState, index: _PlacedIndex) -> _Rejection | None:
    if request.required_ports:
        if state.ports.has(request.required_ports):
            return None
        wanted = ", ".join(str(p) for p in request.required_ports)
        return _Rejection(
            RejectReason.INSUFFICIENT_PORTS,
            f"InsufficientPorts: needs ports {wanted}, not all free on {state.offer.hostname}",
        )
    free = state.ports.count
    if request.port_count <= free:
        return None
    return _Rejection(
        RejectReason.INSUFFICIENT_PORTS, need=request.port_count, have=free, unit=" ports"
    )


_STAGES = (
    _role,
    _constraints,
    _scalar_stage(RejectReason.INSUFFICIENT_CPUS, "cpus", ""),
    _scalar_stage(RejectReason.INSUFFICIENT_MEMORY, "mem", " MiB"),
    _scalar_stage(RejectReason.INSUFFICIENT_DISK, "disk", " MiB"),
    _scalar_stage(RejectReason.INSUFFICIENT_GPUS, "gpus", ""),
    _ports,
)


def _place(
    request: TaskRequest, state: _OfferState, index: _PlacedIndex, rng: random.Random
) -> Placement:
    """Consume the request's share of the offer (all stages passed) and record it."""
    if request.required_ports:
        ports = request.required_ports
        state.ports.take_exact(ports)
    elif request.port_count:
        ports = state.ports.take_random(request.port_count, rng)
    else:
        ports = ()
    resources = request.resources
    state.cpus -= _milli(resources.cpus)
    state.mem -= _milli(resources.mem)
    state.disk -= _milli(resources.disk)
    state.gpus -= int(resources.gpus)
    state.tasks += 1
    index.add(request.run_spec_id, state.offer)
    offer = state.offer
    return Placement(
        request=request,
        offer_id=offer.id,
        agent_id=offer.agent_id,
        hostname=offer.hostname,
        ports=ports,
        attributes=offer.attributes,
    )




def _waiting_reason(rejections: list[_Rejection]) -> str:
    """The reason of the offer that got furthest; quantities say the most any offer has."""
    if not rejections:
        return NO_OFFERS
    best = max(rejections, key=lambda r: _STAGE_ORDER[r.reason])
    if best.have is None:
        return best.text
    have = max(r.have for r in rejections if r.reason is best.reason and r.have is not None)
    return (
        f"{best.reason.value}: needs {best.need}{best.unit}, "
        f"offers have at most {have}{best.unit}"
    )


def _funnel(outcomes: Iterable[RejectReason | None]) -> tuple[RejectCount, ...]:
    """Per stage, how many offers reached it and how many it declined (None: accepted)."""
    ranks = [len(SUMMARY_REASONS) if o is None else _STAGE_ORDER[o] for o in outcomes]
    return tuple(
        RejectCount(
            reason=reason.value,
            declined=sum(1 for r in ranks if r == rank),
            processed=sum(1 for r in ranks if r >= rank),
        )
        for rank, reason in enumerate(SUMMARY_REASONS)
    )
