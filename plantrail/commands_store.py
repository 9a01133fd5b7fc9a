"""CLI commands that look after the store itself: its schema, its key."""

from __future__ import annotations

import click

from plantrail import keys, output
from plantrail.cli_support import services
from plantrail.event_table import EventTable
from plantrail.migrate import recorded_versions
from plantrail.settings import cipher_key


def register(cli: click.Group) -> None:
    cli.add_command(rekey)
    cli.add_command(migrate)


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
