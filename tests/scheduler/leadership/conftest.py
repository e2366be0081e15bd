"""The elections run against a real PostgreSQL, one fresh database per test; `elect`
offers leadership to a recorder of what the election asks and closes the election after."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from scheduler.leadership.service import ElectionService
from tests.support.postgres import running_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with running_postgres() as url:
        yield url


@pytest.fixture
def db_url(postgres_server: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


class Duties:
    """Records what the election asked of this instance, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.epochs: list[int] = []
        self.elected = threading.Event()

    def start_leadership(self, epoch: int) -> None:
        self.calls.append("start")
        self.epochs.append(epoch)
        self.elected.set()

    def stop_leadership(self) -> None:
        self.calls.append("stop")


Elect = Callable[[ElectionService], Duties]


@pytest.fixture
def elect() -> Iterator[Elect]:
    offered: list[ElectionService] = []

    def offer(election: ElectionService) -> Duties:
        duties = Duties()
        offered.append(election)
        election.offer_leadership(duties)
        return duties
    yield offer
    for election in offered:
        election.close()
