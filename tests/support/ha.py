"""A `dromos dev --schedulers N` cluster on its own throwaway PostgreSQL, for HA tests.

    with running_cluster(tmp_path) as cluster:
        leader = cluster.wait_leader()
        os.kill(cluster.pid(leader), signal.SIGKILL)

The instances serve on consecutive ports; `dromos dev` restarts any that exits.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

from scheduler.process.local_postgres import LocalPostgres
from tests.support.dev import START_TIMEOUT_S, Dev, running_dev, wait_for
from tests.support.localmesos import reserved_ports
from tests.support.postgres import postgres_server
from tests.support.tls import self_signed_pair

LEASE_S = 3.0
# Several schedulers starting at once on a loaded 2-CPU machine (load 20 seen) take far
# longer than one: each imports the whole scheduler before it answers.
START_S = 3 * START_TIMEOUT_S


@dataclass
class Cluster:
    dev: Dev
    ports: list[int]
    postgres: LocalPostgres
    db_url: str
    cert: Path | None = None  # the instances serve HTTPS with this self-signed certificate

    def url(self, i: int) -> str:
        return f"{'https' if self.cert else 'http'}://127.0.0.1:{self.ports[i]}"

    def get(self, i: int, path: str, timeout_s: float) -> requests.Response:
        """GET `path` of instance `i`, trusting the cluster's certificate."""
        trust = str(self.cert) if self.cert else True
        return requests.get(self.url(i) + path, timeout=timeout_s, verify=trust)

    def instance(self, i: int) -> str:
        return f"127.0.0.1:{self.ports[i]}"

    def pid(self, i: int) -> int:
        return int((self.dev.data_dir / f"scheduler-{i + 1}.pid").read_text())

    def leads(self, i: int) -> bool:
        """Instance `i` leads and is subscribed to Mesos."""
        with contextlib.suppress(requests.RequestException):
            metrics = self.get(i, "/metrics", 1).text
            return "dromos_leader 1.0" in metrics and "dromos_mesos_connected 1.0" in metrics
        return False

    def wait_leader(self, timeout_s: float = START_S, other_than: int | None = None
                    ) -> int:
        """The leading instance's index; with `other_than`, one that is not that instance
        as it runs now (the same instance restarted and elected again counts). Each
        instance is asked every 0.1 s in a thread of its own: one paused (or still
        starting) would otherwise hold the others' turn up for its timeout."""
        old_pid = None if other_than is None else self.pid(other_than)
        found: queue.Queue[int] = queue.Queue()
        stop = threading.Event()

        def ask(i: int) -> None:
            while not stop.is_set():
                if self.leads(i) and not (i == other_than and self.pid(i) == old_pid):
                    found.put(i)
                    return
                stop.wait(0.1)
        for i in range(len(self.ports)):
            threading.Thread(target=ask, args=(i,), daemon=True).start()
        try:
            return found.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError(f"no leader:\n{self.dev.log()}") from None
        finally:
            stop.set()

    def names_as_leader(self, i: int) -> str | None:
        """What instance `i` answers to /v2/leader (None while it does not answer)."""
        with contextlib.suppress(requests.RequestException, ValueError):
            answer = self.get(i, "/v2/leader", 2)
            return str(answer.json().get("leader"))
        return None

    def wait_serving(self) -> None:
        """Until every instance answers."""
        def answering(i: int) -> bool:
            with contextlib.suppress(requests.RequestException):
                return self.get(i, "/ping", 1).ok
            return False
        wait_for(lambda: all(answering(i) for i in range(len(self.ports))), START_S,
                 lambda: f"not every instance serves:\n{self.dev.log()}", interval_s=0.1)

    def standby(self) -> int:
        """A standby, once every instance serves again (after a kill, its restart)."""
        self.wait_serving()
        leader = self.wait_leader()
        return (leader + 1) % len(self.ports)

    def sql(self, statement: str) -> list[tuple[object, ...]]:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []


@contextlib.contextmanager
def running_cluster(data_dir: Path, *options: str, schedulers: int = 3, tls: bool = False
                    ) -> Iterator[Cluster]:
    """With `tls`, the instances serve HTTPS with a self-signed certificate that each
    trusts for the others' (--tls-ca)."""
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(postgres_server())
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE dromos")
        db_url = server.url.rsplit("/", 1)[0] + "/dromos"
        ports = stack.enter_context(reserved_ports(schedulers))
        cert = None
        if tls:
            data_dir.mkdir(parents=True, exist_ok=True)
            cert, key = self_signed_pair(data_dir)
            options = (*options, "--tls-cert", str(cert), "--tls-key", str(key),
                       "--tls-ca", str(cert))
        cluster: list[Cluster] = []

        def ready(dev: Dev) -> None:
            cluster.append(Cluster(dev, ports, server, db_url, cert))
            cluster[0].wait_leader()
            cluster[0].wait_serving()

        with running_dev(data_dir, "--schedulers", str(schedulers), "--db", db_url,
                         "--lease", str(LEASE_S), *options, port=ports[0], ready=ready):
            yield cluster[0]
