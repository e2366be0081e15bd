"""Service discovery from Dromos's own state: DNS, a Consul-style catalog, HAProxy routing.

Everything here works on the /v2 JSON shapes (apps with their tasks embedded), so the
in-process servers and the separate `dromos lb` share one model. Nothing here imports
the scheduler; the scheduler's entry point wires the servers to its state.
"""
