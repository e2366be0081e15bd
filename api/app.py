"""The Flask application factory: one blueprint per API family."""

from __future__ import annotations

from flask import Flask

from api import (
    auth,
    chronos_api,
    errors,
    events,
    idempotency,
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
    app.config["MAX_CONTENT_LENGTH"] = runtime.config.max_body_bytes  # 413 past it
    errors.register(app)
    metrics.register(app)
    config = runtime.config
    # Cross-origin writes are refused before credentials are asked for: a hostile page
    # must not make the browser prompt for the API's password.
    write_guard.install(app, config.cors_origins)
    auth.install(app, auth.load(config.http_credentials, config.credentials_file),
                 config.open_metrics)
    idempotency.install(app, runtime)
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

