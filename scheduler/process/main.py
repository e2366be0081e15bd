"""`dromos scheduler`: the framework and its REST API in one process."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from types import FrameType

import click

from scheduler.base.config import Config, default_executor_command
from scheduler.store.db import sqlite_url

log = logging.getLogger("dromos")


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@click.command()
@click.option("--master", required=True, help="Mesos master HOST:PORT or zk://HOSTS/PATH")
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL (default: SQLite in data dir)")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to serve the API on")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--data-dir", default="data", show_default=True, type=click.Path(path_type=Path))
@click.option("--hostname", default=None, help="name this scheduler advertises")
@click.option("--executor-command", default=None, help="how agents start the Dromos executor")
@click.option("--framework-name", default="dromos", show_default=True)
@click.option("--role", default="*", show_default=True)
@click.option("--log-level", default="info", show_default=True)
@click.option("--max-concurrent-health-checks", default=256, show_default=True, type=int,
              help="HTTP/HTTPS/TCP health probes the scheduler runs at once")
@click.option("--job-retry-delay", default=60.0, show_default=True, type=float,
              help="seconds before a failed job run is retried")
@click.option("--job-launch-lead", default=1.5, show_default=True, type=float,
              help="seconds before its slot a scheduled job run is launched, to start at the "
                   "slot on its agent (0: launch at the slot)")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="an origin (scheme://host:port) whose pages may call the API; repeatable")
def scheduler(
    master: str, db_url: str | None, host: str, port: int, data_dir: Path,
    hostname: str | None, executor_command: str | None, framework_name: str, role: str,
    log_level: str, max_concurrent_health_checks: int, job_retry_delay: float,
    job_launch_lead: float, cors_origins: tuple[str, ...],
) -> None:
    """Run the Dromos scheduler and its REST API."""
    setup_logging(log_level)
    data_dir.mkdir(parents=True, exist_ok=True)
    options = {
        "master": master,
        "db_url": db_url or sqlite_url(data_dir.resolve()),
        "data_dir": data_dir.resolve(),
        "host": host,
        "port": port,
        "framework_name": framework_name,
        "role": role,
        "executor_command": executor_command or default_executor_command(),
        "max_concurrent_health_checks": max_concurrent_health_checks,
        "job_retry_delay_s": job_retry_delay,
        "job_launch_lead_s": job_launch_lead,
        "cors_origins": cors_origins,
    }
    if hostname:
        options["hostname"] = hostname
    serve(Config(**options))  # type: ignore[arg-type]


def serve(config: Config) -> None:
    import waitress

    from api.app import create_app
    from scheduler.mesos.driver import PymesosDriver, framework_info
    from scheduler.mesos.sender import SendingDriver
    from scheduler.process.runtime import Runtime

    runtime = Runtime(config)
    runtime.restore()
    runtime.core.start()
    runtime.start_health_checks()
    info = framework_info(
        config.framework_name, runtime.framework.framework_id,
        f"http://{config.http_address}", config.role,
    )
    driver = PymesosDriver(config.master, info, runtime.framework, runtime.core.post)
    sender = SendingDriver(driver)
    runtime.core.call(lambda: runtime.framework.attach_driver(sender))
    server = waitress.create_server(
        create_app(runtime), host=config.host, port=config.port, threads=16,
        channel_timeout=3600, ident="dromos",
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    driver.start()
    print(f"dromos scheduler: API on http://{config.host}:{server.effective_port}, "
          f"Mesos master {config.master}", flush=True)
    try:
        server.run()
    except SystemExit:
        log.info("stopping")
    finally:
        server.close()
        sender.close()
        driver.stop()
        runtime.close()
