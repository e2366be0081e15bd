"""Benchmarks of Dromos beside the tools it replaces; run with `python -m bench [name]`."""
