"""Opening the database: SQLite in WAL mode by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'dromos.db'}"


def named(url: str, application: str) -> str:
    """`url` with the name PostgreSQL shows for its sessions (pg_stat_activity), unless it
    names them already."""
    if not url.startswith(("postgresql", "postgres:")) or "application_name=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "application_name=" + quote(application)


def open_engine(url: str, busy_timeout_s: float = 30.0, **options: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so two processes can share it.

    Past `busy_timeout_s` a write to a locked database fails (the API answers 503).
    """
    if url.startswith(("postgresql://", "postgres://")):
        # The psycopg 3 driver, which Dromos installs, rather than SQLAlchemy's default psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 2},
                             **options)
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        # WAL + NORMAL survives a crash of the process (not of the OS) with no commit lost.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
