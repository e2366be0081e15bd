"""The allocator: each agent's available resources go to one framework at a time,
round robin over frameworks.

A real master allocates every second; a small cluster can afford to allocate right after
anything changes (subscription, REVIVE, resources freed), plus a one-second tick that
lets refusals expire. One allocation sends each framework its offers in events of at
most OFFERS_PER_EVENT offers: a Mesos master hands a framework one message per allocation
cycle, but on the v1 stream a consumer parses each event whole before it can act on any
offer in it, so with thousands of agents one event of megabytes would hold every offer back
until the last byte arrived (and the master's encoding of it would block the loop).
"""

from __future__ import annotations

import asyncio
from typing import Any

from localmesos.master.agents import AgentRecord, AgentRegistry
from localmesos.master.frameworks import Framework
from localmesos.master.offers import allocatable
from localmesos.resources import Resources
from localmesos.stream import event

ALLOCATION_INTERVAL_SECONDS = 1.0
# About 1 KB of JSON each: an event stays near 100 KB however many agents there are.
OFFERS_PER_EVENT = 100


class Allocator:
    def __init__(self, agents: AgentRegistry, frameworks: dict[str, Framework]) -> None:
        self.agents = agents
        self.frameworks = frameworks
        self._pending = False
        self._tick: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._on_tick()

    def stop(self) -> None:
        if self._tick is not None:
            self._tick.cancel()

    def request(self, everywhere: bool = False) -> None:
        """Allocate soon (once per loop turn): freed resources are re-offered promptly.
        `everywhere`: a framework's wants changed, so every agent is worth a look, not
        only those whose resources changed."""
        if everywhere:
            for agent in self.agents.by_id.values():
                agent.book.dirty = True
        if not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_soon(self._allocate)

    def _on_tick(self) -> None:
        """Refusals expire: agents with one that has are looked at again (not every agent
        with a refusal every second: with thousands declined for minutes, that was an
        allocation over all of them each tick)."""
        loop = asyncio.get_running_loop()
        self._tick = loop.call_later(ALLOCATION_INTERVAL_SECONDS, self._on_tick)
        now = loop.time()
        for agent in self.agents.by_id.values():
            if agent.book.refusals and agent.book.expire_refusals(now):
                agent.book.dirty = True
        self.request()

    def _allocate(self) -> None:
        """Offer every connected agent's available resources to the next framework
        that wants them."""
        self._pending = False
        now = asyncio.get_running_loop().time()
        batches: dict[str, list[dict[str, Any]]] = {}
        order = self.agents.order
        for agent_id in sorted(self.agents.dirty, key=order.__getitem__):
            agent = self.agents.by_id[agent_id]
            if not agent.connected:
                continue
            agent.book.dirty = False
            available = agent.book.available()
            if not allocatable(available):
                continue
            framework = self._next_framework(agent, available, now)
            if framework is None:
                continue
            role = framework.offer_role()
            assert role is not None
            offer = agent.book.create(framework.id, available)
            agent.book.dirty = False  # all it has is offered now
            offer_json = _offer_json(framework, agent, offer.id, available, role)
            batches.setdefault(framework.id, []).append(offer_json)
        for framework_id, offers in batches.items():
            framework = self.frameworks[framework_id]
            for start in range(0, len(offers), OFFERS_PER_EVENT):
                framework.send(event("OFFERS", offers=offers[start : start + OFFERS_PER_EVENT]))

    def _next_framework(
        self, agent: AgentRecord, available: Resources, now: float
    ) -> Framework | None:
        for framework in list(self.frameworks.values()):
            if not framework.connected or framework.offer_role() is None:
                continue
            if agent.book.refused(framework.id, available, now):
                continue
            # Rotate so that the next agent starts with another framework.
            self.frameworks[framework.id] = self.frameworks.pop(framework.id)
            return framework
        return None


def _offer_json(
    framework: Framework, agent: AgentRecord, offer_id: str, resources: Resources, role: str
) -> dict[str, Any]:
    ip, port = agent.endpoint.rsplit(":", 1)
    offer: dict[str, Any] = {
        "id": {"value": offer_id},
        "framework_id": {"value": framework.id},
        "agent_id": {"value": agent.id},
        "hostname": agent.hostname,
        "url": {
            "scheme": "http",
            "path": "/slave(1)",
            "address": {"hostname": agent.hostname, "ip": ip, "port": int(port)},
        },
        "resources": resources.to_json(role if framework.multi_role else None),
        "attributes": agent.attributes,
        "executor_ids": [{"value": e} for f, e in sorted(agent.executors) if f == framework.id],
    }
    if framework.multi_role:
        offer["allocation_info"] = {"role": role}
    return offer
