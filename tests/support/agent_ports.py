"""A port range of its own for a test cluster's agent."""

from __future__ import annotations

import random


def agent_ports() -> str:
    """50 ports below the ephemeral ones free_port() hands out, away from 31000-32000
    (the default other clusters offer) and 10000-20000 (service ports)."""
    low = random.randrange(21000, 30950, 50)
    return f"{low}-{low + 49}"
