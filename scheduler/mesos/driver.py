"""Mesos glue: the calls the framework makes (`DriverPort`) and the events it hears.

`PymesosDriver` makes the calls through pymesos's MesosSchedulerDriver; its event
callbacks only post messages to the core, which applies them on the owner thread.
"""

from __future__ import annotations

import getpass
import json
import logging
import socket
import threading
from collections.abc import Sequence
from http.client import HTTPConnection, HTTPException
from typing import Any, Protocol

from scheduler.base.milestones import milestone

log = logging.getLogger(__name__)

Json = dict[str, Any]

FAILOVER_TIMEOUT_S = 7 * 24 * 3600.0  # a week, as Marathon: tasks outlive a dead scheduler


class DriverPort(Protocol):
    """The Mesos calls Dromos makes."""

    def launch(self, offer_id: str, task_infos: Sequence[Json], refuse_seconds: float) -> None: ...

    def decline(self, offer_ids: Sequence[str], refuse_seconds: float) -> None: ...

    def kill(self, task_id: str, agent_id: str | None) -> None: ...

    def revive(self) -> None: ...

    def suppress(self) -> None: ...

    def acknowledge(self, status: Json) -> None: ...

    def reconcile(self, tasks: Sequence[Json]) -> None: ...


class FrameworkEvents(Protocol):
    """What the framework does with Mesos events; called on the owner thread."""

    def on_registered(self, framework_id: str, master: str) -> None: ...

    def on_disconnected(self) -> None: ...

    def on_offers(self, offers: list[Json]) -> None: ...

    def on_rescinded(self, offer_id: str) -> None: ...

    def on_status(self, status: Json) -> None: ...

    def on_error(self, message: str) -> None: ...


def framework_info(name: str, framework_id: str | None, webui_url: str, role: str) -> Json:
    info: Json = {
        "user": getpass.getuser(),
        "name": name,
        "hostname": socket.gethostname(),
        "failover_timeout": FAILOVER_TIMEOUT_S,
        "checkpoint": True,
        "role": role,
        "webui_url": webui_url,
        "capabilities": [{"type": "TASK_KILLING_STATE"}, {"type": "PARTITION_AWARE"}],
    }
    if framework_id:
        info["id"] = {"value": framework_id}
    return info


class PymesosDriver:
    """DriverPort over pymesos; Mesos events are posted to `post` for the owner thread."""

    def __init__(self, master: str, info: Json, events: FrameworkEvents, post: Any) -> None:
        from pymesos import MesosSchedulerDriver  # installs a SIGINT handler: import late

        self._events = events
        self._post = post
        self._local = threading.local()
        self._driver = MesosSchedulerDriver(
            _Callbacks(self), info, master, use_addict=False,
            implicit_acknowledgements=False, failover=True,
        )

    def start(self) -> None:
        self._driver.start()

    def stop(self) -> None:
        # failover=True: leave the framework registered so tasks keep running.
        self._driver.stop(failover=True)

    def _call(self, what: str, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except (RuntimeError, OSError, AssertionError) as error:
            log.warning("Mesos call %s failed: %s", what, error)

    def launch(self, offer_id: str, task_infos: Sequence[Json], refuse_seconds: float) -> None:
        filters = {"refuse_seconds": refuse_seconds}
        self._call("ACCEPT", self._driver.launchTasks, [{"value": offer_id}],
                   list(task_infos), filters)

    def decline(self, offer_ids: Sequence[str], refuse_seconds: float) -> None:
        if offer_ids:
            ids = [{"value": o} for o in offer_ids]
            self._call("DECLINE", self._driver.declineOffer, ids,
                       {"refuse_seconds": refuse_seconds})

    def kill(self, task_id: str, agent_id: str | None) -> None:
        """KILL on this thread's own connection, as ACKNOWLEDGE (several senders share the
        thousands of kills of a scale-down)."""
        self._call("KILL", self._post_own, "KILL", {"task_id": {"value": task_id}})

    def revive(self) -> None:
        self._call("REVIVE", self._driver.reviveOffers)

    def suppress(self) -> None:
        self._call("SUPPRESS", self._driver.suppressOffers)

    def acknowledge(self, status: Json) -> None:
        if "uuid" in status and "agent_id" in status:
            self._call("ACKNOWLEDGE", self._acknowledge, status)

    def _acknowledge(self, status: Json) -> None:
        self._post_own("ACKNOWLEDGE", {k: status[k] for k in ("agent_id", "task_id", "uuid")})

    def _post_own(self, kind: str, call: Json) -> None:
        """A call on this thread's own connection: pymesos sends every call through one
        locked connection, so thousands of acknowledgements or kills would wait on each
        other's round trips; several senders may call this at once."""
        driver = self._driver
        if not driver.connected:
            return
        body = {"type": kind, "framework_id": {"value": driver.framework_id},
                kind.lower(): call}
        headers = {"Content-Type": "application/json", "Mesos-Stream-Id": driver.stream_id}
        if getattr(driver, "_basic_credential", None):
            headers["Authorization"] = driver._basic_credential
        master, conn = getattr(self._local, "conn", (None, None))
        if conn is None or master != driver.master:
            host, port = driver.master.split(":", 1)
            conn = HTTPConnection(host, int(port), timeout=30)
            self._local.conn = (driver.master, conn)
        try:
            conn.request("POST", "/api/v1/scheduler", body=json.dumps(body).encode(),
                         headers=headers)
            answer = conn.getresponse()
            answer.read()
        except (OSError, HTTPException) as error:
            conn.close()
            self._local.conn = (None, None)
            raise OSError(str(error)) from error
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"{kind} answered {answer.status}")

    def reconcile(self, tasks: Sequence[Json]) -> None:
        self._call("RECONCILE", self._driver.reconcileTasks, list(tasks))


class _Callbacks:
    """pymesos Scheduler interface: forwards each event to the owner thread."""

    def __init__(self, owner: PymesosDriver) -> None:
        self._owner = owner
        self._offered = False  # offers came since the last SUBSCRIBED

    def _send(self, method: str, *args: Any) -> None:
        handler = getattr(self._owner._events, method)
        self._owner._post(lambda: handler(*args))

    def registered(self, driver: Any, framework_id: Json, master_info: Json) -> None:
        self._subscribed(framework_id["value"], master_info)

    def reregistered(self, driver: Any, master_info: Json) -> None:
        self._subscribed(driver.framework_id, master_info)

    def _subscribed(self, framework_id: str, master_info: Json) -> None:
        milestone("subscribed")
        self._offered = False
        master = f"{master_info.get('hostname')}:{master_info.get('port')}"
        self._send("on_registered", framework_id, master)

    def disconnected(self, driver: Any) -> None:
        self._send("on_disconnected")

    def resourceOffers(self, driver: Any, offers: list[Json]) -> None:
        if not self._offered:
            self._offered = True
            milestone("offers")
        self._send("on_offers", [dict(o) for o in offers])

    def offerRescinded(self, driver: Any, offer_id: Json) -> None:
        self._send("on_rescinded", offer_id["value"])

    def statusUpdate(self, driver: Any, status: Json) -> None:
        self._send("on_status", dict(status))

    def error(self, driver: Any, message: str) -> None:
        self._send("on_error", message)

    def frameworkMessage(self, *args: Any) -> None:
        pass

    def slaveLost(self, *args: Any) -> None:
        pass

    def executorLost(self, *args: Any) -> None:
        pass

    def offerRescindedInverse(self, *args: Any) -> None:
        pass

    def inverseOffers(self, *args: Any) -> None:
        pass

    def processHeartBeat(self, *args: Any) -> None:
        pass
