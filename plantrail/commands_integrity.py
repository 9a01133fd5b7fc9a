"""CLI commands for integrity: verify the hash chain (or a printed seal), make a cipher key."""

from __future__ import annotations

import sys

import click
from eventsourcing.cryptography import AESCipher

from plantrail import output
from plantrail.cli_support import services
from projections.chain import verify as verify_chain


def register(cli: click.Group) -> None:
    cli.add_command(verify)
    cli.add_command(keygen)


@click.command()
@click.option("--seal", metavar="SEAL", help="A seal from a printed report: prove nothing up to its position has changed since.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def verify(ctx: click.Context, seal: str | None, fmt: str) -> None:
    """Recompute the hash chain over every stored event. Exit 0 when intact, 1 at the first mismatch."""
    s = services(ctx)
    s.projector.catch_up()  # chain what was stored since the last command
    verdict = verify_chain(s.app.recorder, s.engine, seal)
    if fmt == "json":
        output.emit_json(verdict.as_dict())
    else:
        output.verdict_text(verdict.as_dict(), seal)
    sys.exit(0 if verdict.ok else 1)


@click.command()
@click.option("--bytes", "size", type=click.Choice(["16", "24", "32"]), default="32", show_default=True, help="Key length.")
def keygen(size: str) -> None:
    """Print a new random key: for PLANTRAIL_CIPHER_KEY (AES-GCM; without it the history cannot be read) or PLANTRAIL_SECRET_KEY (signs web sign-in links and sessions)."""
    click.echo(AESCipher.create_key(int(size)))
