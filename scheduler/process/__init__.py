"""The process entry points: the `dromos` command line, `dromos dev`, the scheduler process
(`main`), and `runtime`, which wires every owner together once.

May import: every room of scheduler/ and api/ (main serves the API).
"""
