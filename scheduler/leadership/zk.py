"""Leader election in ZooKeeper (kazoo's election recipe), for clusters that run it anyway.

ZooKeeper decides who leads; the database still fences: on election the new leader bumps
the lease row's epoch, and every state-changing transaction checks it, so a leader whose
session ended unnoticed (paused, partitioned) writes nothing once another is elected. A
leader that loses its connection to ZooKeeper gives leadership up at once.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import KazooException
from kazoo.recipe.election import Election
from sqlalchemy import Connection, Engine, text

from scheduler.leadership.lease import check_epoch
from scheduler.leadership.service import Candidate, Gate, host_port
from scheduler.store.db import open_engine
from scheduler.store.migrations import migrate

log = logging.getLogger(__name__)

_SEIZE = text("UPDATE leader_lease SET epoch = epoch + 1, holder = :me, expires_at = 0 "
              "WHERE id = 1 RETURNING epoch")


def parse_zk(url: str) -> tuple[str, str]:
    """`zk://host:2181,host2:2181/dromos` -> ("host:2181,host2:2181", "/dromos")."""
    parts = urlsplit(url)
    if parts.scheme != "zk" or not parts.netloc:
        raise ValueError(f"not a zk://HOSTS/PATH URL: {url}")
    return parts.netloc, parts.path.rstrip("/") or "/dromos"


class ZkElection:
    def __init__(self, zk_url: str, db_url: str, instance: str, session_s: float = 10.0,
                 scheme: str = "http") -> None:
        hosts, path = parse_zk(zk_url)
        self.instance = instance
        self.scheme = scheme
        self._client = KazooClient(hosts=hosts, timeout=session_s)
        # Contenders are named SCHEME://HOST:PORT: how each serves its API.
        self._election = Election(self._client, f"{path}/leader",
                                  identifier=f"{scheme}://{instance}")
        self._engine: Engine = open_engine(db_url, pool_size=2)
        migrate(self._engine)
        self._gate: Gate | None = None
        self._epoch: int | None = None
        self._deposed = threading.Event()
        self._session_s = session_s
        self._thread: threading.Thread | None = None

    def is_leader(self) -> bool:
        return self._epoch is not None

    def leader(self) -> str | None:
        url = self.leader_url()
        return host_port(url) if url else None

    def leader_url(self) -> str | None:
        if self.is_leader():
            return f"{self.scheme}://{self.instance}"
        try:
            contenders = self._election.contenders()
        except KazooException:
            return None  # ZooKeeper unreachable: no one is known to lead
        if not contenders:
            return None
        first = str(contenders[0])
        # A contender from before schemes were in the name serves ours.
        return first if "://" in first else f"{self.scheme}://{first}"

    def offer_leadership(self, candidate: Candidate) -> None:
        self._gate = Gate(candidate)
        self._client.add_listener(self._connection)
        self._client.start()
        self._thread = threading.Thread(target=self._election.run, args=(self._lead,),
                                        daemon=True, name="dromos-zk-election")
        self._thread.start()

    def abdicate(self) -> None:
        self._lose()

    def fence(self, conn: Connection) -> None:
        check_epoch(conn, self.instance, self._epoch, self._lose)

    def changes(self) -> int:
        return 0 if self._gate is None else self._gate.changes

    def close(self) -> None:
        """End the ZooKeeper session: its election node goes, the next contender leads."""
        # Leave the election while still connected: the leader's `_lead` returns and its
        # lock node is deleted, a contender stops waiting. Stopping the client under them
        # would fail that release in the election thread; a stop is not a lost leadership.
        self._epoch = None
        self._deposed.set()
        self._election.cancel()
        if self._thread is not None:
            self._thread.join(self._session_s)
        self._client.stop()
        self._client.close()
        self._engine.dispose()

    def _lead(self) -> None:
        """Elected in ZooKeeper: take the fencing epoch, lead until deposed."""
        if self._deposed.is_set():
            return  # elected as it closed
        with self._engine.begin() as conn:
            self._epoch = int(conn.execute(_SEIZE, {"me": self.instance}).scalar_one())
        assert self._gate is not None
        self._gate.start(self._epoch)
        self._deposed.wait()

    def _connection(self, state: str) -> None:
        if state in (KazooState.SUSPENDED, KazooState.LOST) and self._epoch is not None:
            log.error("ZooKeeper connection %s while leading", state.lower())
            threading.Thread(target=self._lose, daemon=True).start()

    def _lose(self) -> None:
        self._epoch = None
        self._deposed.set()
        if self._gate is not None:
            self._gate.stop()
