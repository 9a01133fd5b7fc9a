"""CLI commands that look after the store itself: its schema, its key."""

from __future__ import annotations

from pathlib import Path

import click

from plantrail import backup, keys, output
from plantrail.cli_support import services
from plantrail.event_table import EventTable
from plantrail.files import refuse_existing
from plantrail.migrate import recorded_versions
from plantrail.settings import cipher_key
from projections.chain import current_seal


def register(cli: click.Group) -> None:
    cli.add_command(rekey)
    cli.add_command(migrate)
    cli.add_command(export_log)
    cli.add_command(restore)


@click.command("export-log")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
def export_log(ctx: click.Context, file: Path, force: bool) -> None:
    """Write every stored event, as stored (encrypted events stay encrypted), with its chain link,
    to FILE as gzipped JSON lines: a backup, or the way to move to another database."""
    refuse_existing(file, force, "FILE")
    s = services(ctx)
    count = backup.export_log(s, file, force=force)
    output.stderr.print(f"Exported {count} event(s) to {file}; seal {current_seal(s.engine)}.")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, file: Path) -> None:
    """Load a file from `export-log` into an empty store (SQLite or PostgreSQL), after checking
    its chain end to end; then build the read models. Set PLANTRAIL_CIPHER_KEY as for the store
    it came from."""
    s = services(ctx)
    done = backup.restore(s, file)
    output.stderr.print(f"Restored {done.events} event(s); the chain holds up to the seal {done.seal}.")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def migrate(ctx: click.Context, fmt: str) -> None:
    """Bring the store's tables to this version of plantrail (every command does this on opening a
    store; run it alone to do it at a time of your choosing). The read models are rebuilt from
    the events when their schema changed; the chain, outbox and sweep record are changed in place."""
    s = services(ctx)
    versions = recorded_versions(s.engine)
    if fmt == "json":
        output.emit_json({"done": s.migrations, "versions": versions})
        return
    for line in s.migrations or ["nothing to do: every table is at this version's schema"]:
        output.stdout.print(line)
    output.stdout.print("Schema versions: " + ", ".join(f"{name} {version}" for name, version in sorted(versions.items())))


@click.command()
@click.option("--decrypt", is_flag=True, help="Take encryption off instead: store the events in plain text.")
@click.pass_context
def rekey(ctx: click.Context, decrypt: bool) -> None:
    """Re-encrypt every stored event under the key in PLANTRAIL_NEW_CIPHER_KEY (PLANTRAIL_CIPHER_KEY
    holds the current one, unset for a plain store). Stop `serve` and other plantrail processes
    first. The chain and seals printed before still verify. Afterwards set PLANTRAIL_CIPHER_KEY to
    the new key."""
    new_key = None if decrypt else cipher_key(keys.NEW_KEY_SETTING)
    if not decrypt and new_key is None:
        raise keys.StoreKeyError(f"{keys.NEW_KEY_SETTING} is not set: put the new key there (`plantrail keygen` makes one)")
    s = services(ctx)
    if decrypt and s.app.mapper.cipher is None:
        raise keys.StoreKeyError("this store is not encrypted; there is nothing to decrypt")
    s.projector.catch_up()  # chain everything under the old key first
    done = keys.rekey(s.engine, EventTable.of(s.database), s.app.mapper.cipher, new_key)
    what = "stored in plain text" if new_key is None else "re-encrypted under the new key"
    output.stderr.print(f"{done} event(s) {what}. Set PLANTRAIL_CIPHER_KEY accordingly before the next command.")
