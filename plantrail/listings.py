"""Long listings for people: history, changes and actions as plain-text tables (``text_table``),
shown through a pager on a terminal as ``git log`` does, streamed straight out otherwise."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from plantrail.text_table import Column, lines
from projections.statuses import STATUS_KEY

# Piped output keeps a readable width (as rich's tables did) instead of 80 columns.
PIPED_WIDTH = 140
AWAITING_MARK = "◷"
STATUS_LABELS = {key["status"]: f"{key['icon']} {key['status']}" for key in STATUS_KEY}


def width() -> int:
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else PIPED_WIDTH


def show(text: str | Iterable[str], *, pager: bool) -> None:
    """Print ``text``: a whole text, or lines without their newlines. Through $PAGER (default ``less``) only when
    ``pager`` and stdout is a terminal; ``LESS=FRX`` unless set, so a short listing prints
    and returns as with ``git log``."""
    chunks = [text] if isinstance(text, str) else _chunks(text)
    if pager and sys.stdout.isatty():
        os.environ.setdefault("LESS", "FRX")
        click.echo_via_pager(chunks)
        return
    try:
        for chunk in chunks:
            click.echo(chunk, nl=False)
    except BrokenPipeError:
        # The reader stopped (``| head``): not an error, as in plantrail.cli.main; click would
        # make it exit 1. Point stdout at nothing so the final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise click.exceptions.Exit(0) from None


def _chunks(text: Iterable[str], size: int = 500) -> Iterator[str]:
    """Lines joined a few hundred at a time: one write per chunk, not per line."""
    batch: list[str] = []
    for line in text:
        batch.append(line)
        if len(batch) == size:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"


def span(shown: int, offset: int, total: int, noun: str) -> str:
    """``37,706 events`` whole, or ``events 101–150 of 37,706`` for a page."""
    if shown == total:
        return f"{total:,} {noun}"
    if shown == 0:
        return f"no {noun} past {offset:,} of {total:,}"
    return f"{noun} {offset + 1:,}–{offset + shown:,} of {total:,}"


def short(value: Any) -> str:
    text = "—" if value is None else "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


HISTORY_COLUMNS = [
    Column("Effective", shrinks=False),
    Column("Recorded (UTC)", shrinks=False),
    Column("Type", shrinks=False),
    Column("Subject", max_width=30),
    Column("Actor", max_width=30),
    Column("What changed", max_width=60),
    Column("Reason", max_width=40),
]


def what_changed(e: dict[str, Any]) -> str:
    if e["type"] == "ActionAdded":
        c = e["changes"]
        return f"added: {c['title'][1]} (due {c.get('due_date', [None, '—'])[1] or '—'}; owners {short(c.get('owners', [None, []])[1])})"
    if e["type"] == "ProgressUpdated" and (figure := e["changes"].get("progress")) and figure[0] == figure[1]:
        return f"progress confirmed at {figure[1]}%"  # the figure restated: nothing moved
    return e["text"] or "; ".join(f"{k}: {short(v[0])} → {short(v[1])}" for k, v in e["changes"].items())


def history_row(e: dict[str, Any]) -> list[str]:
    dated = " ⚑ backdated" if e["backdated"] else " (from import)" if e["from_import"] else ""
    effective = e["effective_on"] + dated + (" ⚠ recorded time suspect" if e["time_flag"] else "")
    return [effective, e["recorded_at"][:16].replace("T", " "), e["type"], e["subject"], e["actor"], what_changed(e), e["reason"] or ""]


def history_lines(entries: list[dict[str, Any]], axis: str, *, offset: int = 0, total: int | None = None) -> Iterator[str]:
    yield f"History ({span(len(entries), offset, len(entries) if total is None else total, 'events')}, ordered by {axis} date)"
    yield from lines(HISTORY_COLUMNS, map(history_row, entries), width=width())


CHANGES_COLUMNS = [
    Column("Code", shrinks=False),
    Column("Status", max_width=40),
    Column("Progress", shrinks=False),
    Column("Due date", max_width=60),
    Column("Owners", max_width=50),
    Column("New notes", right=True, shrinks=False),
]


def changes_row(a: dict[str, Any]) -> list[str]:
    status = f"{a['status'][0] or 'new'} → {a['status'][1]}" if "status" in a else ""
    if a.get("awaiting_sign_off"):
        status += f" {AWAITING_MARK} " + "; ".join(f"claims {c['proposed']}" for c in a["awaiting_sign_off"])
    progress = f"{a['progress'][0] if a['progress'][0] is not None else '—'}% → {a['progress'][1]}%" if "progress" in a else ""
    slips = "; ".join(f"{r['from']} → {r['to']} ({r['reason']})" for r in a.get("due_date_revisions", []))
    if slips:
        slips += f" [slipped {a['slips_since_original']}× since {a['original_due_date']}]"
    owners = f"{'; '.join(a['owners'][0])} → {'; '.join(a['owners'][1])}" if "owners" in a else ""
    notes = len(a.get("new_notes", []))
    return [a["code"], status, progress, slips, owners, str(notes) if notes else ""]


COUNTS = ("alert", "warning", "ok", "complete")


def changes_lines(plan: dict[str, Any], data: dict[str, Any], *, offset: int = 0, total: int | None = None) -> Iterator[str]:
    moved = data["actions"]
    yield f"{plan['code']}: what changed from {data['from']} to {data['to']}"
    yield ""
    yield f"Actions ({span(len(moved), offset, len(moved) if total is None else total, 'changed')})"
    yield from lines(CHANGES_COLUMNS, map(changes_row, moved), width=width())
    if any(a.get("awaiting_sign_off") for a in moved):
        yield f"{AWAITING_MARK} awaiting sign-off: shown as last approved (see `plantrail pending`)."
    yield ""
    yield "Counts by strategic priority (from → to)"
    rows = [
        [f"{p['number']}. {p['name']}" if p["number"] else p["name"], *[f"{p[k]['from']} → {p[k]['to']}" if k in p else "" for k in COUNTS]]
        for p in data["priorities"]
    ]
    columns = [Column("Strategic priority", max_width=60), *[Column(k.capitalize(), right=True, shrinks=False) for k in COUNTS]]
    yield from lines(columns, rows, width=width())


# On a terminal, status in colour as well as icon and word (which read without it); shared
# with one action's view (plain_output).
STATUS_COLOURS: dict[str, dict[str, Any]] = {
    "Alert": {"fg": "red", "bold": True},
    "Warning": {"fg": "yellow"},
    "OK": {"fg": "green"},
    "Complete": {"fg": "blue"},
    "Cancelled": {"dim": True},
}


def coloured_status(cell: str) -> str:
    words = cell.split()
    how = STATUS_COLOURS.get(words[1]) if len(words) > 1 else None
    return click.style(cell, **how) if how else cell


def action_columns(colour: bool) -> list[Column]:
    return [
        Column("Code", shrinks=False),
        Column("Title", max_width=30),
        Column("Owners", max_width=30),
        Column("Due", max_width=30),
        Column("Progress", right=True, shrinks=False),
        Column("Status", shrinks=False, style=coloured_status if colour else None),
        Column("Priority", shrinks=False),
    ]


def action_row(a: dict[str, Any]) -> list[str]:
    due = a["due_date"] or "—"
    if a["due_date_revisions"]:
        due += f" (was {a['original_due_date']})"
    status = STATUS_LABELS.get(a["status"], a["status"]) + (f" {AWAITING_MARK}" if a["awaiting_sign_off"] else "")
    return [a["code"], a["title"], "; ".join(a["owners"]), due, f"{a['progress']}%", status, a["priority"] or ""]


def as_known_at(known_at: Any) -> str:
    """ ", as known at 2015-04-02T23:59+01:00" (to the minute, from a time or its ISO text); ""
    without one."""
    if not known_at:
        return ""
    from datetime import datetime

    moment = datetime.fromisoformat(known_at) if isinstance(known_at, str) else known_at
    return f", as known at {moment.isoformat(timespec='minutes')}"


def actions_lines(plans: list[dict[str, Any]], actions: list[dict[str, Any]], as_at: str, known_at: Any = None) -> Iterator[str]:
    """Each plan's actions, one table per strategic priority, as in Covalent's report."""
    known = as_known_at(known_at)
    for plan in plans:
        mine = [a for a in actions if a["plan"] == plan["code"]]
        yield f"{plan['code']} {plan['title']} — as at {as_at}{known}"
        groups: dict[str, list[dict[str, Any]]] = {}
        for a in mine:
            area = a["priority_area"]
            groups.setdefault(f"{area['number']}. {area['name']}" if area else "(no priority area)", []).append(a)
        for label, members in groups.items():
            yield ""
            yield label
            yield from lines(action_columns(sys.stdout.isatty()), map(action_row, members), width=width())
        yield ""
        yield f"{len(mine)} action(s)"
        waiting = sum(1 for a in mine if a["awaiting_sign_off"])
        if waiting:
            yield f"{AWAITING_MARK} {waiting} action(s) carry a claim awaiting sign-off; shown as last approved (see `plantrail pending`)."
    if len(plans) != 1:
        yield f"{len(actions)} action(s) in {len(plans)} plan(s)"
