"""/ping, /v2/info, /v2/leader, /v2/plugins, /v2/pods and Chronos's leader."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify, request

from api.context import config, election
from scheduler.leadership.pseudo import PseudoElection
from scheduler.leadership.service import ElectionService

blueprint = Blueprint("system", __name__)

VERSION = "1.10.0-dromos"

# After DELETE /v2/leader: long enough for the answer to leave, short for a supervisor.
ABDICATE_DELAY_S = 0.2
ABDICATE_EXTENSION = "dromos.abdicate"


def _step_down(service: ElectionService) -> Callable[[], None]:
    """Give leadership up once the answer has left: this scheduler exits (the framework
    stays registered, so tasks keep running), another instance takes over, and the
    supervisor starts this one again as a standby."""
    return lambda: threading.Timer(ABDICATE_DELAY_S, service.abdicate).start()


@blueprint.get("/ping")
def ping() -> Response:
    if request.accept_mimetypes.best == "application/json":
        return jsonify("pong")
    return Response("pong", mimetype="text/plain")


def _leader() -> Response:
    leader = election().leader()
    if leader is None:
        return Response(json.dumps({"message": "There is no leader"}), 404,
                        mimetype="application/json")
    return jsonify({"leader": leader})


@blueprint.get("/v2/leader")
def marathon_leader() -> Response:
    return _leader()


@blueprint.delete("/v2/leader")
def abdicate() -> Response:
    """Marathon's abdication: this scheduler exits once the answer is sent."""
    leave: Callable[[], None] = (current_app.extensions.get(ABDICATE_EXTENSION)
                                 or _step_down(election()))
    response = jsonify({"message": "Leadership abdicated"})
    response.call_on_close(leave)
    return response


@blueprint.get("/leader")
@blueprint.get("/scheduler/leader")
@blueprint.get("/v1/scheduler/leader")
def chronos_leader() -> Response:
    return _leader()


@blueprint.get("/v2/info")
def info() -> Response:
    conf, elected = config(), election()
    rt = current_app.extensions.get("dromos")  # None on a standby
    # One attribute, set by the owner thread: read as it is, without waiting on it.
    framework_id = rt.framework.framework_id if rt is not None else None
    return jsonify({
        "name": "marathon",
        "version": VERSION,
        "buildref": "dromos",
        # This instance is marathon_config.hostname and http_config.http_port, as in Marathon.
        "elected": elected.is_leader(),
        "leader": elected.leader(),
        "frameworkId": framework_id,
        "marathon_config": {
            "master": conf.master,
            "mesos_role": conf.role,
            "mesos_user": None,
            "executor": "//cmd",  # Marathon's: every task runs under Mesos's command executor
            "failover_timeout": 604800,
            "framework_name": conf.framework_name,
            "ha": not isinstance(elected, PseudoElection),
            "hostname": conf.hostname,
            "checkpoint": True,
            "local_port_min": conf.local_port_min,
            "local_port_max": conf.local_port_max,
            "reconciliation_interval": int(conf.reconcile_interval_s * 1000),
            "task_launch_timeout": int(conf.launch_timeout_s * 1000),
            # Lost tasks are replaced at once (see README), so these are Marathon's defaults.
            "task_lost_expunge_initial_delay": 300000,
            "task_lost_expunge_interval": 30000,
            "features": [],
        },
        "zookeeper_config": {
            "zk": conf.zk_url,
            "zk_timeout": 10000,
            "zk_connection_timeout": 10000,
            "zk_session_timeout": 10000,
            "zk_max_versions": conf.max_app_versions,
        },
        "http_config": {"http_port": conf.port, "https_port": None},
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
