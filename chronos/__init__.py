"""Chronos-style jobs: schedules, due runs, retries, dependencies, history and stats.

Pure domain layer (no I/O, no threads; time is passed in as aware datetimes), and it
imports nothing of the project but itself (an import-linter contract in setup.cfg):
schedules/  when a job is due (both schedule kinds, wall clock, periods, due slots, the
timeline); job / json_fields / constraints  the job and its JSON; timefmt  instants as
Chronos writes them; graph / dependencies  the DAG and the persisted trigger rule; runs  a
run and its attempts as stored; outcomes  what an ended attempt means; stats  run-time
statistics; task_id  a run's task id; errors  InvalidJob. What is launched is built in
scheduler/jobs.
"""
