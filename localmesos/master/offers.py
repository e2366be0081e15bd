"""One agent's outstanding offers and refusal filters over its unreserved resources."""

from __future__ import annotations

from collections.abc import Collection, Iterator
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
    """Which resources are used, offered (to whom) and refused (by whom, until when).

    `dirty` says what is available may have changed since the allocator last looked, so
    that with thousands of agents an allocation visits only those that changed: the owners
    of dirty books are in `dirty_owners`, shared by all agents' books. What is available is
    kept until something changes it (with hundreds of tasks an agent's used ports are
    hundreds of ranges, and a REVIVE asks every agent)."""

    def __init__(
        self,
        total: Resources,
        id_prefix: str,
        numbers: Iterator[int],
        index: dict[str, str] | None = None,
        owner: str = "",
        dirty_owners: set[str] | None = None,
    ) -> None:
        """`numbers`, `index` (offer id to `owner`, the agent id) and `dirty_owners` are
        shared by all agents' books."""
        self.owner = owner
        self.index: dict[str, str] = {} if index is None else index
        self.dirty_owners: set[str] = set() if dirty_owners is None else dirty_owners
        self._total = total
        self._used = Resources()
        self._available: Resources | None = None
        self.dirty = True
        self.offers: dict[str, Offer] = {}
        self.refusals: dict[str, list[Refusal]] = {}
        self._ids = (f"{id_prefix}-O{n}" for n in numbers)

    @property
    def dirty(self) -> bool:
        return self.owner in self.dirty_owners

    @dirty.setter
    def dirty(self, dirty: bool) -> None:
        if dirty:
            self.dirty_owners.add(self.owner)
        else:
            self.dirty_owners.discard(self.owner)

    def _changed(self) -> None:
        self._available = None
        self.dirty = True

    @property
    def total(self) -> Resources:
        return self._total

    @total.setter
    def total(self, total: Resources) -> None:
        self._total = total
        self._changed()

    @property
    def used(self) -> Resources:
        return self._used

    @used.setter
    def used(self, used: Resources) -> None:
        self._used = used
        self._changed()

    def clear_offers(self) -> None:
        for offer_id in self.offers:
            self.index.pop(offer_id, None)
        self.offers.clear()
        self._changed()

    def offered(self) -> Resources:
        total = Resources()
        for offer in self.offers.values():
            total = total + offer.resources
        return total

    def available(self) -> Resources:
        if self._available is None:
            self._available = self.total - self.used - self.offered()
        return self._available

    def create(self, framework_id: str, resources: Resources) -> Offer:
        offer = Offer(next(self._ids), framework_id, resources)
        self.offers[offer.id] = offer
        self.index[offer.id] = self.owner
        self._changed()
        return offer

    def take(self, framework_id: str, offer_ids: list[str | None]) -> tuple[list[Offer], str]:
        """Remove the offers an ACCEPT uses; if any id is invalid, all are dropped, with why."""
        own = [
            self.offers.pop(i)
            for i in dict.fromkeys(offer_ids)
            if i in self.offers and self.offers[i].framework_id == framework_id
        ]
        for offer in own:
            self.index.pop(offer.id, None)
        if own:
            self._changed()
        if not offer_ids:
            return [], "No offers specified"
        if len(set(offer_ids)) != len(offer_ids):
            return [], "Duplicate offers specified"
        if len(own) != len(offer_ids):
            invalid = next(i for i in offer_ids if i not in {o.id for o in own})
            return [], f"Offer {invalid} is no longer valid"
        return own, ""

    def withdraw(self, framework_id: str, offer_ids: Collection[str] | None = None) -> Resources:
        """Drop a framework's offers (those listed, or all); their resources combined."""
        freed = Resources()
        for offer in list(self.offers.values()):
            if offer.framework_id == framework_id and (offer_ids is None or offer.id in offer_ids):
                del self.offers[offer.id]
                self.index.pop(offer.id, None)
                freed = freed + offer.resources
                self._changed()
        return freed

    def refuse(self, framework_id: str, resources: Resources, seconds: float, now: float) -> None:
        if seconds > 0 and not resources.is_empty():
            self.refusals.setdefault(framework_id, []).append(Refusal(resources, now + seconds))

    def clear_refusals(self, framework_id: str) -> None:
        if self.refusals.pop(framework_id, None):
            self.dirty = True

    def expire_refusals(self, now: float) -> bool:
        """Drop the refusals that have run out; True if there were any."""
        expired = False
        for framework_id, refusals in list(self.refusals.items()):
            live = [r for r in refusals if r.until > now]
            if len(live) < len(refusals):
                expired = True
                if live:
                    self.refusals[framework_id] = live
                else:
                    del self.refusals[framework_id]
        return expired

    def refused(self, framework_id: str, resources: Resources, now: float) -> bool:
        """True if the framework refused a superset of `resources` and the refusal holds."""
        live = [r for r in self.refusals.get(framework_id, []) if r.until > now]
        if live:
            self.refusals[framework_id] = live
        else:
            self.refusals.pop(framework_id, None)
        return any(r.resources.contains(resources) for r in live)
