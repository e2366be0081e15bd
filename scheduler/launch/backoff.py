"""Launch backoff: after a task of a run spec fails, its next launch waits, longer each time.

Keyed by (run spec id, config version), so scaling keeps a delay and a config change
starts fresh. All times are epoch seconds passed in by the caller; nothing here reads a
clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

BackoffKey = tuple[str, str]
"""(run spec id, config version), e.g. ("/prod/web", "2024-05-01T10:00:00.000Z")."""


@dataclass(frozen=True)
class Delay:
    """A launch delay: launches wait until `reference + seconds`.

    `reference` is the time of the last failure or launch; the delay is forgotten once
    `max_seconds` pass after it without a new failure.
    """

    reference: float
    seconds: float
    max_seconds: float

    @property
    def until(self) -> float:
        return self.reference + self.seconds

    def expired(self, now: float) -> bool:
        return now > self.reference + self.max_seconds


class Backoff:
    """The launch delays of all run specs."""

    def __init__(self) -> None:
        self._delays: dict[BackoffKey, Delay] = {}

    def on_failure(
        self, key: BackoffKey, now: float, backoff_seconds: float, factor: float, max_delay: float
    ) -> Delay:
        """A task failed (or finished) at `now`: the first failure waits `backoff_seconds`,
        each further one `factor` times the last delay, never more than `max_delay`."""
        current = self._live(key, now)
        seconds = backoff_seconds if current is None else current.seconds * factor
        delay = Delay(reference=now, seconds=min(seconds, max_delay), max_seconds=max_delay)
        self._delays[key] = delay
        return delay

    def on_launched(self, key: BackoffKey, now: float) -> None:
        """A task started (staging or running): restart the delay's clock, keep its length."""
        current = self._delays.get(key)
        if current is not None:
            self._delays[key] = replace(current, reference=now)

    def delay_until(self, key: BackoffKey) -> float:
        """Epoch seconds before which the run spec must not launch; 0 when not delayed."""
        current = self._delays.get(key)
        return 0.0 if current is None else current.until

    def time_left(self, key: BackoffKey, now: float) -> float:
        """Seconds until the run spec may launch again; 0 when it may launch now."""
        return max(0.0, self.delay_until(key) - now)

    def reset(self, key: BackoffKey) -> None:
        self._delays.pop(key, None)

    def reset_run_spec(self, run_spec_id: str) -> None:
        """Forget the delays of every config version of a run spec."""
        for key in [k for k in self._delays if k[0] == run_spec_id]:
            del self._delays[key]

    def expire(self, now: float) -> None:
        """Forget delays with no failure or launch for longer than their maximum."""
        self._delays = {k: d for k, d in self._delays.items() if not d.expired(now)}

    def _live(self, key: BackoffKey, now: float) -> Delay | None:
        current = self._delays.get(key)
        return None if current is None or current.expired(now) else current
