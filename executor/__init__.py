"""The Dromos executor: many tasks per executor, sandboxes, kill policy, health checks."""
