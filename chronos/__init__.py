"""Chronos-style jobs: schedules, due runs, retries, dependencies, history and stats.

Pure domain layer (no I/O, no threads; time is passed in as aware datetimes):
schedule / iso_schedule / cron_schedule / wallclock / period  when a job is due;
due  which slots are due or missed now; job / json_fields  the job and its JSON;
graph / dependencies  the DAG and the persisted trigger rule; outcomes  what an ended
attempt means; stats  run-time statistics; task_id / task_info  what is launched.
"""
