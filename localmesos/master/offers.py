"""Outstanding offers and refusal filters over the agent's unreserved resources."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from localmesos.resources import Resources

DEFAULT_REFUSE_SECONDS = 5.0
MAX_REFUSE_SECONDS = 365 * 24 * 3600.0
MIN_CPUS = 0.01
MIN_MEM = 32.0


@dataclass(frozen=True)
class Offer:
    id: str
    framework_id: str
    resources: Resources


@dataclass(frozen=True)
class Refusal:
    """A framework declined `resources` until `until` (loop time)."""

    resources: Resources
    until: float


def refuse_seconds(filters: object) -> float:
    """Filters.refuse_seconds with Mesos' rules: default 5 s, negative -> default, capped."""
    raw = filters.get("refuse_seconds") if isinstance(filters, dict) else None
    try:
        seconds = DEFAULT_REFUSE_SECONDS if raw is None else float(raw)
    except (TypeError, ValueError):
        return DEFAULT_REFUSE_SECONDS
    if seconds < 0 or seconds != seconds:
        return DEFAULT_REFUSE_SECONDS
    return min(seconds, MAX_REFUSE_SECONDS)


def allocatable(resources: Resources) -> bool:
    """Worth offering: Mesos' minimum of 0.01 cpus or 32 MB of memory."""
    return resources.scalar("cpus") >= MIN_CPUS or resources.scalar("mem") >= MIN_MEM


class OfferBook:
    """Which resources are used, offered (to whom) and refused (by whom, until when)."""

    def __init__(self, total: Resources, id_prefix: str) -> None:
        self.total = total
        self.used = Resources()
        self.offers: dict[str, Offer] = {}
        self.refusals: dict[str, list[Refusal]] = {}
        self._ids = (f"{id_prefix}-O{n}" for n in itertools.count())

    def offered(self) -> Resources:
        total = Resources()
        for offer in self.offers.values():
            total = total + offer.resources
        return total

    def available(self) -> Resources:
        return self.total - self.used - self.offered()

    def create(self, framework_id: str, resources: Resources) -> Offer:
        offer = Offer(next(self._ids), framework_id, resources)
        self.offers[offer.id] = offer
        return offer

    def take(self, framework_id: str, offer_ids: list[str | None]) -> tuple[list[Offer], str]:
        """Remove the offers an ACCEPT uses; if any id is invalid, all are dropped, with why."""
        own = [
            self.offers.pop(i)
            for i in dict.fromkeys(offer_ids)
            if i in self.offers and self.offers[i].framework_id == framework_id
        ]
        if not offer_ids:
            return [], "No offers specified"
        if len(set(offer_ids)) != len(offer_ids):
            return [], "Duplicate offers specified"
        if len(own) != len(offer_ids):
            invalid = next(i for i in offer_ids if i not in {o.id for o in own})
            return [], f"Offer {invalid} is no longer valid"
        return own, ""

    def withdraw(self, framework_id: str, offer_ids: list[str] | None = None) -> Resources:
        """Drop a framework's offers (those listed, or all); their resources combined."""
        freed = Resources()
        for offer in list(self.offers.values()):
            if offer.framework_id == framework_id and (offer_ids is None or offer.id in offer_ids):
                del self.offers[offer.id]
                freed = freed + offer.resources
        return freed

    def refuse(self, framework_id: str, resources: Resources, seconds: float, now: float) -> None:
        if seconds > 0 and not resources.is_empty():
            self.refusals.setdefault(framework_id, []).append(Refusal(resources, now + seconds))

    def clear_refusals(self, framework_id: str) -> None:
        self.refusals.pop(framework_id, None)

    def refused(self, framework_id: str, resources: Resources, now: float) -> bool:
        """True if the framework refused a superset of `resources` and the refusal holds."""
        live = [r for r in self.refusals.get(framework_id, []) if r.until > now]
        self.refusals[framework_id] = live
        return any(r.resources.contains(resources) for r in live)
