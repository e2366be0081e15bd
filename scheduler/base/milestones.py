"""Milestones of a takeover (lease taken, state loaded, SUBSCRIBE sent, SUBSCRIBED, first
offers), logged on the host's monotonic clock with the process id.

CLOCK_MONOTONIC is one clock for every process of a host, so a harness that SIGKILLs a
leader can line these lines up with the moment it struck and tell where a failover's time
went (bench.ha_faults). One log line per milestone, a handful per leadership.
"""

from __future__ import annotations

import logging
import os
import re
import time

MILESTONES = "dromos.milestone"  # the logger, at INFO whatever the level asked for
log = logging.getLogger(MILESTONES)

LINE = re.compile(r"milestone (?P<name>\w+)(?: \((?P<why>[^)]*)\))? "
                  r"\[pid (?P<pid>\d+), monotonic (?P<at>[\d.]+)\]")


def milestone(name: str, why: str = "") -> None:
    """Log that this process reached `name` now (`why`: how, in a few words)."""
    detail = f" ({why})" if why else ""
    log.info("milestone %s%s [pid %d, monotonic %.3f]", name, detail, os.getpid(),
             time.monotonic())
