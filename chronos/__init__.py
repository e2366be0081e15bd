"""Chronos-style jobs: schedules, due runs, retries, dependencies, history and stats."""
