"""The `dromos` client commands: apps, groups, deployments, tasks, the queue and jobs, over HTTP."""
