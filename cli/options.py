"""What every client command takes: where Dromos is (--url, DROMOS_URL) and how to print."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from cli.client import DEFAULT_URL, Client

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Session:
    """A command's connection and output format; `console` writes to stdout."""

    client: Client
    output: str
    console: Console

    @property
    def as_json(self) -> bool:
        return self.output == "json"

    def show(self, data: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """`data` as JSON with -o json, else `rows` as a table under `columns`."""
        if self.as_json:
            click.echo(json.dumps(data, indent=2))
            return
        table = Table(*columns, box=None, pad_edge=False, header_style="bold")
        for row in rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        self.console.print(table)

    def done(self, data: Any, message: str) -> None:
        """A write's answer: JSON with -o json, else one line saying what happened."""
        if self.as_json:
            click.echo(json.dumps(data, indent=2))
        else:
            self.console.print(message, highlight=False)


def connected(command: F) -> F:
    """Add --url and -o to a command; it receives `session` first."""

    @click.option("--url", envvar="DROMOS_URL", default=DEFAULT_URL, show_default=True,
                  help="Dromos API, or several instances' comma-separated, tried in turn "
                       "(or set DROMOS_URL)")
    @click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table",
                  show_default=True)
    def wrapper(url: str, output: str, **kwargs: Any) -> Any:
        console = Console(soft_wrap=True, width=None if _is_tty() else 160, emoji=False,
                          markup=False, highlight=False)
        return command(Session(Client(url), output, console), **kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper  # type: ignore[return-value]


def _is_tty() -> bool:
    return sys.stdout.isatty()


def read_json_file(path: Path) -> Any:
    """A definition file's JSON, or a clear error naming the file."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from error


json_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
