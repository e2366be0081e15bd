"""`dromos scheduler`'s signal handling: the first SIGINT/SIGTERM stops it, later ones
cannot break off the shutdown already under way."""

from __future__ import annotations

import signal

import pytest

from scheduler.process.main import StopOnFirstSignal


def test_the_first_signal_stops_and_later_ones_are_ignored() -> None:
    stop = StopOnFirstSignal()
    with pytest.raises(SystemExit) as stopped:
        stop(signal.SIGINT, None)
    assert stopped.value.code == 0
    stop(signal.SIGTERM, None)  # Ctrl-C's SIGINT, then `dromos dev`'s SIGTERM: no raise
    stop(signal.SIGINT, None)
    assert stop.stopping
