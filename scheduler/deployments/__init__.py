"""Deployments: every change to apps is a plan of steps that runs until the target holds.

`plan` and `rolling` are pure; `manager` runs plans and `readiness` holds tasks until
they are ready, both seeing the apps' owner only through the Protocols they declare.
May import: scheduler.health, scheduler.apps, scheduler.launch, scheduler.base.
"""
