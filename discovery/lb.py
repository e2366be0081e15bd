"""`dromos lb`: HAProxy routing to Dromos's apps, following their members as they change.

It reads `/v2/apps?embed=apps.tasks&embed=apps.readiness` at start (and after the event
stream reconnects), then after each burst of events only the apps the events name
(`/v2/apps/<id>`). Servers join and leave through HAProxy's runtime API into slots each
backend keeps; HAProxy reloads only when frontends or backends change or a backend runs
out of slots (see `routes`). Given several scheduler instances (`--marathon` repeated, as
marathon-lb takes them), it reads from the first that answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import click
import requests

from discovery import event_stream, feed, haproxy_config
from discovery.feed import Event
from discovery.haproxy_process import HAProxy, HAProxyError
from discovery.hosts import HostAddresses
from discovery.membership import Json
from discovery.routes import Routes

log = logging.getLogger("dromos.lb")

APPS_QUERY = "/v2/apps?embed=apps.tasks&embed=apps.readiness"
APP_QUERY = "?embed=app.tasks&embed=app.readiness"
# A burst naming more apps than this reads them all at once instead.
MAX_SINGLE_READS = 16


class LoadBalancer:
    def __init__(self, urls: list[str], haproxy: HAProxy, settings: haproxy_config.Settings
                 ) -> None:
        self.instances = event_stream.Instances(urls)
        self.haproxy = haproxy
        self.routes = Routes(settings, HostAddresses())
        self.reloads = 0
        self._pending: set[str] | None = None  # app ids to read again; None: all of them
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._stop = threading.Event()

    def changed(self, event: Event) -> None:
        app_ids, _jobs = feed.changed([event], lambda run_spec: not run_spec.startswith("/"))
        with self._lock:
            if app_ids is None or self._pending is None:
                self._pending = None
            else:
                self._pending |= app_ids
        self._dirty.set()

    def sync(self, app_ids: set[str] | None = None) -> bool:
        """Read the apps (`app_ids`, or all) and have HAProxy follow; True on a reload."""
        started = time.monotonic()
        everything = app_ids is None or len(app_ids) > MAX_SINGLE_READS
        apps = self._read_all() if everything else self._read(app_ids or set())
        change = self.routes.update(apps, everything)
        reloaded = change.config is not None or self.haproxy.process is None
        if not reloaded:
            try:
                self.haproxy.runtime(change.commands)
            except HAProxyError as error:
                log.warning("runtime API refused (%s): reloading", error)
                reloaded = True
        if reloaded:
            self.haproxy.apply(self.routes.render())  # (re)starts HAProxy if it is not running
            self.reloads += 1
        log.info("HAProxy %s in %.3fs: %d apps read, %d commands",
                 "reloaded" if reloaded else "updated", time.monotonic() - started, len(apps),
                 len(change.commands))
        return reloaded

    def _read_all(self) -> dict[str, Json | None]:
        apps = self._get(APPS_QUERY).json()["apps"]
        return {app["id"]: app for app in apps}

    def _read(self, app_ids: set[str]) -> Mapping[str, Json | None]:
        out: dict[str, Json | None] = {}
        for app_id in sorted(app_ids):
            response = self._get(f"/v2/apps{app_id}{APP_QUERY}")
            if response.status_code == 404:
                out[app_id] = None
                continue
            response.raise_for_status()
            out[app_id] = response.json()["app"]
        return out

    def _get(self, path: str) -> requests.Response:
        """`path` from the first instance that answers (a standby without a leader answers
        503: the next one may be the new leader); a 404 is an answer."""
        failure: Exception = requests.ConnectionError("no scheduler URL given")
        for url in self.instances.in_turn():
            try:
                response = requests.get(url + path, timeout=10)
                if response.status_code != 404:
                    response.raise_for_status()
            except requests.RequestException as error:
                failure = error
                continue
            self.instances.answered(url)
            return response
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
            with self._lock:
                app_ids, self._pending = self._pending, set()
            try:
                self.sync(app_ids)
            except (requests.RequestException, ValueError, KeyError, HAProxyError) as error:
                log.warning("not applied: %s", error)
                time.sleep(0.5)
                # HAProxy may not have what the routes say: start over from every app.
                self.routes = Routes(self.routes.settings, self.routes.resolve)
                with self._lock:
                    self._pending = None
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
