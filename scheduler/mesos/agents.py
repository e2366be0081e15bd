"""Where each agent answers HTTP, learned from the offers it makes (Mesos's `Offer.url`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# A Mesos agent's default --port, for agents known only by hostname.
DEFAULT_AGENT_PORT = 5051


@dataclass(frozen=True)
class AgentAddress:
    """`base` is scheme://ip:port (where /files/* answer); `state` the agent's /state URL."""

    base: str
    state: str


class AgentDirectory:
    """Agent id -> address; fed offers on the owner thread, read from API threads."""

    def __init__(self) -> None:
        self._addresses: dict[str, AgentAddress] = {}

    def learn(self, offers: Iterable[dict[str, Any]]) -> None:
        for offer in offers:
            url = offer.get("url")
            if isinstance(url, dict):
                self._addresses[offer["agent_id"]["value"]] = address_of(url)

    def address(self, agent_id: str, hostname: str) -> AgentAddress:
        """The agent's address; one never offered yet is assumed at hostname:5051."""
        known = self._addresses.get(agent_id)
        if known is not None:
            return known
        base = f"http://{hostname}:{DEFAULT_AGENT_PORT}"
        return AgentAddress(base, base + "/state")


def address_of(url: dict[str, Any]) -> AgentAddress:
    """The address in a Mesos `URL` message (scheme, address{hostname, ip, port}, path)."""
    address = url.get("address", {})
    host = address.get("ip") or address.get("hostname")
    base = f"{url.get('scheme', 'http')}://{host}:{address.get('port', DEFAULT_AGENT_PORT)}"
    return AgentAddress(base, base + url.get("path", "") + "/state")
