"""The REST API: Marathon /v2, Chronos /v1/scheduler, /ping, /metrics, events."""
