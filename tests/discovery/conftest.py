from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def task(task_id: str, port: int, state: str = "TASK_RUNNING", alive: bool | None = True) -> Json:
    body: Json = {"id": task_id, "host": "127.0.0.1", "ports": [port], "state": state}
    if alive is not None:
        body["healthCheckResults"] = [{"alive": alive}]
    return body


def app(app_id: str, service_port: int, *tasks: Json, labels: Json | None = None,
        checked: bool = True) -> Json:
    return {
        "id": app_id, "labels": labels or {},
        "portDefinitions": [{"port": service_port, "protocol": "tcp", "name": "http"}],
        "healthChecks": [{"protocol": "HTTP", "portIndex": 0}] if checked else [],
        "tasks": list(tasks),
    }
