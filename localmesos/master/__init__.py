"""The stand-in master: frameworks, the allocator and its offers, reconciliation, and the
validation of scheduler calls.

May import: localmesos.model, localmesos.resources, localmesos.stream, localmesos.agent.
"""
