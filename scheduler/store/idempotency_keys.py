"""The stored first answers of requests sent with an Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from scheduler.store import schema

PENDING = 0  # the status of a key whose request is still being applied

_KEYS = schema.idempotency_keys


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    created_at: float
    status: int
    content_type: str
    body: str


class IdempotencyKeys:
    """Claim a key before its request is applied, then keep the answer it got."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, key: str, fingerprint: str, now: float, expired_before: float) -> (
        StoredAnswer | None
    ):
        """Claim `key` for a new request (None), or return what holds it already.

        Keys older than `expired_before` are forgotten first, so a key is kept about a day.
        """
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(_KEYS).where(_KEYS.c.created_at < expired_before))
                conn.execute(insert(_KEYS).values(
                    key=key, fingerprint=fingerprint, created_at=now, status=PENDING,
                    content_type="", body=""))
            return None
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = conn.execute(select(_KEYS).where(_KEYS.c.key == key)).first()
        if row is None:  # released in between: its request failed, and is still in flight
            return StoredAnswer(fingerprint, now, PENDING, "", "")
        return StoredAnswer(row.fingerprint, row.created_at, row.status, row.content_type,
                            row.body)

    def answer(self, key: str, status: int, content_type: str, body: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(_KEYS).where(_KEYS.c.key == key).values(
                status=status, content_type=content_type, body=body))

    def release(self, key: str) -> None:
        """Forget a claim whose request failed on our side, so a retry applies it."""
        with self.engine.begin() as conn:
            conn.execute(delete(_KEYS).where(_KEYS.c.key == key))
