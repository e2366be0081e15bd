"""A read-only Consul catalog of a snapshot, in Consul's field names.

Each app is a service named by its DNS label (`/prod/web` -> `web-prod`); each running
task is an instance with the task id as ServiceID, on a node named after its agent's
host. Tags come from the app's labels (`key` for an empty value or "tag", else
`key=value`); ServiceMeta carries the labels as they are. Every instance has the
node's `serfHealth` check and one service check, passing exactly when the task is a
member (healthy and ready, as for DNS and HAProxy), critical otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from discovery.membership import Json, routable
from discovery.naming import app_label

Entry = dict[str, Any]


def tags_of(labels: Mapping[str, str]) -> list[str]:
    return sorted(k if v in ("", "tag") else f"{k}={v}" for k, v in labels.items())


def _entry(app: Json, task: Json, name: str, datacenter: str, address: str) -> Entry:
    node = {"ID": "", "Node": task["host"], "Address": address, "Datacenter": datacenter,
            "TaggedAddresses": {"lan": address, "wan": address}, "Meta": {}}
    port = (task.get("ports") or [0])[0]
    labels = {k: str(v) for k, v in (app.get("labels") or {}).items()}
    service = {"ID": task["id"], "Service": name, "Tags": tags_of(labels), "Address": address,
               "TaggedAddresses": {"lan": {"address": address, "port": port}},
               "Meta": labels, "Port": port, "Weights": {"Passing": 1, "Warning": 1},
               "EnableTagOverride": False, "Kind": ""}
    status = "passing" if routable(task, app) else "critical"
    common = {"Node": task["host"], "Notes": "", "ServiceTags": service["Tags"]}
    checks = [
        {**common, "CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "passing",
         "Output": "Agent alive and reachable", "ServiceID": "", "ServiceName": "",
         "ServiceTags": []},
        {**common, "CheckID": f"service:{task['id']}", "Name": f"Service '{name}' check",
         "Status": status, "Output": task.get("state", ""), "ServiceID": task["id"],
         "ServiceName": name},
    ]
    return {"Node": node, "Service": service, "Checks": checks}


Service = tuple[list[Entry], list[str]]  # a service's instances and tags


class CatalogBook:
    """The catalog kept app by app: a change rebuilds the changed apps' entries and the
    services they are named into (apps whose ids flatten to one name share a service)."""

    def __init__(self, datacenter: str, resolve: Callable[[str], str | None]) -> None:
        self.datacenter = datacenter
        self.resolve = resolve
        self.by_app: dict[str, tuple[str, list[Entry], list[str]]] = {}
        self.apps_of: dict[str, set[str]] = {}  # service name -> app ids

    def apply(self, apps: Mapping[str, Json | None]) -> dict[str, Service | None]:
        """Take the changed apps (None: gone); the services they touch (None: gone)."""
        touched: set[str] = set()
        for app_id, app in apps.items():
            old = self.by_app.pop(app_id, None)
            if old is not None:
                touched.add(old[0])
                self.apps_of[old[0]].discard(app_id)
            name = app_label(app_id)
            if app is None or not name:
                continue
            entries = [_entry(app, t, name, self.datacenter, self.resolve(t["host"]) or t["host"])
                       for t in app.get("tasks") or [] if t.get("state") == "TASK_RUNNING"]
            self.by_app[app_id] = (name, entries, tags_of(app.get("labels") or {}))
            self.apps_of.setdefault(name, set()).add(app_id)
            touched.add(name)
        return {name: self._service(name) for name in touched}

    def _service(self, name: str) -> Service | None:
        app_ids = sorted(self.apps_of.get(name, ()))
        if not app_ids:
            self.apps_of.pop(name, None)
            return None
        parts = [self.by_app[a] for a in app_ids]
        return ([e for _, entries, _ in parts for e in entries],
                sorted({t for _, _, tags in parts for t in tags}))


def passing(entry: Entry) -> bool:
    return all(check["Status"] == "passing" for check in entry["Checks"])


def catalog_entry(entry: Entry) -> Entry:
    """The `/v1/catalog/service/<name>` form of a health entry."""
    node, service = entry["Node"], entry["Service"]
    return {
        "ID": node["ID"], "Node": node["Node"], "Address": node["Address"],
        "Datacenter": node["Datacenter"], "TaggedAddresses": node["TaggedAddresses"],
        "NodeMeta": node["Meta"], "ServiceID": service["ID"], "ServiceName": service["Service"],
        "ServiceTags": service["Tags"], "ServiceAddress": service["Address"],
        "ServicePort": service["Port"], "ServiceMeta": service["Meta"],
        "ServiceTaggedAddresses": service["TaggedAddresses"],
        "ServiceEnableTagOverride": False, "ServiceKind": "", "ServiceWeights":
        service["Weights"], "CreateIndex": 1, "ModifyIndex": 1,
    }
