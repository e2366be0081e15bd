"""A throwaway PostgreSQL server for the store's contract tests and the HA tests.

Started from the machine's PostgreSQL binaries (Debian's `postgresql` package), on a free
loopback port, in a temporary directory; stopped at the end. Missing binaries skip these
tests locally, and fail them in CI, which must have them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from scheduler.process.local_postgres import LocalPostgres, available
from tests.support.localmesos import free_port


@contextlib.contextmanager
def postgres_server() -> Iterator[LocalPostgres]:
    """A started server; `.url` names its `postgres` database, `.stop()`/`.start()` restart it."""
    if not available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) are missing on this CI machine")
        pytest.skip("PostgreSQL binaries not installed (Debian package `postgresql`)")
    server = LocalPostgres(free_port())
    server.start()
    try:
        yield server
    finally:
        server.remove()


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Yields a server URL `postgresql://postgres@127.0.0.1:PORT`."""
    with postgres_server() as server:
        yield server.url.rsplit("/", 1)[0]
