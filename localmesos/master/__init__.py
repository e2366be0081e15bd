"""The master process: frameworks, agents (registration, pings, loss and return), the
allocator and its offers, reconciliation, the validation of scheduler calls, and the
state, operator and scheduler endpoints.

May import: localmesos.model, localmesos.resources, localmesos.stream, localmesos.recordio,
localmesos.web, localmesos.wirelog; not localmesos.agent (agents are other processes).
"""
