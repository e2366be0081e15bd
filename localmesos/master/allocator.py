"""The allocator: all available resources go to one framework at a time, round robin.

A real master allocates every second; one node can afford to allocate right after
anything changes (subscription, REVIVE, resources freed), plus a one-second tick that
lets refusals expire.
"""

from __future__ import annotations

import asyncio
from typing import Any

from localmesos.agent.agent import Agent
from localmesos.master.frameworks import Framework
from localmesos.master.offers import OfferBook, allocatable
from localmesos.resources import Resources
from localmesos.stream import event

ALLOCATION_INTERVAL_SECONDS = 1.0


class Allocator:
    def __init__(self, book: OfferBook, frameworks: dict[str, Framework], agent: Agent) -> None:
        self.book = book
        self.frameworks = frameworks
        self.agent = agent
        self._pending = False
        self._tick: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._on_tick()

    def stop(self) -> None:
        if self._tick is not None:
            self._tick.cancel()

    def request(self) -> None:
        """Allocate soon (once per loop turn): freed resources are re-offered promptly."""
        if not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_soon(self._allocate)

    def _on_tick(self) -> None:
        loop = asyncio.get_running_loop()
        self._tick = loop.call_later(ALLOCATION_INTERVAL_SECONDS, self._on_tick)
        self.request()

    def _allocate(self) -> None:
        """Offer everything available to the next framework that wants it."""
        self._pending = False
        available = self.book.available()
        if not allocatable(available):
            return
        now = asyncio.get_running_loop().time()
        for framework in list(self.frameworks.values()):
            role = framework.offer_role()
            if not framework.connected or role is None:
                continue
            if self.book.refused(framework.id, available, now):
                continue
            offer = self.book.create(framework.id, available)
            offer_json = self._offer_json(framework, offer.id, available, role)
            framework.send(event("OFFERS", offers=[offer_json]))
            # Rotate so that the next allocation starts with another framework.
            self.frameworks[framework.id] = self.frameworks.pop(framework.id)
            return

    def _offer_json(
        self, framework: Framework, offer_id: str, resources: Resources, role: str
    ) -> dict[str, Any]:
        config = self.agent.config
        offer: dict[str, Any] = {
            "id": {"value": offer_id},
            "framework_id": {"value": framework.id},
            "agent_id": {"value": config.agent_id},
            "hostname": config.hostname,
            "url": {
                "scheme": "http",
                "path": "/slave(1)",
                "address": {
                    "hostname": config.hostname,
                    "ip": config.endpoint.rsplit(":", 1)[0],
                    "port": int(config.endpoint.rsplit(":", 1)[1]),
                },
            },
            "resources": resources.to_json(role if framework.multi_role else None),
            "attributes": [],
            "executor_ids": [{"value": e} for f, e in self.agent.executors if f == framework.id],
        }
        if framework.multi_role:
            offer["allocation_info"] = {"role": role}
        return offer
