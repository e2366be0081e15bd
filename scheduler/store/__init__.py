"""Durable state on SQLAlchemy: SQLite (WAL) by default, PostgreSQL for HA."""
