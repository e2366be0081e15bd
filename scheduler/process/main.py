"""`dromos scheduler`: the framework and its REST API in one process."""

from __future__ import annotations

import logging
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import click

from chronos.schedules.due import PastStartRule
from scheduler.base.config import JOB_LAUNCH_LEAD_S, Config
from scheduler.base.milestones import MILESTONES
from scheduler.leadership.pseudo import AlreadyRunning, PseudoElection
from scheduler.leadership.service import SESSION_PREFIX, ElectionService
from scheduler.process.server_options import limit_options
from scheduler.store.db import named, sqlite_url

log = logging.getLogger("dromos")
PAST_START_RULES = [rule.value for rule in PastStartRule]

LeaderApp = Any  # the Flask app of the leader (api/ sits above this module)


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
        stream=sys.stderr,
    )
    # UTC, so the scheduler's lines sort with localmesos's and the agents' on one console.
    logging.Formatter.converter = time.gmtime
    # pymesos gives its logger a handler and level INFO of its own at import: each line would
    # print twice, and its INFO lines whatever the level asked for.
    import pymesos  # noqa: F401  (imported now, so its setup is undone once)

    logging.getLogger("pymesos").handlers.clear()
    logging.getLogger("pymesos").setLevel(logging.NOTSET)
    # A takeover's few milestones, whatever the level: where a failover's time went.
    logging.getLogger(MILESTONES).setLevel(logging.INFO)


@click.command()
@click.option("--master", required=True, help="Mesos master HOST:PORT or zk://HOSTS/PATH")
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL (default: SQLite in data dir)")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to serve the API on")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--data-dir", default="data", show_default=True, type=click.Path(path_type=Path))
@click.option("--hostname", default=None, help="name this scheduler advertises")
@click.option("--framework-name", default="dromos", show_default=True)
@click.option("--role", default="*", show_default=True)
@click.option("--log-level", default="info", show_default=True)
@click.option("--max-concurrent-health-checks", default=256, show_default=True, type=int,
              help="HTTP/HTTPS/TCP health probes the scheduler runs at once")
@click.option("--job-retry-delay", default=60.0, show_default=True, type=float,
              help="seconds before a failed job run is retried")
@click.option("--job-launch-lead", default=JOB_LAUNCH_LEAD_S, show_default=True, type=float,
              help="seconds before its slot a scheduled job run is launched, to start at the "
                   "slot on its agent (0: launch at the slot)")
@click.option("--zk", "zk_url", default=None,
              help="zk://HOSTS/PATH: elect the leader in ZooKeeper (fenced in the database)")
@click.option("--lease", default=3.0, show_default=True, type=float,
              help="seconds a leader holds its lease in PostgreSQL without renewing it")
@click.option("--past-start-rule", type=click.Choice(PAST_START_RULES), default="chronos3",
              show_default=True,
              help="slots older than a job's epsilon (a start in the past, or downtime): "
                   "chronos3 runs the job once now and skips its schedule forward, "
                   "chronos2 records them as missed and does not run them")
@click.option("--local-port-min", "--local_port_min", "local_port_min", default=10000,
              show_default=True, type=int, help="lowest service port assigned for a port of 0")
@click.option("--local-port-max", "--local_port_max", "local_port_max", default=20000,
              show_default=True, type=int, help="highest service port assigned for a port of 0")
@click.option("--kill-drain-seconds", "kill_drain_s", default=0.0, show_default=True,
              type=float, help="seconds a running task is out of discovery before Mesos kills it")
@click.option("--dns-port", type=int, default=None,
              help="serve Mesos-DNS-style names on this UDP and TCP port (off by default)")
@click.option("--dns-domain", default="mesos", show_default=True)
@click.option("--dns-ttl", default=1, show_default=True, type=int, help="seconds")
@click.option("--consul-port", type=int, default=None,
              help="serve a read-only Consul catalog API on this port (off by default)")
@click.option("--consul-datacenter", default="dc1", show_default=True)
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="an origin (scheme://host:port) whose pages may call the API; repeatable")
@limit_options
def scheduler(
    master: str, db_url: str | None, host: str, port: int, data_dir: Path,
    hostname: str | None, framework_name: str, role: str,
    log_level: str, max_concurrent_health_checks: int, job_retry_delay: float,
    job_launch_lead: float, past_start_rule: str, cors_origins: tuple[str, ...],
    zk_url: str | None, lease: float, **limits: Any,
) -> None:
    """Run the Dromos scheduler and its REST API."""
    setup_logging(log_level)
    if bool(limits.get("tls_cert")) != bool(limits.get("tls_key")):
        raise click.UsageError("--tls-cert and --tls-key go together")
    data_dir.mkdir(parents=True, exist_ok=True)
    options = {
        "master": master,
        "db_url": named(db_url or sqlite_url(data_dir.resolve()),
                        f"{SESSION_PREFIX}{hostname or socket.gethostname()}:{port}"),
        "data_dir": data_dir.resolve(),
        "host": host,
        "port": port,
        "framework_name": framework_name,
        "role": role,
        "max_concurrent_health_checks": max_concurrent_health_checks,
        "job_retry_delay_s": job_retry_delay,
        "job_launch_lead_s": job_launch_lead,
        "job_past_start_rule": past_start_rule,
        "cors_origins": cors_origins,
        "zk_url": zk_url,
        **limits,
    }
    if hostname:
        options["hostname"] = hostname
    serve(Config(**options), lease)


class StopOnFirstSignal:
    """The SIGINT/SIGTERM handler: the first signal stops the server (SystemExit out of
    `server.run()`); later ones are ignored. Ctrl-C sends SIGINT to the whole group and
    `dromos dev` then sends SIGTERM: a second SystemExit raised inside the shutdown would
    break it off half-way (SQLAlchemy then logged "Exception closing connection").
    `first` runs before: it ends the open streams, whose threads the server then need not
    wait for."""

    def __init__(self, first: Callable[[], None] = lambda: None) -> None:
        self.stopping = False
        self._first = first

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            self.stopping = True
            self._first()
            raise SystemExit(0)


def election_for(config: Config, lease_s: float) -> ElectionService:
    """A lease in PostgreSQL (or ZooKeeper, fenced in PostgreSQL) for several schedulers;
    the pseudo election over SQLite."""
    sqlite = config.db_url.startswith("sqlite")
    if config.zk_url and sqlite:
        raise click.UsageError("--zk elects among several schedulers, which share their "
                               "state in PostgreSQL: give --db postgresql://...")
    if config.zk_url:
        from scheduler.leadership.zk import ZkElection

        return ZkElection(config.zk_url, config.db_url, config.http_address,
                          scheme=config.scheme)
    if sqlite:
        db_file = Path(config.db_url.split(":///", 1)[1])
        return PseudoElection(config.http_address, db_file.with_name(db_file.name + ".lock"),
                              config.scheme)
    from scheduler.leadership.lease import PostgresLease

    return PostgresLease(config.db_url, config.http_address, lease_s, scheme=config.scheme)


def serve(config: Config, lease_s: float) -> None:
    from api import discovery_state
    from api.app import create_app, create_standby_app
    from api.leader_proxy import LeaderRouter
    from scheduler.process.http_server import create_server
    from scheduler.process.leader_duties import LeaderDuties

    election = election_for(config, lease_s)
    duties = LeaderDuties(config, election)
    stops: list[Callable[[], None]] = []
    duties.on_elected = lambda runtime: stops.append(discovery_state.start(runtime))

    def leader_app(wait_s: float) -> LeaderApp | None:
        if not duties.ready.wait(wait_s) or duties.runtime is None:
            return None
        return create_app(duties.runtime, election)

    router = LeaderRouter(election, create_standby_app(config, election), _once(leader_app),
                          str(config.tls_ca) if config.tls_ca else True)
    server = create_server(router, config.host, config.port,  # type: ignore[arg-type]
                           config.tls_cert, config.tls_key)
    stop = StopOnFirstSignal(server.streams.close)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        election.offer_leadership(duties)
    except AlreadyRunning as error:
        raise click.ClickException(str(error)) from None
    print(f"dromos scheduler: API on {server.scheme}://{config.host}:{server.port}, "
          f"Mesos master {config.master}", flush=True)
    try:
        server.run()
    except SystemExit:
        log.info("stopping")
    finally:
        server.close()
        for stop_discovery in stops:
            stop_discovery()
        duties.close()
        election.close()


def _once(make: Callable[[float], LeaderApp | None]) -> Callable[[float], LeaderApp | None]:
    """The leader's app, built the first time it is ready."""
    built: list[LeaderApp] = []

    def get(wait_s: float) -> LeaderApp | None:
        if not built:
            app = make(wait_s)
            if app is None:
                return None
            built.append(app)
        return built[0]

    return get
