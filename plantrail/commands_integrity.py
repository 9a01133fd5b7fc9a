"""CLI commands for integrity: verify the chain (and seals, and the read models), take a seal,
make a cipher key."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import click
from eventsourcing.cryptography import AESCipher

from plantrail import integrity, output
from plantrail.cli_support import services
from projections.chain import parse_seal, seals_in


def register(cli: click.Group) -> None:
    cli.add_command(verify)
    cli.add_command(seal)
    cli.add_command(keygen)


@click.command()
@click.option(
    "--seal", "one_seal", metavar="SEAL", help="A seal from a printed report: prove nothing up to its position has changed since."
)
@click.option(
    "--seals",
    "seals_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding seals (from `seal --out`, saved witness emails, reports, an export-log file): check every one.",
)
@click.option("--read-models", is_flag=True, help="Also fold the events afresh and compare them with the live views.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def verify(ctx: click.Context, one_seal: str | None, seals_file: Path | None, read_models: bool, fmt: str) -> None:
    """Recompute the hash chain over every stored event. Exit 0 when intact, 1 naming what is wrong."""
    given = [parse_seal(one_seal)] if one_seal else []
    if seals_file is not None:
        raw = seals_file.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # an export-log file: its header carries the seal
            raw = gzip.decompress(raw)
        found = seals_in(raw.decode("utf-8", errors="replace"))
        if not found:
            raise click.BadParameter(f"{seals_file}: no plantrail seals in this file", param_hint="--seals")
        given += found
    s = services(ctx)
    verdict = integrity.verify_store(s, given).as_dict()
    if read_models:
        difference = integrity.compare_read_models(s)
        verdict["read_models"] = difference.as_dict() if difference else None
        verdict["ok"] = verdict["ok"] and difference is None
    if fmt == "json":
        output.emit_json(verdict)
    else:
        output.verdict_text(verdict)
    sys.exit(0 if verdict["ok"] else 1)


@click.command()
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="Append the seal, dated, to this file.")
@click.pass_context
def seal(ctx: click.Context, out_path: Path | None) -> None:
    """Print the seal of the history as it stands (and append it to a file kept elsewhere)."""
    s = services(ctx)
    line = integrity.take_seal(s, out_path)
    click.echo(line)


@click.command()
@click.option("--bytes", "size", type=click.Choice(["16", "24", "32"]), default="32", show_default=True, help="Key length.")
def keygen(size: str) -> None:
    """Print a new random key: for PLANTRAIL_CIPHER_KEY (AES-GCM; without it the history cannot be read) or PLANTRAIL_SECRET_KEY (signs web sign-in links and sessions)."""
    click.echo(AESCipher.create_key(int(size)))
