"""Durable state on SQLAlchemy: SQLite (WAL) by default, PostgreSQL for HA.

May import: nothing of the project (scheduler.base at most).
"""
