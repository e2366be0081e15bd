"""/ping, /v2/info, /v2/leader, /v2/plugins, /v2/pods and Chronos's leader."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify, request

from api.context import runtime

blueprint = Blueprint("system", __name__)

VERSION = "1.10.0-dromos"

# After DELETE /v2/leader: long enough for the answer to leave, short for a supervisor.
ABDICATE_DELAY_S = 0.2
ABDICATE_EXTENSION = "dromos.abdicate"


def _terminate_self() -> None:
    """SIGTERM this process: `dromos scheduler` stops cleanly (the framework stays
    registered, so tasks keep running) and its supervisor starts it again."""
    threading.Timer(ABDICATE_DELAY_S, os.kill, (os.getpid(), signal.SIGTERM)).start()


@blueprint.get("/ping")
def ping() -> Response:
    if request.accept_mimetypes.best == "application/json":
        return jsonify("pong")
    return Response("pong", mimetype="text/plain")


def _leader() -> str:
    return runtime().config.http_address


@blueprint.get("/v2/leader")
def marathon_leader() -> Response:
    return jsonify({"leader": _leader()})


@blueprint.delete("/v2/leader")
def abdicate() -> Response:
    """Marathon's abdication: this scheduler exits once the answer is sent."""
    leave: Callable[[], None] = current_app.extensions.get(ABDICATE_EXTENSION, _terminate_self)
    response = jsonify({"message": "Leadership abdicated"})
    response.call_on_close(leave)
    return response


@blueprint.get("/leader")
@blueprint.get("/scheduler/leader")
@blueprint.get("/v1/scheduler/leader")
def chronos_leader() -> Response:
    return jsonify({"leader": _leader()})


@blueprint.get("/v2/info")
def info() -> Response:
    rt = runtime()
    config = rt.config
    framework_id = rt.call(lambda: rt.framework.framework_id)
    return jsonify({
        "name": "marathon",
        "version": VERSION,
        "buildref": "dromos",
        "elected": True,
        "leader": _leader(),
        "frameworkId": framework_id,
        "marathon_config": {
            "master": config.master,
            "mesos_role": config.role,
            "mesos_user": None,
            "executor": config.executor_command,
            "failover_timeout": 604800,
            "framework_name": config.framework_name,
            "ha": False,
            "hostname": config.hostname,
            "checkpoint": True,
            "local_port_min": config.local_port_min,
            "local_port_max": config.local_port_max,
            "reconciliation_interval": int(config.reconcile_interval_s * 1000),
            "task_launch_timeout": int(config.launch_timeout_s * 1000),
            # Lost tasks are replaced at once (see README), so these are Marathon's defaults.
            "task_lost_expunge_initial_delay": 300000,
            "task_lost_expunge_interval": 30000,
            "features": [],
        },
        "zookeeper_config": {
            "zk": None,
            "zk_timeout": 10000,
            "zk_connection_timeout": 10000,
            "zk_session_timeout": 10000,
            "zk_max_versions": config.max_app_versions,
        },
        "http_config": {"http_port": config.port, "https_port": None},
    })


@blueprint.get("/v2/plugins")
def plugins() -> Response:
    """No plugin mechanism: the list Marathon answers when none is loaded."""
    return jsonify({"plugins": []})


PODS_UNSUPPORTED = "Pods are not supported by this server; run each container as an app."


@blueprint.route("/v2/pods", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
@blueprint.route("/v2/pods/<path:rest>",
                 methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
def pods(rest: str = "") -> Response:
    """404 on every pod path. `HEAD /v2/pods` is Marathon's pod-support probe: a Marathon
    with pods answers 200, and clients (the DC/OS CLI among them) read a 404 as "no pods"."""
    response = jsonify({"message": PODS_UNSUPPORTED})
    response.status_code = 404
    return response
