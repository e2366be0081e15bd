"""`dromos scheduler`'s signal handling (the first SIGINT/SIGTERM stops it, later ones
cannot break off the shutdown already under way) and its log lines."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.process.main import StopOnFirstSignal
from tests.support.scheduler_process import running_scheduler
from tests.support.utc_log import FAR_ZONE, assert_stamped_in_utc


def test_the_first_signal_stops_and_later_ones_are_ignored() -> None:
    stop = StopOnFirstSignal()
    with pytest.raises(SystemExit) as stopped:
        stop(signal.SIGINT, None)
    assert stopped.value.code == 0
    stop(signal.SIGTERM, None)  # Ctrl-C's SIGINT, then `dromos dev`'s SIGTERM: no raise
    stop(signal.SIGINT, None)
    assert stop.stopping


def test_log_lines_are_stamped_in_utc(tmp_path: Path) -> None:
    started = datetime.now(UTC)
    with running_scheduler(tmp_path, "--log-level", "debug", env={"TZ": FAR_ZONE}):
        pass
    assert_stamped_in_utc((tmp_path / "scheduler.log").read_text(), started)
