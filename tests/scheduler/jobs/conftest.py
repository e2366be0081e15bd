"""The job engine's tests run on `Jobs` (jobs_harness.py): the real stack on a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduler.jobs.jobs_harness import Jobs


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[Jobs]:
    harness = Jobs(tmp_path, retry_delay_s=30)
    yield harness
    harness.close()


@pytest.fixture
def chronos2_jobs(tmp_path: Path) -> Iterator[Jobs]:
    """A scheduler with `--past-start-rule chronos2`: overdue slots are missed, not run."""
    harness = Jobs(tmp_path, retry_delay_s=30, past_start_rule="chronos2")
    yield harness
    harness.close()
