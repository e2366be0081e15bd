"""Run benchmarks by name: `python -m bench [name [options...]]`; no name runs them all.

Each benchmark is a module of this package with `main(argv: list[str] | None) -> None`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

BENCHMARKS = (
    "restart_gap", "health_checks", "job_lateness", "ui_apps", "scale", "discovery",
    "simulated_agents", "ha_faults", "command_tasks", "read_model",
)


def run(name: str, argv: list[str]) -> None:
    importlib.import_module(f"bench.{name}").main(argv)


def main(argv: list[str]) -> None:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.splitlines()[0])
        print("benchmarks:", ", ".join(BENCHMARKS))
        return
    if argv:
        name, *rest = argv
        if name not in BENCHMARKS:
            sys.exit(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
        run(name, rest)
        return
    for name in BENCHMARKS:
        if importlib.util.find_spec(f"bench.{name}") is not None:
            run(name, [])


if __name__ == "__main__":
    main(sys.argv[1:])
