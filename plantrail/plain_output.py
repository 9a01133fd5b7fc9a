"""What the everyday read commands print (plans, people, one action, the summary, JSON), as plain
text (``text_table``), so they start without rich.

rich's console and table modules measured about as much as the rest of a ``plans`` run put
together; these outputs are a few short tables and a list of fields, which plain text draws as
well. Status words keep their icon (``▲ Alert``), so they read without colour; on a terminal
they are coloured too (``click.style``; click drops the colour when output is piped).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from typing import Any

import click

from plantrail.listings import AWAITING_MARK, STATUS_LABELS, as_known_at, coloured_status, width
from plantrail.text_table import Column, clean, lines


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def emit_json(data: Any) -> None:
    click.echo(json_text(data), nl=False)


def echo_lines(found: Iterator[str]) -> None:
    click.echo("\n".join(found))


def status_label(status: str) -> str:
    """``▲ Alert``, coloured on a terminal (click drops the colour when output is piped)."""
    return coloured_status(STATUS_LABELS.get(status, status))


def plans_lines(plans: list[dict[str, Any]]) -> Iterator[str]:
    yield "Plans"
    columns = [Column("Code"), Column("Title", max_width=60), Column("Actions", right=True), Column("Sponsor"), Column("Time zone")]
    yield from lines(columns, ([p["code"], p["title"], p["actions"], p["sponsor"] or "", p["timezone"]] for p in plans), width=width())


def people_lines(people: list[dict[str, Any]]) -> Iterator[str]:
    yield "People"
    columns = [Column(c) for c in ("Name", "Initials", "Email", "Role", "Manager", "Permissions")] + [Column("Actions owned", right=True)]
    rows = (
        [p["name"], p["initials"] or "", p["email"] or "", p["role"] or "", p["manager"] or "", p["permissions"], p["actions"]]
        for p in people
    )
    yield from lines(columns, rows, width=width())


def summary_lines(plan: dict[str, Any], data: dict[str, Any]) -> Iterator[str]:
    yield f"{plan['code']} high level summary as at {data['as_at']}{as_known_at(data['known_at'])}"
    if data["known_at"] and not any(data["totals"].values()):
        yield f"(no action of {plan['code']} had been recorded by then)"
    keys = ["alert", "warning", "ok", "complete"] + (["cancelled"] if "cancelled" in data["totals"] else [])
    columns = [Column("Strategic priority", max_width=60)]
    columns += [Column(STATUS_LABELS[{"ok": "OK"}.get(k, k.capitalize())], right=True, shrinks=False) for k in keys]
    rows = [[f"{p['number']}. {p['name']}" if p["number"] else p["name"], *[p.get(k, 0) for k in keys]] for p in data["priorities"]]
    rows.append(["Total", *[data["totals"].get(k, 0) for k in keys]])
    yield from lines(columns, rows, width=width())
    if data["awaiting_sign_off"]:
        n = data["awaiting_sign_off"]
        carry = "action carries a claim" if n == 1 else "actions carry claims"
        yield f"{AWAITING_MARK} {n} {carry} awaiting sign-off; counted as last approved."


def awaiting_text(claim: dict[str, Any]) -> str:
    evidence = f"; evidence: {claim['evidence']}" if claim["evidence"] else ""
    return (
        f"claims {claim['proposed']} (by {claim['claimant']}, effective {claim['effective_on']}{evidence}): "
        f"awaiting sign-off by {claim['awaiting']}, since {claim['since'][:16].replace('T', ' ')} UTC"
    )


def action_lines(a: dict[str, Any]) -> Iterator[str]:
    """One action: its fields, then sub-actions with their notes, notes, measures and evidence."""
    area = a["priority_area"]
    yield click.style(clean(f"{a['plan']} / {a['code']}  {a['title']}"), bold=True)
    fields = [
        ("Priority area", f"{area['number']}. {area['name']}" if area else "—"),
        ("Owners", "; ".join(a["owners"]) or "—"),
        (
            "Due",
            (a["due_date"] or "—")
            + (f" (originally {a['original_due_date']}, revised {a['due_date_revisions']}×)" if a["due_date_revisions"] else ""),
        ),
        ("Progress", f"{a['progress']}%"),
        ("Status", None),
        ("Lifecycle", a["lifecycle"]),
        ("Priority", a["priority"] or "—"),
        ("Description", a["description"] or "—"),
        *[(f"{AWAITING_MARK} Sign-off", awaiting_text(claim)) for claim in a["awaiting_sign_off"]],
    ]
    label_width = max(len(label) for label, _ in fields)
    room = max(width() - label_width - 2, 20)
    for label, value in fields:
        if value is None:  # the status: coloured, so not wrapped
            yield f"{label:<{label_width}}  {status_label(a['status'])} as at {a['status_as_at']}"
            continue
        for n, part in enumerate(_wrapped(value, room)):
            yield f"{label if n == 0 else '':<{label_width}}  {part}".rstrip()
    for sub in a["sub_actions"]:
        yield ""
        yield click.style(clean(f"Sub-action {sub['number']}: {sub['details']}"), bold=True)
        for note in sub["notes"]:
            yield from _indented(f"{note['effective_on']} ({note['author']}): {note['text']}")
    if a["notes"]:
        yield ""
        yield click.style("Notes", bold=True)
        for note in a["notes"]:
            yield from _indented(f"{note['effective_on']} ({note['author']}): {note['text']}")
    for label, key in (("How will we know?", "success_measures"), ("Evidence", "evidence")):
        if a[key]:
            yield ""
            yield click.style(label, bold=True)
            for text in a[key]:
                yield from _indented(f"- {text}")


def _indented(text: str) -> list[str]:
    """A note or a measure, two spaces in, wrapped to the width (its own line breaks kept)."""
    return ["  " + part if part else "" for part in _wrapped(text, max(width() - 2, 20))]


def _wrapped(text: str, room: int) -> list[str]:
    found = [part for line in clean(text).split("\n") for part in (textwrap.wrap(line, room) or [""])]
    return found or [""]


def action_detail(a: dict[str, Any]) -> None:
    echo_lines(action_lines(a))
