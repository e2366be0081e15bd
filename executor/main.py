"""`dromos executor` / `python -m executor`: run the Dromos executor under a Mesos agent."""

from __future__ import annotations

import logging

import click


@click.command()
@click.option(
    "--single-task",
    is_flag=True,
    help="Run one task and exit once its terminal update is acknowledged (command executor).",
)
def executor(single_task: bool) -> None:
    """Run tasks for the agent named by MESOS_AGENT_ENDPOINT until it shuts this executor down."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # pymesos installs a SIGINT handler at import: import it here, in the main thread.
    from executor.mesos_adapter import DromosExecutor

    DromosExecutor(single_task).run()
