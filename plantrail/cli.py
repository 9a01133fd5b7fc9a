"""The ``plantrail`` command: parse → bootstrap → one call → print.

Exit codes: 0 success; 1 a domain error (not found, conflict, rule broken); 2 bad input.
Errors go to stderr as one line; ``--format json`` puts JSON alone on stdout.
"""

from __future__ import annotations

import sys

import click

from plantrail.cli_support import PlantrailGroup

# Every command, by the module whose ``register`` adds it: loaded only when it runs (or when
# help lists them all), so a command pays only for what it uses.
COMMAND_MODULES = {
    "plantrail.commands_read": ["plans", "show", "people", "summary"],
    "plantrail.commands_write": ["update", "note", "complete", "cancel", "hold", "reopen", "redate", "reassign", "rebuild"],
    "plantrail.commands_import": ["import", "export-updates", "import-updates"],
    "plantrail.commands_history": ["history", "changes", "report"],
    "plantrail.commands_views": ["actions", "calendar"],
    "plantrail.commands_objects": ["plan", "action", "person"],
    "plantrail.commands_reminders": ["remind", "outbox"],
    "plantrail.commands_integrity": ["verify", "seal", "keygen"],
    "plantrail.commands_store": ["migrate", "rekey", "export-log", "restore"],
    "plantrail.commands_sign_off": ["approve", "reject", "pending", "sign-off"],
    "plantrail.commands_access": ["grant", "revoke"],
    "plantrail.commands_serve": ["serve", "signin-link"],
}


@click.group(
    cls=PlantrailGroup,
    lazy={name: module for module, names in COMMAND_MODULES.items() for name in names},
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    envvar="PLANTRAIL_DATABASE_URL",
    metavar="URL",
    default=None,
    help="SQLite file path or sqlite:///…, or postgresql://… [env PLANTRAIL_DATABASE_URL; default ./plantrail.db]",
)
@click.version_option(package_name="plantrail")
def cli(db: str | None) -> None:
    """plantrail: improvement action plans as an immutable, auditable history."""


# ----- entry point --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """The console script. Errors are mapped to exit codes inside the group (``PlantrailGroup``),
    so tests running the group in-process see the same codes; only what happens outside any
    command (a broken pipe, arguments the OS passed as undecodable bytes) is handled here."""
    args = sys.argv[1:] if argv is None else argv
    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            click.echo(f"plantrail: error: argument {position} is not valid UTF-8 text; check the terminal's encoding", err=True)
            sys.exit(2)
    try:
        cli.main(args=args, prog_name="plantrail")
    except BrokenPipeError:
        # Output piped into `head` and cut short: not an error. Point stdout at nothing so the
        # interpreter's final flush does not complain a second time.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
