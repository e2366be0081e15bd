"""Where a failover's time goes: the new leader's milestones (scheduler/base/milestones.py)
lined up with the moment the nemesis struck, all on the host's monotonic clock."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from scheduler.base.milestones import LINE

# In the order a takeover reaches them; "seen" is the harness finding the new leader
# elected and subscribed on its /metrics; the first offers come after SUBSCRIBED, before or
# after that.
PHASES = ("lease_taken", "state_loaded", "subscribing", "subscribed", "offers")
SPANS = (("struck", "lease_taken"), ("lease_taken", "state_loaded"),
         ("state_loaded", "subscribing"), ("subscribing", "subscribed"),
         ("subscribed", "seen"), ("subscribed", "offers"))


@dataclass
class Failover:
    struck: float  # monotonic: SIGKILL or SIGSTOP of the leader
    seen: float  # monotonic: another instance seen leading and subscribed
    pid: int  # the new leader's
    reached: dict[str, float] = field(default_factory=dict)  # milestone: seconds after struck
    before: str = ""  # the fault struck before this one, and when
    why: str = ""  # how the lease was taken: lapsed, or its holder was gone

    @property
    def seconds(self) -> float:
        return self.seen - self.struck

    def read(self, log: str) -> None:
        """Take the new leader's first milestones after the strike from the cluster's log."""
        for match in LINE.finditer(log):
            at = float(match["at"])
            if int(match["pid"]) != self.pid or at < self.struck:
                continue
            self.reached.setdefault(match["name"], at - self.struck)
            if match["name"] == "lease_taken":
                self.why = match["why"] or ""

    def story(self) -> str:
        steps = ", ".join(f"{name} {self.reached[name]:.2f}" for name in PHASES
                          if name in self.reached)
        return (f"{self.seconds:.2f} s: {steps}; seen {self.seconds:.2f} "
                f"(lease {self.why or '?'}; {self.before or 'first fault'})")


def phase_summary(failovers: list[Failover]) -> list[str]:
    """p50 and max of each phase's own time."""
    lines = []
    for start, end in SPANS:
        spans = []
        for failover in failovers:
            marks = {"struck": 0.0, **failover.reached, "seen": failover.seconds}
            if start in marks and end in marks:
                spans.append(marks[end] - marks[start])
        if spans:
            lines.append(f"  {start} -> {end}: p50 {statistics.median(spans):.2f} s, "
                         f"max {max(spans):.2f} s ({len(spans)} failovers)")
    return lines
