"""The read model: an immutable snapshot of what GETs show, which the owner thread
publishes (`publisher.ReadModel`) and API threads read without waiting on it (`views`).

May import: every room below it (scheduler.appmanager, scheduler.jobs and what they
import) and mesos_vocab, chronos.
"""
