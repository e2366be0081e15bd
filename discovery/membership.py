"""Who serves an app: the routable instances of each service port, from /v2 JSON.

Input is what `GET /v2/apps?embed=apps.tasks&embed=apps.readiness` answers (and the
scheduler builds the same in process). A task is routable when it runs, is not being
killed, passes every health check its app has, and has no readiness check pending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Json = Mapping[str, Any]


@dataclass(frozen=True, order=True)
class Instance:
    task_id: str
    host: str
    port: int


@dataclass(frozen=True)
class ServicePort:
    """One service port of an app with the instances behind it (sorted, stable)."""

    app_id: str
    index: int
    service_port: int
    protocol: str
    name: str | None
    labels: Mapping[str, str]
    instances: tuple[Instance, ...]
    http_health_check: bool = False


@dataclass(frozen=True)
class Service:
    """An app as discovery sees it."""

    app_id: str
    labels: Mapping[str, str]
    ports: tuple[ServicePort, ...]


def _port_entries(app: Json) -> list[Json]:
    networks = app.get("networks") or [{"mode": "host"}]
    if any(n.get("mode") == "host" for n in networks):
        return [{"servicePort": d.get("port", 0), **d} for d in app.get("portDefinitions", [])]
    return list((app.get("container") or {}).get("portMappings") or [])


def _healthy(task: Json, app: Json) -> bool:
    if not app.get("healthChecks"):
        return True
    results = task.get("healthCheckResults") or []
    return bool(results) and all(r.get("alive") for r in results)


def _unready(app: Json) -> set[str]:
    return {r["taskId"] for r in app.get("readinessCheckResults") or [] if not r.get("ready")}


def routable(task: Json, app: Json) -> bool:
    return (task.get("state") == "TASK_RUNNING" and bool(task.get("host"))
            and _healthy(task, app) and task.get("id") not in _unready(app))


def _http_checked(app: Json, index: int) -> bool:
    return any(hc.get("protocol", "HTTP") in ("HTTP", "HTTPS", "MESOS_HTTP", "MESOS_HTTPS")
               and hc.get("portIndex", 0) == index for hc in app.get("healthChecks") or [])


def service_of(app: Json) -> Service:
    ready = [t for t in app.get("tasks") or [] if routable(t, app)]
    ports = []
    for index, entry in enumerate(_port_entries(app)):
        instances = tuple(sorted(
            Instance(t["id"], t["host"], t["ports"][index])
            for t in ready if index < len(t.get("ports") or [])
        ))
        ports.append(ServicePort(
            app_id=app["id"], index=index, service_port=int(entry.get("servicePort") or 0),
            protocol=entry.get("protocol", "tcp"), name=entry.get("name"),
            labels=app.get("labels") or {}, instances=instances,
            http_health_check=_http_checked(app, index),
        ))
    return Service(app["id"], app.get("labels") or {}, tuple(ports))


def services(apps: Iterable[Json]) -> list[Service]:
    """Every app's service, in app id order."""
    return [service_of(app) for app in sorted(apps, key=lambda a: a["id"])]
