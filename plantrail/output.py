"""Rendering for the CLI: JSON on stdout for machines, rich tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from plantrail.listings import AWAITING_MARK
from projections.statuses import RULE_LABELS, STATUS_KEY

# Icon + word, so status reads without colour and in black-and-white print.
STATUS_STYLES = {"Alert": "bold red", "Warning": "yellow", "OK": "green", "Complete": "blue", "Cancelled": "dim"}
STATUS_MARKS = {key["status"]: (f"{key['icon']} {key['status']}", STATUS_STYLES[key["status"]]) for key in STATUS_KEY}

# Piped output keeps a readable width instead of rich's 80-column default.
stdout = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
stderr = Console(stderr=True, highlight=False)


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def emit_json(data: Any) -> None:
    click.echo(json_text(data), nl=False)


def write_file(path: Path, content: str | bytes, *, force: bool = True) -> None:
    """Write through a temporary file of our own beside the target (``plantrail.files``): a
    half-written file never replaces a good one, and nothing planted at a guessable name is
    followed. Without ``force`` an existing file is refused, not replaced."""
    from plantrail.files import new_file  # tempfile and shutil: only commands that write files need them

    with new_file(path, force=force) as out:
        out.write(content if isinstance(content, bytes) else content.encode("utf-8"))


def status_text(status: str) -> Text:
    label, style = STATUS_MARKS.get(status, (status, ""))
    return Text(label, style=style)


def plans_table(plans: list[dict[str, Any]]) -> None:
    table = Table(title="Plans", title_justify="left")
    for column in ("Code", "Title", "Actions", "Sponsor", "Time zone"):
        table.add_column(column, justify="right" if column == "Actions" else "left")
    for p in plans:
        table.add_row(p["code"], p["title"], str(p["actions"]), p["sponsor"] or "", p["timezone"])
    stdout.print(table)


def action_detail(a: dict[str, Any]) -> None:
    area = a["priority_area"]
    stdout.print(Text(f"{a['plan']} / {a['code']}  {a['title']}", style="bold"))
    rows = [
        ("Priority area", f"{area['number']}. {area['name']}" if area else "—"),
        ("Owners", "; ".join(a["owners"]) or "—"),
        (
            "Due",
            (a["due_date"] or "—")
            + (f" (originally {a['original_due_date']}, revised {a['due_date_revisions']}×)" if a["due_date_revisions"] else ""),
        ),
        ("Progress", f"{a['progress']}%"),
        ("Status", status_text(a["status"]) + Text(f" as at {a['status_as_at']}")),
        ("Lifecycle", a["lifecycle"]),
        ("Priority", a["priority"] or "—"),
        ("Description", a["description"] or "—"),
        *[(f"{AWAITING_MARK} Sign-off", awaiting_text(claim)) for claim in a["awaiting_sign_off"]],
    ]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    for label, value in rows:
        grid.add_row(label, value)
    stdout.print(grid)
    for sub in a["sub_actions"]:
        stdout.print(Text(f"\nSub-action {sub['number']}: {sub['details']}", style="bold"))
        for note in sub["notes"]:
            stdout.print(f"  {note['effective_on']} ({note['author']}): {note['text']}")
    if a["notes"]:
        stdout.print(Text("\nNotes", style="bold"))
        for note in a["notes"]:
            stdout.print(f"  {note['effective_on']} ({note['author']}): {note['text']}")
    for label, key in (("How will we know?", "success_measures"), ("Evidence", "evidence")):
        if a[key]:
            stdout.print(Text(f"\n{label}", style="bold"))
            for text in a[key]:
                stdout.print(f"  - {text}")


def awaiting_text(claim: dict[str, Any]) -> str:
    evidence = f"; evidence: {claim['evidence']}" if claim["evidence"] else ""
    return (
        f"claims {claim['proposed']} (by {claim['claimant']}, effective {claim['effective_on']}{evidence}): "
        f"awaiting sign-off by {claim['awaiting']}, since {claim['since'][:16].replace('T', ' ')} UTC"
    )


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
    for column in ("Action", "Claim", "Claimed by", "Effective", "Since (UTC)", "Days", "Awaiting", "Evidence / reason"):
        table.add_column(column, justify="right" if column == "Days" else "left")
    for c in claims:
        table.add_row(
            f"{c['plan']}/{c['action']}",
            c["proposed"],
            c["claimant"],
            c["effective_on"],
            c["since"][:16].replace("T", " "),
            str(c["waiting_days"]),
            c["awaiting"],
            "; ".join(x for x in (c["evidence"], c["reason"]) if x),
        )
    stdout.print(table)


def sign_off_settings(settings: dict[str, Any]) -> None:
    stdout.print(
        f"{settings['plan']}: sign-off {settings['sign_off']}; a claim escalates after {settings['sign_off_days']} day(s); "
        f"rejections are told {'at once' if settings['notify_rejection'] == 'immediate' else 'in the next digest'}."
    )


def summary_table(plan: dict[str, Any], data: dict[str, Any]) -> None:
    known = f", as known at {data['known_at']}" if data["known_at"] else ""
    table = Table(title=f"{plan['code']} high level summary as at {data['as_at']}{known}", title_justify="left")
    keys = ["alert", "warning", "ok", "complete"] + (["cancelled"] if "cancelled" in data["totals"] else [])
    table.add_column("Strategic priority")
    for key in keys:
        table.add_column(status_text({"ok": "OK"}.get(key, key.capitalize())), justify="right")
    for p in data["priorities"]:
        table.add_row(f"{p['number']}. {p['name']}" if p["number"] else p["name"], *[str(p.get(k, 0)) for k in keys])
    table.add_row(Text("Total", style="bold"), *[str(data["totals"].get(k, 0)) for k in keys])
    stdout.print(table)
    if data["awaiting_sign_off"]:
        stdout.print(f"{AWAITING_MARK} {data['awaiting_sign_off']} action(s) carry a claim awaiting sign-off; counted as last approved.")


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


def people_table(people: list[dict[str, Any]]) -> None:
    table = Table(title="People", title_justify="left")
    for column in ("Name", "Initials", "Email", "Role", "Manager", "Actions owned"):
        table.add_column(column, justify="right" if column == "Actions owned" else "left")
    for p in people:
        table.add_row(p["name"], p["initials"] or "", p["email"] or "", p["role"] or "", p["manager"] or "", str(p["actions"]))
    stdout.print(table)


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
