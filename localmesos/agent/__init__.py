"""An agent process: executors and their containers (processes), status updates, the
executor API, its state and files endpoints, and its link to the master.

May import: localmesos.model, localmesos.resources, localmesos.stream, localmesos.recordio,
localmesos.web, localmesos.wirelog.
"""
