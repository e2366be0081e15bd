"""Marathon-style apps: definitions, validation, JSON, task infos and groups (pure logic),
and `ports`, the Protocol through which health checks and deployments see the apps' owner.

May import: scheduler.launch, scheduler.mesos, scheduler.store, scheduler.base.
"""
