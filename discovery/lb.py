"""`dromos lb`: HAProxy routing to Dromos's apps, reloaded when their members change.

It reads `/v2/apps?embed=apps.tasks&embed=apps.readiness` once at start and again after
each event on `/v2/events` (events that arrive while it works are folded into the next
read), renders the configuration, and reloads HAProxy only when the text changed. Given
several scheduler instances (`--marathon` repeated, as marathon-lb takes them), it reads
from the first that answers.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import click
import requests

from discovery import event_stream, haproxy_config, membership
from discovery.haproxy_process import HAProxy, HAProxyError

log = logging.getLogger("dromos.lb")

APPS_QUERY = "/v2/apps?embed=apps.tasks&embed=apps.readiness"


class LoadBalancer:
    def __init__(self, urls: list[str], haproxy: HAProxy, settings: haproxy_config.Settings
                 ) -> None:
        self.instances = event_stream.Instances(urls)
        self.haproxy = haproxy
        self.settings = settings
        self.applied: str | None = None
        self.reloads = 0
        self._dirty = threading.Event()
        self._stop = threading.Event()

    def changed(self, _event_type: str) -> None:
        self._dirty.set()

    def sync(self) -> bool:
        """Read the apps and apply their configuration; True when HAProxy was reloaded."""
        started = time.monotonic()
        apps = self._read_apps()
        services = membership.services(apps)
        text = haproxy_config.render(services, self.settings)
        if text == self.applied:
            return False
        leaving = None if self.applied is None else haproxy_config.removed_servers(
            self.applied, text)
        try:
            if not leaving:
                raise HAProxyError("not only servers leaving")
            self.haproxy.withdraw(leaving, text)  # no reload: leaving must be fast
        except HAProxyError:
            self.haproxy.apply(text)  # (re)starts HAProxy if it is not running
        self.applied = text
        self.reloads += 1
        members = sum(len(p.instances) for s in services for p in s.ports)
        log.info("HAProxy configuration %d applied in %.3fs: %d apps, %d members",
                 self.reloads, time.monotonic() - started, len(services), members)
        return True

    def _read_apps(self) -> list[dict[str, object]]:
        """The apps from the first instance that answers (a standby without a leader
        answers 503: the next one may be the new leader)."""
        failure: Exception = requests.ConnectionError("no scheduler URL given")
        for url in self.instances.in_turn():
            try:
                answer = requests.get(url + APPS_QUERY, timeout=10)
                answer.raise_for_status()
                apps: list[dict[str, object]] = answer.json()["apps"]
            except (requests.RequestException, ValueError, KeyError) as error:
                failure = error
                continue
            self.instances.answered(url)
            return apps
        raise failure

    def run(self) -> None:
        follower = threading.Thread(
            target=event_stream.follow, args=(self.instances, self.changed, self._stop),
            name="events", daemon=True,
        )
        follower.start()
        while not self._stop.is_set():
            if not self._dirty.wait(0.5):
                continue
            self._dirty.clear()
            try:
                self.sync()
            except (requests.RequestException, ValueError, KeyError, HAProxyError) as error:
                log.warning("not applied: %s", error)
                time.sleep(0.5)
                self._dirty.set()

    def stop(self) -> None:
        self._stop.set()


@click.command()
@click.option("--marathon", "urls", multiple=True, default=("http://127.0.0.1:8080",),
              show_default=True,
              help="the Dromos API to read apps and events from; repeat it (or separate by "
                   "commas) for several scheduler instances, tried in turn")
@click.option("--haproxy-config", "config_path", default="haproxy.cfg", show_default=True,
              type=click.Path(path_type=Path), help="where the rendered configuration goes")
@click.option("--haproxy", "binary", default="haproxy", show_default=True)
@click.option("--bind-address", default="0.0.0.0", show_default=True)
@click.option("--http-port", default=80, show_default=True, type=int,
              help="the port of the shared frontend that routes by HAPROXY_n_VHOST")
@click.option("--stats-port", default=9090, show_default=True, type=int,
              help="HAProxy's statistics page, /haproxy?stats (;csv)")
@click.option("--group", "groups", multiple=True, default=("*",), show_default=True,
              help="serve apps whose HAPROXY_GROUP is one of these ('*': all)")
def lb(urls: tuple[str, ...], config_path: Path, binary: str, bind_address: str, http_port: int,
       stats_port: int, groups: tuple[str, ...]) -> None:
    """Route to Dromos's apps through HAProxy, following the event stream."""
    import signal

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config_path = config_path.resolve()
    config_path.parent.mkdir(parents=True, exist_ok=True)
    instances = [url for given in urls for url in given.split(",") if url]
    balancer = LoadBalancer(instances, HAProxy(config_path, binary),
                            haproxy_config.Settings(bind_address, http_port, stats_port, groups))
    signal.signal(signal.SIGTERM, lambda *_: balancer.stop())
    signal.signal(signal.SIGINT, lambda *_: balancer.stop())
    print(f"dromos lb: following {', '.join(instances)}, HAProxy configuration "
          f"{config_path}", flush=True)
    try:
        balancer.run()
    finally:
        balancer.haproxy.stop()
