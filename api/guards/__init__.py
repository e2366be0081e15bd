"""What a request passes before a view runs: credentials and roles (auth), no cross-origin
writes (write_guard), body and value limits (limits), replayed retries (idempotency).

May import the rest of api/ and scheduler/; the views do not import these modules.
"""
