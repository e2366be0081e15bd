"""Marathon-level health checks (HTTP, HTTPS, TCP) run from the scheduler.

`engine` probes targets on its own asyncio thread with bounded concurrency; `monitor`
(on the owner thread) turns probe outcomes into task health, events and kills;
`results` holds the pure counting rules. The monitor sees the apps' owner only as
`scheduler.apps.ports.AppsView`, and readiness only as its own `ReadinessPort`.

May import: scheduler.apps, scheduler.launch, scheduler.base.
"""
