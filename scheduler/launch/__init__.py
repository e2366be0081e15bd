"""The launch path apps and jobs share: from a task request to a task running on an agent.

`framework` hears Mesos events on the owner thread; `tasks` tracks every task launched;
`task_request` is what an owner asks to launch; `launch_queue`, `backoff`, `offers`,
`constraints`, `offer_matcher` and `launcher` place requests on offers; `task_failures`
logs one line for each task that fails.
May import: scheduler.base, scheduler.store, scheduler.mesos, mesos_vocab.
"""
