"""Offers of many agents reach a framework in events of a bounded size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localmesos.master.allocator import OFFERS_PER_EVENT
from tests.localmesos.clients.v1client import V1Scheduler
from tests.support.localmesos import LocalMesos, running_localmesos

AGENTS = 250


@pytest.fixture(scope="module")
def many_agents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesos]:
    data_dir: Path = tmp_path_factory.mktemp("many")
    with running_localmesos(data_dir, "--agents", "0", "--simulated-agents", str(AGENTS)) as mesos:
        yield mesos


def offer_events_covering(client: V1Scheduler, count: int) -> list[list[dict]]:
    """OFFERS events, in arrival order, until `count` distinct agents have offered."""
    events: list[list[dict]] = []
    agents: set[str] = set()
    while len(agents) < count:
        event = client.wait_for("OFFERS", timeout=60)
        client.inbox.events.remove(event)
        offers = event["offers"]["offers"]
        events.append(offers)
        agents |= {o["agent_id"]["value"] for o in offers}
    return events


def test_every_agent_is_offered_in_events_of_at_most_the_batch_size(
    many_agents: LocalMesos,
) -> None:
    client = V1Scheduler(many_agents.url)
    try:
        assert client.subscribe(name="batches")["type"] == "SUBSCRIBED"
        events = offer_events_covering(client, AGENTS)
        sizes = [len(offers) for offers in events]
        assert max(sizes) <= OFFERS_PER_EVENT < AGENTS, sizes
        ids = [o["id"]["value"] for offers in events for o in offers]
        assert len(ids) == len(set(ids)) == AGENTS  # one offer per agent, none twice

        # Declined, they come back the same way.
        declined = {"offer_ids": [{"value": i} for i in ids], "filters": {"refuse_seconds": 0}}
        assert client.call("DECLINE", declined).status_code == 202
        again = offer_events_covering(client, AGENTS)
        assert max(len(offers) for offers in again) <= OFFERS_PER_EVENT
    finally:
        client.call("TEARDOWN")
        client.disconnect()
