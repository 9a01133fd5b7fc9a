"""CLI commands for roles: grant and revoke (events on the person, with who and why)."""

from __future__ import annotations

import click

from plantrail import output
from plantrail.cli_support import by_option, services
from plantrail.settings import default_actor


def register(cli: click.Group) -> None:
    cli.add_command(grant)
    cli.add_command(revoke)


def _role_command(name: str, verb: str, summary: str) -> click.Command:
    @click.command(name, help=summary)
    @click.argument("person")
    @click.argument("role", type=click.Choice(["clerk", "admin", "viewer"]))
    @click.option("--plan", "plan_code", metavar="CODE", help="The plan (clerks are clerks of a plan).")
    @click.option("--reason", metavar="TEXT", required=True, help="Why. Required: auditors ask who could do what, and why.")
    @by_option
    @click.pass_context
    def command(ctx: click.Context, person: str, role: str, plan_code: str | None, reason: str, actor: str | None) -> None:
        changed = services(ctx).change_role(verb, person, role, plan_code, reason=reason, actor=actor or default_actor())
        where = f" of {plan_code}" if plan_code else ""
        output.stdout.print(f"{changed['name']}: {role}{where} {'granted' if verb == 'grant' else 'revoked'}.")

    return command


grant = _role_command("grant", "grant", "Give PERSON a role: clerk (with --plan), admin or viewer.")
revoke = _role_command("revoke", "revoke", "Take a role away from PERSON (the grant stays in the history).")
