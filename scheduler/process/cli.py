"""The `dromos` command: `dev`, `scheduler`, `localmesos`, `lb`, and the client commands."""

from __future__ import annotations

import importlib

import click

# Each subcommand lives beside the code it runs; they are imported lazily so that a client
# command does not pay for Flask and SQLAlchemy imports.
SUBCOMMANDS = {
    "dev": "scheduler.process.dev:dev",
    "scheduler": "scheduler.process.main:scheduler",
    "localmesos": "localmesos.main:localmesos",
    "hash-secret": "api.guards.auth_cli:hash_secret",
    "lb": "discovery.lb:lb",
    # the HTTP client commands (cli/)
    "app": "cli.apps:app",
    "group": "cli.apps:group",
    "deployment": "cli.deployments:deployment",
    "task": "cli.tasks:task",
    "queue": "cli.tasks:queue",
    "job": "cli.jobs:job",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="dromos", prog_name="dromos")
def main() -> None:
    """Dromos: Marathon-style apps and Chronos-style jobs on Mesos."""


if __name__ == "__main__":
    main()
