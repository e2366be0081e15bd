"""A read-only Consul catalog of a snapshot, in Consul's field names.

Each app is a service named by its DNS label (`/prod/web` -> `web-prod`); each running
task is an instance with the task id as ServiceID, on a node named after its agent's
host. Tags come from the app's labels (`key` for an empty value or "tag", else
`key=value`); ServiceMeta carries the labels as they are. Every instance has the
node's `serfHealth` check and one service check, passing exactly when the task is a
member (healthy and ready, as for DNS and HAProxy), critical otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from discovery.membership import Json, routable
from discovery.naming import app_label
from discovery.snapshot import Snapshot

Entry = dict[str, Any]


@dataclass(frozen=True)
class Catalog:
    """Instances per service, each as Consul's health entry `{Node, Service, Checks}`."""

    services: Mapping[str, Sequence[Entry]] = field(default_factory=dict)
    tags: Mapping[str, Sequence[str]] = field(default_factory=dict)


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


def catalog(snapshot: Snapshot, datacenter: str,
            resolve: Callable[[str], str | None]) -> Catalog:
    services: dict[str, list[Entry]] = {}
    tags: dict[str, list[str]] = {}
    for app in snapshot.apps:
        name = app_label(app["id"])
        if not name:
            continue
        tags[name] = tags_of(app.get("labels") or {})
        services[name] = [
            _entry(app, t, name, datacenter, resolve(t["host"]) or t["host"])
            for t in app.get("tasks") or [] if t.get("state") == "TASK_RUNNING"
        ]
    return Catalog(services, tags)


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
