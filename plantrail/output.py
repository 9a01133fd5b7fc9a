"""Rendering for the CLI: JSON on stdout for machines, rich tables for people."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from plantrail.plain_output import action_detail, awaiting_text, emit_json, json_text
from projections.statuses import RULE_LABELS

# One action, JSON and the other everyday outputs are plain text (plantrail/plain_output.py).
__all__ = ["action_detail", "awaiting_text", "emit_json", "json_text"]

# Piped output keeps a readable width instead of rich's 80-column default.
stdout = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
stderr = Console(stderr=True, highlight=False)


def write_file(path: Path, content: str | bytes, *, force: bool = True) -> None:
    """Write through a temporary file of our own beside the target (``plantrail.files``): a
    half-written file never replaces a good one, and nothing planted at a guessable name is
    followed. Without ``force`` an existing file is refused, not replaced."""
    from plantrail.files import new_file  # tempfile and shutil: only commands that write files need them

    with new_file(path, force=force) as out:
        out.write(content if isinstance(content, bytes) else content.encode("utf-8"))


def recorded(shown: dict[str, Any]) -> None:
    """A write's outcome: a line saying what became of a claim, then the action as shown."""
    claim_outcome(shown)
    action_detail(shown)


def claim_outcome(shown: dict[str, Any]) -> None:
    """What became of a claim (submitted, approved, rejected); nothing for a plain recording."""
    claim, how = shown["claim"], shown["recorded_as"]
    if how == "submitted":
        stdout.print(
            Text(f"Submitted for sign-off: {claim['proposed']}, effective {claim['effective_on']}. ", style="bold")
            + Text(f"Awaits {claim['awaiting']}; until then the committee sees the approved state below.")
        )
    elif how in ("approved", "rejected"):
        stdout.print(
            Text(f"{how.capitalize()}: {claim['claimant']}'s claim ({claim['proposed']}, effective {claim['effective_on']}).", style="bold")
        )
    told = shown.get("claimant_told")
    if told:
        stdout.print(Text(TOLD[told["when"]].format(claimant=claim["claimant"]) + (f" ({told['problem']})" if told["problem"] else "")))


TOLD = {
    "now": "{claimant} is told the reason at once: a message is queued.",
    "next digest": "{claimant} is told the reason in their next reminder digest.",
    "never": "{claimant} cannot be told by email; the administrator is told why",
}


def pending_table(claims: list[dict[str, Any]], title: str) -> None:
    table = Table(title=f"{title} ({len(claims)})", title_justify="left")
    for column in ("Action", "Claim", "Claimed by", "Effective", "Since (UTC)", "Days", "Who decides", "Evidence / reason"):
        table.add_column(column, justify="right" if column == "Days" else "left")
    for c in claims:
        table.add_row(
            f"{c['plan']}/{c['action']}",
            c["proposed"],
            c["claimant"],
            c["effective_on"],
            c["since"][:16].replace("T", " "),
            str(c["waiting_days"]),
            c["deciders"],
            "; ".join(x for x in (c["evidence"], c["reason"]) if x),
        )
    stdout.print(table)


def sign_off_settings(settings: dict[str, Any]) -> None:
    stdout.print(
        f"{settings['plan']}: sign-off {settings['sign_off']}; a claim escalates after {settings['sign_off_days']} day(s); "
        f"rejections are told {'at once' if settings['notify_rejection'] == 'immediate' else 'in the next digest'}."
    )


def remind_summary(result: dict[str, Any]) -> None:
    table = Table(title=f"Reminders due as of {result['as_of']}", title_justify="left")
    dry = result["dry_run"]
    for column in ("Rule", "Action", "About", "Recipients", "Would raise" if dry else "Raised now"):
        table.add_column(column)
    for d in result["due"]:
        recipients = ", ".join(f"{r['name']} ({r['role']})" for r in d["recipients"])
        table.add_row(
            RULE_LABELS.get(d["rule"], d["rule"]),
            f"{d['plan_code']}/{d['action_code']}",
            d["about"],
            recipients,
            ("would raise" if dry else "raised") if d["raised_now"] else "already raised",
        )
    stdout.print(table)
    if result["skipped"]:
        stdout.print(f"Skipped: {result['skipped']}.")
    verb = "would raise" if result["dry_run"] else "raised"
    stdout.print(
        f"{len(result['due'])} due; {verb} {result['raised']}; {result['already_raised']} raised before; "
        f"{result['messages_queued']} message(s) queued."
    )
    if result["undeliverable"]:
        stdout.print(
            f"{result['undeliverable']} reminder(s) could not be addressed or rendered: recorded as undeliverable "
            "(see `plantrail outbox --status undeliverable`; the administrator is told)."
        )
    for plan_code, problem in result["failed_plans"].items():
        stdout.print(f"Plan {plan_code} could not be swept: {problem}")
    if result["delivery"]:
        d = result["delivery"]
        where = f" (.eml files in {result['outbox_dir']})" if result["outbox_dir"] else ""
        stdout.print(
            f"Delivery: {d['sent']} sent{where}, {d['retrying']} to retry, {d['failed']} failed, {d['undeliverable']} undeliverable."
        )


def outbox_table(messages: list[dict[str, Any]]) -> None:
    table = Table(title=f"Outbox ({len(messages)} messages)", title_justify="left")
    for column in ("Created", "To", "Subject", "Status", "Attempts", "Last answer"):
        table.add_column(column)
    for m in messages:
        answer = " ".join(str(x) for x in (m["last_code"], m["last_error"]) if x)
        table.add_row(
            m["created_at"][:16].replace("T", " "),
            f"{m['to']} <{m['email'] or '—'}>",
            m["subject"],
            m["status"],
            str(m["attempts"]),
            answer,
        )
    stdout.print(table)


def verdict_text(v: dict[str, Any]) -> None:
    for problem in v["problems"]:
        stdout.print(Text(f"MISMATCH at event(s) {problem['where']}: {problem['problem']}.", style="bold red"))
    if v["problems"] and v["subject"]:
        stdout.print(f"The first was {v['event_type']} on {v['subject']}.")
    for s in v["seals"]:
        source = f"witnessed at event {s['witnessed_at']}" if s["witnessed_at"] else "given"
        mark = Text("holds", style="green") if s["ok"] else Text("DOES NOT HOLD", style="bold red")
        stdout.print(Text.assemble(f"Seal up to event {s['position']} ({source}): ", mark))
    if "read_models" in v:
        difference = v["read_models"]
        if difference is None:
            stdout.print(Text("Read models: the live views match the events folded afresh.", style="green"))
        else:
            stdout.print(Text(f"Read models DIFFER: {difference['description']}", style="bold red"))
    if v["catch_up_failed"]:
        stdout.print(Text(f"The newest events could not be chained: {v['catch_up_failed']}", style="bold red"))
    if v["ok"]:
        stdout.print(Text(f"OK: the history is intact ({v['checked']} events).", style="bold green"))
        stdout.print(f"Seal: {v['seal']}")
        if v["unsealed"]:
            stdout.print(f"{v['unsealed']} newer event(s) not yet chained.")
    else:
        stdout.print(f"{v['checked']} event(s) checked.")


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (stdout stays clean for JSON); silent when stderr is not a terminal."""
    # Imported here: most commands never show one, and rich.progress is a third of rich's import.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(position: int, target: int) -> None:
            progress.update(task, completed=position, total=target)

        yield update
