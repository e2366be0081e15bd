"""Reading task output through an agent that does not answer: the user is told which."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from scheduler.base.errors import AgentUnavailable
from scheduler.mesos.agents import AgentDirectory
from scheduler.mesos.sandbox_logs import SandboxLogs, TaskPlace
from tests.support.localmesos import free_port

PLACE = TaskPlace("web.1", "S0", "agent-host")


def directory_with_agent_at(port: int) -> AgentDirectory:
    agents = AgentDirectory()
    agents.learn([{"agent_id": {"value": "S0"}, "url": {
        "scheme": "http", "path": "/slave(1)",
        "address": {"hostname": "agent-host", "ip": "127.0.0.1", "port": port}}}])
    return agents


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_an_offered_agents_state_and_files_are_at_its_offer_url() -> None:
    address = directory_with_agent_at(5151).address("S0", "agent-host")
    assert address.state == "http://127.0.0.1:5151/slave(1)/state"
    assert address.base == "http://127.0.0.1:5151"


def test_an_agent_never_offered_is_looked_for_on_the_mesos_agent_port() -> None:
    assert AgentDirectory().address("S9", "host-9").state == "http://host-9:5051/state"


def test_an_agent_that_refuses_connections_is_a_502_naming_it() -> None:
    port = free_port()
    logs = SandboxLogs(directory_with_agent_at(port))
    with pytest.raises(AgentUnavailable, match=f"127.0.0.1:{port}.* did not answer") as error:
        logs.path(PLACE, "stdout")
    assert error.value.status == 502


def test_an_agent_that_does_not_answer_in_time_is_a_504(silent_port: int) -> None:
    logs = SandboxLogs(directory_with_agent_at(silent_port), timeout_s=0.3)
    with pytest.raises(AgentUnavailable, match="did not answer in time") as error:
        logs.read(PLACE, "/sandbox/stdout", 0, 10)
    assert error.value.status == 504
