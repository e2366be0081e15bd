"""`dromos hash-secret`: a line for `--credentials-file`, so no secret is stored in clear."""

from __future__ import annotations

import secrets

import click

from api.guards.auth import ROLES, hash_password, hash_token


@click.command("hash-secret")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option("--token", is_flag=True, help="make a new bearer token instead of a password")
def hash_secret(name: str, role: str, token: bool) -> None:
    """Print `NAME:ROLE:HASH` for a password read from the terminal, or for a new token."""
    if token:
        secret = secrets.token_urlsafe(32)
        click.echo(f"token (give it to the client, it is not stored): {secret}", err=True)
        click.echo(f"{name}:{role}:{hash_token(secret)}")
        return
    password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    click.echo(f"{name}:{role}:{hash_password(password)}")
