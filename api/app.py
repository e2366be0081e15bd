"""The Flask application factory: one blueprint per API family."""

from __future__ import annotations

from flask import Flask

from api import (
    chronos_api,
    errors,
    events,
    marathon_apps,
    marathon_misc,
    metrics,
    openapi,
    system,
    task_logs,
    ui,
    write_guard,
)
from scheduler.process.runtime import Runtime


def create_app(runtime: Runtime) -> Flask:
    app = Flask("dromos")
    app.extensions["dromos"] = runtime
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    errors.register(app)
    metrics.register(app)
    write_guard.install(app, runtime.config.cors_origins)
    for blueprint in (
        system.blueprint,
        metrics.blueprint,
        events.blueprint,
        marathon_apps.blueprint,
        marathon_misc.blueprint,
        chronos_api.blueprint,
        chronos_api.legacy_blueprint,
        task_logs.blueprint,
        openapi.blueprint,
        ui.blueprint,
        ui.root,
    ):
        app.register_blueprint(blueprint)
    return app

