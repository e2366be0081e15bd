"""The single-scheduler election over SQLite: it leads, and a second one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.leadership.pseudo import AlreadyRunning, PseudoElection
from tests.scheduler.leadership.conftest import Elect


def test_the_only_scheduler_leads_until_it_abdicates(tmp_path: Path, elect: Elect) -> None:
    election = PseudoElection("here:8080", tmp_path / "dromos.db.lock")
    duties = elect(election)
    assert election.is_leader() and election.leader() == "here:8080"
    election.abdicate()
    election.abdicate()
    assert duties.calls == ["start", "stop"]
    assert election.leader() is None


def test_a_second_scheduler_on_the_same_file_is_refused_naming_the_first(
    tmp_path: Path, elect: Elect
) -> None:
    lock = tmp_path / "dromos.db.lock"
    first = PseudoElection("first:8080", lock)
    elect(first)
    with pytest.raises(AlreadyRunning, match=r"first:8080 .* already uses"):
        elect(PseudoElection("second:8081", lock))
    assert first.is_leader()
