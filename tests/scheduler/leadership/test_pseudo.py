"""The single-scheduler election over SQLite: it leads, and a second one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.leadership.pseudo import AlreadyRunning, PseudoElection


class Duties:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def start_leadership(self, epoch: int) -> None:
        self.calls.append("start")

    def stop_leadership(self) -> None:
        self.calls.append("stop")


def test_the_only_scheduler_leads_until_it_abdicates(tmp_path: Path) -> None:
    election, duties = PseudoElection("here:8080", tmp_path / "dromos.db.lock"), Duties()
    election.offer_leadership(duties)
    assert election.is_leader() and election.leader() == "here:8080"
    election.abdicate()
    election.abdicate()
    assert duties.calls == ["start", "stop"]
    assert election.leader() is None


def test_a_second_scheduler_on_the_same_file_is_refused_naming_the_first(
    tmp_path: Path
) -> None:
    lock = tmp_path / "dromos.db.lock"
    first = PseudoElection("first:8080", lock)
    first.offer_leadership(Duties())
    with pytest.raises(AlreadyRunning, match=r"first:8080 .* already uses"):
        PseudoElection("second:8081", lock).offer_leadership(Duties())
    assert first.is_leader()
