"""The repository: every durable read and write of the scheduler goes through `Store`."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from scheduler.store import schema
from scheduler.store.db import open_engine
from scheduler.store.migrations import migrate

Json = dict[str, Any]
# Run with every status or slot, so built once; the SET columns come from the parameters.
_DELETE_TASK = delete(schema.tasks).where(schema.tasks.c.task_id == bindparam("gone_id"))
_UPDATE_RUN = update(schema.job_runs).where(schema.job_runs.c.id == bindparam("run_id"))
_UPDATE_JOB_STATE = update(schema.jobs).where(schema.jobs.c.name == bindparam("job_name"))
_ENDED_RUNS_BEYOND = (  # ids of a job's ended runs past the newest `keep`
    select(schema.job_runs.c.id)
    .where(schema.job_runs.c.job_name == bindparam("job_name"),
           schema.job_runs.c.status.in_(("ok", "failed", "missed", "killed")))
    .order_by(schema.job_runs.c.id.desc())
    .offset(bindparam("keep", type_=Integer))
)


class Store:
    """Durable state. Writes made inside `transaction()` commit together."""

    def __init__(self, url: str, busy_timeout_s: float = 30.0) -> None:
        self.url = url
        self.engine: Engine = open_engine(url, busy_timeout_s)
        migrate(self.engine)
        self._local = threading.local()
        # Runs inside every transaction just before it commits; raises to refuse it (the
        # leader's fencing epoch, scheduler/leadership).
        self.guard: Callable[[Connection], None] | None = None
        self._upserts: dict[
            tuple[str, tuple[str, ...], tuple[str, ...]], sqlite.Insert | postgresql.Insert
        ] = {}

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Group writes; nested calls join the outer transaction, which commits only if the
        guard lets it."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.engine.begin() as conn:
            self._local.conn = conn
            self._local.tasks = {}
            try:
                yield conn
                self._flush_tasks(conn)
                if self.guard is not None:
                    self.guard(conn)
            finally:
                self._local.conn = None
                self._local.tasks = None

    def _put(self, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
        statement = self._upsert(table, tuple(key), tuple(values))
        with self.transaction() as conn:
            conn.execute(statement, {**key, **values})

    def _upsert(
        self, table: Table, key: tuple[str, ...], values: tuple[str, ...]
    ) -> sqlite.Insert | postgresql.Insert:
        """INSERT .. ON CONFLICT (key) DO UPDATE (SQLite and PostgreSQL both have it): one
        statement, built once per table and columns, so a write costs no query building."""
        statement = self._upserts.get((table.name, key, values))
        if statement is None:
            new = self._insert(table)
            statement = new.on_conflict_do_update(
                index_elements=[table.c[name] for name in key],
                set_={name: new.excluded[name] for name in values},
            )
            self._upserts[(table.name, key, values)] = statement
        return statement

    def _drop(self, table: Table, **key: Any) -> None:
        with self.transaction() as conn:
            conn.execute(delete(table).where(*[table.c[n] == v for n, v in key.items()]))

    # settings ---------------------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        with self.transaction() as conn:
            row = conn.execute(
                select(schema.settings.c.value).where(schema.settings.c.key == key)
            ).first()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        self._put(schema.settings, {"key": key}, {"value": value})

    def delete_setting(self, key: str) -> None:
        self._drop(schema.settings, key=key)

    # apps -------------------------------------------------------------------------------
    def save_app(self, app_id: str, version: str, definition: Json, max_versions: int) -> None:
        """Store a new current version of an app, keeping at most `max_versions`."""
        body = json.dumps(definition)
        t = schema.app_versions
        with self.transaction() as conn:
            self._put(t, {"app_id": app_id, "version": version}, {"definition": body})
            self._put(schema.apps, {"app_id": app_id}, {"version": version, "definition": body})
            versions = [r[0] for r in conn.execute(
                select(t.c.version).where(t.c.app_id == app_id).order_by(t.c.version.desc())
            )]
            for old in versions[max_versions:]:
                conn.execute(delete(t).where(t.c.app_id == app_id, t.c.version == old))

    def delete_app(self, app_id: str) -> None:
        with self.transaction():
            self._drop(schema.apps, app_id=app_id)
            self._drop(schema.app_versions, app_id=app_id)

    def load_apps(self) -> dict[str, Json]:
        with self.transaction() as conn:
            rows = conn.execute(select(schema.apps.c.app_id, schema.apps.c.definition))
            return {app_id: json.loads(body) for app_id, body in rows}

    def app_versions(self, app_id: str) -> list[str]:
        t = schema.app_versions
        with self.transaction() as conn:
            rows = conn.execute(
                select(t.c.version).where(t.c.app_id == app_id).order_by(t.c.version.desc())
            )
            return [r[0] for r in rows]

    def app_version(self, app_id: str, version: str) -> Json | None:
        t = schema.app_versions
        with self.transaction() as conn:
            row = conn.execute(
                select(t.c.definition).where(t.c.app_id == app_id, t.c.version == version)
            ).first()
        return None if row is None else dict(json.loads(row[0]))

    # groups -----------------------------------------------------------------------------
    def save_group(self, group_id: str, definition: Json) -> None:
        self._put(schema.groups, {"group_id": group_id}, {"definition": json.dumps(definition)})

    def delete_group(self, group_id: str) -> None:
        self._drop(schema.groups, group_id=group_id)

    def load_groups(self) -> dict[str, Json]:
        with self.transaction() as conn:
            rows = conn.execute(select(schema.groups.c.group_id, schema.groups.c.definition))
            return {gid: json.loads(body) for gid, body in rows}

    def save_group_version(self, group_id: str, version: str, definition: Json,
                           max_versions: int) -> None:
        """Keep a snapshot of a group at `version`, and at most `max_versions` of them."""
        t = schema.group_versions
        with self.transaction() as conn:
            self._put(t, {"group_id": group_id, "version": version},
                      {"definition": json.dumps(definition)})
            old = [r[0] for r in conn.execute(
                select(t.c.version).where(t.c.group_id == group_id)
                .order_by(t.c.version.desc()).offset(max_versions)
            )]
            if old:
                conn.execute(delete(t).where(t.c.group_id == group_id, t.c.version.in_(old)))

    def group_versions(self, group_id: str) -> list[str]:
        """The versions kept of a group, newest first."""
        t = schema.group_versions
        with self.transaction() as conn:
            rows = conn.execute(
                select(t.c.version).where(t.c.group_id == group_id).order_by(t.c.version.desc())
            )
            return [r[0] for r in rows]

    def group_version(self, group_id: str, version: str) -> Json | None:
        t = schema.group_versions
        with self.transaction() as conn:
            row = conn.execute(
                select(t.c.definition).where(t.c.group_id == group_id, t.c.version == version)
            ).first()
        return None if row is None else dict(json.loads(row[0]))

    def delete_group_versions(self, group_id: str) -> None:
        self._drop(schema.group_versions, group_id=group_id)

    # tasks ------------------------------------------------------------------------------
    def save_task(self, task_id: str, run_spec_id: str, record: Json) -> None:
        with self.transaction():
            self._local.tasks[task_id] = (run_spec_id, json.dumps(record))

    def delete_task(self, task_id: str) -> None:
        with self.transaction():
            self._local.tasks[task_id] = None

    def _flush_tasks(self, conn: Connection) -> None:
        """The transaction's task writes, the last of each task's, as one batch of upserts
        and one of deletes (a turn of thousands of status updates writes thousands of
        rows: one statement each cost more than the rows)."""
        pending: dict[str, tuple[str, str] | None] = self._local.tasks
        if not pending:
            return
        self._local.tasks = {}
        puts = [{"task_id": task_id, "run_spec_id": row[0], "record": row[1]}
                for task_id, row in pending.items() if row is not None]
        gone = [{"gone_id": task_id} for task_id, row in pending.items() if row is None]
        if puts:
            conn.execute(self._upsert(schema.tasks, ("task_id",), ("run_spec_id", "record")),
                         puts)
        if gone:
            conn.execute(_DELETE_TASK, gone)

    def load_tasks(self) -> dict[str, Json]:
        with self.transaction() as conn:
            self._flush_tasks(conn)
            rows = conn.execute(select(schema.tasks.c.task_id, schema.tasks.c.record))
            return {task_id: json.loads(body) for task_id, body in rows}

    # deployments ------------------------------------------------------------------------
    def save_deployment(self, deployment_id: str, plan: Json) -> None:
        self._put(
            schema.deployments, {"deployment_id": deployment_id}, {"plan": json.dumps(plan)}
        )

    def delete_deployment(self, deployment_id: str) -> None:
        self._drop(schema.deployments, deployment_id=deployment_id)

    def load_deployments(self) -> dict[str, Json]:
        t = schema.deployments
        with self.transaction() as conn:
            return {d: json.loads(p) for d, p in conn.execute(select(t.c.deployment_id, t.c.plan))}

    # jobs -------------------------------------------------------------------------------
    def save_job(self, name: str, definition: Json, state: Json) -> None:
        self._put(
            schema.jobs,
            {"name": name},
            {"definition": json.dumps(definition), "state": json.dumps(state)},
        )

    def save_job_state(self, name: str, state: Json) -> None:
        """Only the job's state (its cursor moves with every slot; the definition does not)."""
        with self.transaction() as conn:
            conn.execute(_UPDATE_JOB_STATE, {"job_name": name, "state": json.dumps(state)})

    def delete_job(self, name: str) -> None:
        self._drop(schema.jobs, name=name)

    def load_jobs(self) -> dict[str, tuple[Json, Json]]:
        t = schema.jobs
        with self.transaction() as conn:
            rows = conn.execute(select(t.c.name, t.c.definition, t.c.state))
            return {n: (json.loads(d), json.loads(s)) for n, d, s in rows}

    def _insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL alike)."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # job runs ---------------------------------------------------------------------------
    def claim_run(
        self, job_name: str, slot_key: str, due: float, trigger: str, record: Json, now: int
    ) -> int | None:
        """Insert the run for a slot; None when the slot was already claimed."""
        return self.claim_runs(job_name, [(slot_key, due, trigger, "claimed", record)], now).get(
            slot_key
        )

    def claim_runs(
        self, job_name: str, claims: list[tuple[str, float, str, str, Json]], now: int
    ) -> dict[str, int]:
        """Insert runs of a job in one statement, each claim (slot key, due, trigger, status,
        record); the ids of those inserted by slot key (a slot claimed before is skipped)."""
        if not claims:
            return {}
        t = schema.job_runs
        rows = [
            {"job_name": job_name, "slot_key": key, "due": due, "trigger": trigger,
             "status": status, "record": json.dumps(record), "updated": now}
            for key, due, trigger, status, record in claims
        ]
        stmt = self._insert(t).on_conflict_do_nothing().values(rows).returning(t.c.id, t.c.slot_key)
        with self.transaction() as conn:
            return {key: int(run_id) for run_id, key in conn.execute(stmt)}

    def update_run(self, run_id: int, status: str, record: Json, now: int) -> None:
        with self.transaction() as conn:
            conn.execute(_UPDATE_RUN, {"run_id": run_id, "status": status,
                                       "record": json.dumps(record), "updated": now})

    def runs(self, job_name: str, limit: int | None = None) -> list[tuple[int, str, Json]]:
        """(run id, status, record) of a job's runs, newest first."""
        t = schema.job_runs
        query = select(t.c.id, t.c.status, t.c.record).where(t.c.job_name == job_name)
        query = query.order_by(t.c.id.desc()).limit(limit)
        with self.transaction() as conn:
            return [(i, s, json.loads(r)) for i, s, r in conn.execute(query)]

    def recent_runs(self, limit: int) -> dict[str, list[tuple[int, str, Json]]]:
        """(run id, status, record) of every job's `limit` newest runs, by job, newest first:
        `runs` of all jobs in one query."""
        t = schema.job_runs
        rank = func.row_number().over(partition_by=t.c.job_name, order_by=t.c.id.desc())
        ranked = select(t.c.id, t.c.job_name, t.c.status, t.c.record, rank.label("rank"))
        sub = ranked.subquery()
        query = (select(sub.c.id, sub.c.job_name, sub.c.status, sub.c.record)
                 .where(sub.c.rank <= limit).order_by(sub.c.id.desc()))
        by_job: dict[str, list[tuple[int, str, Json]]] = {}
        with self.transaction() as conn:
            for i, n, s, r in conn.execute(query):
                by_job.setdefault(n, []).append((i, s, json.loads(r)))
        return by_job

    def open_runs(self) -> list[tuple[int, str, str, Json]]:
        """(run id, job name, status, record) of runs that have not ended."""
        t = schema.job_runs
        query = select(t.c.id, t.c.job_name, t.c.status, t.c.record).where(
            t.c.status.in_(("claimed", "running"))
        )
        with self.transaction() as conn:
            return [(i, n, s, json.loads(r)) for i, n, s, r in conn.execute(query)]

    def prune_runs(self, job_name: str, keep: int) -> None:
        """Drop the oldest ended runs of a job beyond `keep`."""
        with self.transaction() as conn:
            ids = [r[0] for r in conn.execute(_ENDED_RUNS_BEYOND,
                                              {"job_name": job_name, "keep": keep})]
            if ids:
                conn.execute(delete(schema.job_runs).where(schema.job_runs.c.id.in_(ids)))

    def delete_runs(self, job_name: str) -> None:
        self._drop(schema.job_runs, job_name=job_name)
