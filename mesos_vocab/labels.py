"""TaskInfo labels Dromos's scheduler writes and its executor reads."""

from __future__ import annotations

# Start the command at this instant (epoch milliseconds), not at LAUNCH.
START_AT_LABEL = "dromos.start_at"
