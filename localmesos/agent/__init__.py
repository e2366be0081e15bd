"""The stand-in agent: executors and their containers (processes), status updates.

May import: localmesos.model, localmesos.stream, localmesos.recordio.
"""
