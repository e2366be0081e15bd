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
    system,
    task_logs,
    ui,
)
from api.guards import auth, idempotency, write_guard
from api.reference import openapi
from scheduler.base.config import Config
from scheduler.leadership.pseudo import PseudoElection
from scheduler.leadership.service import ElectionService
from scheduler.process.runtime import Runtime


def create_app(runtime: Runtime, election: ElectionService | None = None) -> Flask:
    """The whole API, served by the leader (the only scheduler, by default)."""
    app = _flask(runtime.config, election or PseudoElection(runtime.config.http_address,
                                                            scheme=runtime.config.scheme))
    app.extensions["dromos"] = runtime
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


def create_standby_app(config: Config, election: ElectionService) -> Flask:
    """What a standby answers itself: about this instance and who leads."""
    app = _flask(config, election)
    app.register_blueprint(system.blueprint)
    app.register_blueprint(metrics.blueprint)
    return app


def _flask(config: Config, election: ElectionService) -> Flask:
    app = Flask("dromos")
    app.extensions["dromos.config"] = config
    app.extensions["dromos.election"] = election
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    return app

