"""The apps' owner: `manager.AppManager` keeps every app at its target (launch, scale, kill,
backoff) and wires health checks and deployments to it; `group_service` edits groups
over it; `status_events` are the events a task's new state publishes.

May import: every room below it (scheduler.apps, scheduler.health, scheduler.deployments,
scheduler.launch, scheduler.mesos, scheduler.store, scheduler.base) and mesos_vocab.
"""
