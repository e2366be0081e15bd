"""The master's agents: who registered, the command link to each, and health pings.

An agent process subscribes to the master over HTTP and receives its commands (LAUNCH,
KILL, PING, ...) as a RecordIO stream; it reports back with POSTs. As Mesos' SlaveObserver
does, the master pings every agent each `ping_timeout` and counts the pings left unanswered;
at `max_ping_timeouts` in a row the agent is unreachable (`on_unreachable`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from localmesos.master.offers import OfferBook
from localmesos.resources import Resources
from localmesos.stream import EventStream, event

# Commands are few and small; a long heartbeat keeps the link quiet between them.
LINK_HEARTBEAT_SECONDS = 3600.0


class Link(Protocol):
    """Where the master's commands to an agent go: the stream its process subscribed
    with, or a simulated agent."""

    closed: bool

    def send(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


@dataclass
class AgentRecord:
    """One agent as the master knows it; `link` is None while it is disconnected."""

    id: str
    hostname: str
    endpoint: str
    attributes: list[dict[str, Any]]
    book: OfferBook
    registered_time: float = field(default_factory=time.time)
    reregistered_time: float | None = None
    unreachable_time: float | None = None
    link: Link | None = None
    executors: set[tuple[str, str]] = field(default_factory=set)
    missed_pings: int = 0
    answered: bool = True

    @property
    def reachable(self) -> bool:
        return self.unreachable_time is None

    @property
    def connected(self) -> bool:
        return self.link is not None and self.reachable

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    @property
    def pid(self) -> str:
        return f"slave(1)@{self.endpoint}"

    def send(self, kind: str, **body: Any) -> None:
        """Commands to a disconnected agent are dropped; it re-registers with its state."""
        if self.link is not None:
            self.link.send(event(kind, **body))

    def info(self) -> dict[str, Any]:
        """Its v1 AgentInfo."""
        return {
            "id": {"value": self.id},
            "hostname": self.hostname,
            "port": self.port,
            "resources": self.book.total.to_json(),
            "attributes": self.attributes,
        }


class AgentRegistry:
    """All agents ever registered with this master, by id, in registration order."""

    def __init__(
        self,
        master_id: str,
        ping_timeout: float,
        max_ping_timeouts: int,
        on_unreachable: Callable[[AgentRecord], None],
    ) -> None:
        self.master_id = master_id
        self.ping_timeout = ping_timeout
        self.max_ping_timeouts = max_ping_timeouts
        self.by_id: dict[str, AgentRecord] = {}
        self._on_unreachable = on_unreachable
        self._numbers = itertools.count()
        self._offers = itertools.count()
        self.offer_agents: dict[str, str] = {}
        # Agents whose available resources may have changed since the last allocation.
        self.dirty: set[str] = set()
        # Registration order of each agent id, the order allocations visit them in.
        self.order: dict[str, int] = {}
        self._tick: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._ping_all()

    def stop(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
        for agent in self.by_id.values():
            if agent.link is not None:
                agent.link.close()

    def reachable(self) -> list[AgentRecord]:
        return [a for a in self.by_id.values() if a.reachable]

    def unreachable(self) -> list[AgentRecord]:
        return [a for a in self.by_id.values() if not a.reachable]

    def admit(self, report: dict[str, Any], link: Link | None) -> tuple[AgentRecord, bool]:
        """Register (no id) or re-register an agent; returns it and whether it is new.
        A re-registering agent keeps its id even if this master has never seen it. Its
        commands go to `link`, or to a new stream its process reads."""
        agent_id = report.get("agent_id")
        agent = self.by_id.get(agent_id) if isinstance(agent_id, str) else None
        new = agent is None
        total = Resources.from_json(report["resources"])
        if agent is None:
            agent_id = agent_id or f"{self.master_id}-S{next(self._numbers)}"
            book = OfferBook(total, self.master_id, self._offers, self.offer_agents, agent_id,
                             self.dirty)
            agent = AgentRecord(agent_id, report["hostname"], report["endpoint"], [], book)
            self.by_id[agent.id] = agent
            self.order[agent.id] = len(self.order)
        else:
            agent.reregistered_time = time.time()
        agent.hostname = report["hostname"]
        agent.endpoint = report["endpoint"]
        agent.attributes = list(report.get("attributes") or [])
        agent.book.total = total
        agent.unreachable_time = None
        agent.missed_pings, agent.answered = 0, True
        if agent.link is not None:
            agent.link.close()
        agent.link = link or EventStream(LINK_HEARTBEAT_SECONDS)
        return agent, new

    def of_offer(self, offer_id: str | None) -> AgentRecord | None:
        """The reachable agent an outstanding offer is for."""
        agent = self.by_id.get(self.offer_agents.get(offer_id or "", ""))
        return agent if agent is not None and agent.reachable else None

    def link_closed(self, agent: AgentRecord, link: Link) -> None:
        """The agent's subscription ended (it died or lost the network): pings now go
        unanswered, so it becomes unreachable after the ping timeouts."""
        if agent.link is link:
            agent.link = None

    def pong(self, agent: AgentRecord) -> None:
        agent.answered = True
        agent.missed_pings = 0

    def _ping_all(self) -> None:
        loop = asyncio.get_running_loop()
        self._tick = loop.call_later(self.ping_timeout, self._ping_all)
        for agent in self.reachable():
            if not agent.answered:
                agent.missed_pings += 1
                if agent.missed_pings >= self.max_ping_timeouts:
                    self.mark_unreachable(agent)
                    continue
            agent.answered = False
            agent.send("PING")

    def mark_unreachable(self, agent: AgentRecord) -> None:
        agent.unreachable_time = time.time()
        if agent.link is not None:
            agent.link.close()
            agent.link = None
        agent.executors.clear()
        self._on_unreachable(agent)
