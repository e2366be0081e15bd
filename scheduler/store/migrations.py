"""Schema migrations: an ordered list of steps, each applied once, in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

from scheduler.store import schema


def _initial(conn: Connection) -> None:
    # The tables by name: a step must mean the same thing however `schema` grows later.
    initial = (schema.settings, schema.app_versions, schema.apps, schema.groups, schema.tasks,
               schema.deployments, schema.jobs, schema.job_runs)
    schema.metadata.create_all(conn, tables=initial)


def _group_versions(conn: Connection) -> None:
    schema.group_versions.create(conn)


def _idempotency_keys(conn: Connection) -> None:
    schema.idempotency_keys.create(conn)


def _leader_lease(conn: Connection) -> None:
    # The table as this step made it: schema.leader_lease grew columns in step 5.
    lease = Table("leader_lease", MetaData(), Column("id", Integer, primary_key=True),
                  Column("epoch", BigInteger, nullable=False),
                  Column("holder", String(300), nullable=True),
                  Column("expires_at", Float, nullable=False),
                  Column("released_by", String(300), nullable=True))
    lease.create(conn)
    conn.execute(lease.insert().values(id=1, epoch=0, expires_at=0.0))


def _lease_scheme_and_renewal(conn: Connection) -> None:
    # How the holder serves its API (http or https): a standby reaches it in that; when it
    # last renewed: after a database restart, whether its sessions tell if it lives.
    conn.execute(text("ALTER TABLE leader_lease ADD COLUMN holder_scheme VARCHAR(5)"))
    conn.execute(text("ALTER TABLE leader_lease ADD COLUMN renewed_at FLOAT"))


# Append new steps; never edit or reorder a step that has shipped.
STEPS: list[Callable[[Connection], None]] = [
    _initial, _group_versions, _idempotency_keys, _leader_lease,
    _lease_scheme_and_renewal,
]


def current_version(conn: Connection) -> int:
    conn.execute(text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
    row = conn.execute(text("SELECT version FROM schema_version")).first()
    return int(row[0]) if row else 0


def migrate(engine: Engine) -> int:
    """Bring the database to the newest schema; returns the version it is at."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several schedulers start at once on one database: one migrates, the rest wait.
            conn.execute(text("SELECT pg_advisory_xact_lock(7021)"))
        version = current_version(conn)
        if version > len(STEPS):
            raise RuntimeError(
                f"database schema {version} is newer than this Dromos ({len(STEPS)})"
            )
        if version == len(STEPS):
            return version  # nothing to do: a scheduler starting on a current schema writes nothing
        for step in STEPS[version:]:
            step(conn)
        conn.execute(text("DELETE FROM schema_version"))
        conn.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": len(STEPS)})
    return len(STEPS)
