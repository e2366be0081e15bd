"""Marathon-style apps: definitions, validation, JSON, task infos and groups (pure logic),
and the apps' owner `app_manager` with the groups service over it.

May import: scheduler.base, scheduler.store, scheduler.mesos, scheduler.launch; the app
manager also wires scheduler.health and scheduler.deployments, which reach it back only
through the narrow ports they declare themselves.
"""
