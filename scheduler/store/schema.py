"""The tables. Changes go through migrations.py, never by editing a released step."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Single values: framework id, leader lease, etc.
settings = Table(
    "settings",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

# Every stored version of every app; the newest is the current definition.
app_versions = Table(
    "app_versions",
    metadata,
    Column("app_id", String(700), primary_key=True),
    Column("version", String(40), primary_key=True),
    Column("definition", Text, nullable=False),
)

# The current definition of each app (a copy of one row of app_versions).
apps = Table(
    "apps",
    metadata,
    Column("app_id", String(700), primary_key=True),
    Column("version", String(40), nullable=False),
    Column("definition", Text, nullable=False),
)

# Groups that exist on their own (apps imply their parent groups).
groups = Table(
    "groups",
    metadata,
    Column("group_id", String(700), primary_key=True),
    Column("definition", Text, nullable=False),
)

# Snapshots of groups as group writes left them (schema step 2), newest kept per group.
group_versions = Table(
    "group_versions",
    metadata,
    Column("group_id", String(700), primary_key=True),
    Column("version", String(40), primary_key=True),
    Column("definition", Text, nullable=False),
)

# Every task Dromos launched and has not forgotten: app instances and job attempts.
tasks = Table(
    "tasks",
    metadata,
    Column("task_id", String(255), primary_key=True),
    Column("run_spec_id", String(700), nullable=False, index=True),
    Column("record", Text, nullable=False),
)

# Deployment plans in progress, resumed after a restart.
deployments = Table(
    "deployments",
    metadata,
    Column("deployment_id", String(64), primary_key=True),
    Column("plan", Text, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("definition", Text, nullable=False),
    Column("state", Text, nullable=False),
)

# One row per run of a job. A scheduled slot is claimed by inserting its row, so the
# unique key makes "run each slot once" hold across restarts and racing schedulers.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_name", String(255), nullable=False, index=True),
    Column("slot_key", String(100), nullable=False),
    Column("due", Float, nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("record", Text, nullable=False),
    Column("updated", BigInteger, nullable=False),
    UniqueConstraint("job_name", "slot_key", name="uq_job_runs_slot"),
)

# The first answer to each Idempotency-Key (api/guards/idempotency.py); `status` 0 while the
# request is still being applied.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", Float, nullable=False, index=True),
    Column("status", Integer, nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("body", Text, nullable=False),
)

# The leader lease (schema step 4; holder_scheme and renewed_at step 5): one row; its
# epoch fences every state change.
leader_lease = Table(
    "leader_lease",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("epoch", BigInteger, nullable=False),
    Column("holder", String(300), nullable=True),
    Column("expires_at", Float, nullable=False),
    Column("released_by", String(300), nullable=True),
    Column("holder_scheme", String(5), nullable=True),  # http or https
    Column("renewed_at", Float, nullable=True),  # in the database's clock, as expires_at
)
