"""The committee report: the plan as at a date in the shape of Covalent's "full details" report,
as self-contained printable HTML, or the same data as JSON or CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine

from projections.chain import current_seal
from projections.csv_out import csv_text
from projections.queries import Queries
from projections.statuses import STATUS_KEY
from projections.summary import changes, summary
from projections.workbook import action_workbook

_environment = Environment(
    loader=PackageLoader("projections", "templates"),
    # "report.html.j2" ends in neither .html nor .j2 alone: list the double suffix or nothing is escaped.
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def change_phrases(m: dict[str, Any]) -> list[str]:
    """One action's moves since the last committee, as short phrases for the report."""
    phrases = []
    if m.get("new_action"):
        phrases.append("new action")
    if "status" in m and m["status"][0]:
        phrases.append(f"status {m['status'][0]} → {m['status'][1]}")
    if "progress_delta" in m:
        phrases.append(f"progress {m['progress'][0]}% → {m['progress'][1]}%")
    for r in m.get("due_date_revisions", []):
        phrases.append(f"due date moved {r['from']} → {r['to']} ({r['reason']})")
    if "due_date_revisions" in m:
        phrases.append(f"slipped {m['slips_since_original']}× since the original {m['original_due_date']}")
    if "owners" in m:
        phrases.append(f"owners {', '.join(m['owners'][0])} → {', '.join(m['owners'][1])}")
    if m.get("completed"):
        phrases.append("completed")
    if m.get("cancelled"):
        phrases.append("cancelled")
    if m.get("new_notes"):
        count = len(m["new_notes"])
        phrases.append(f"{count} new note{'' if count == 1 else 's'}")
    for claim in m.get("awaiting_sign_off", []):
        phrases.append(awaiting_phrase(claim))
    return phrases


def awaiting_phrase(claim: dict[str, Any]) -> str:
    """ "claims complete (Pat Preece, effective 2015-03-25): awaiting sign-off by …, since 2015-03-25"."""
    return (
        f"claims {claim['proposed']} ({claim['claimant']}, effective {claim['effective_on']}): "
        f"awaiting sign-off by {claim['awaiting']}, since {claim['since'][:10]}"
    )


_environment.filters["awaiting_phrase"] = awaiting_phrase


_environment.filters["change_phrases"] = change_phrases


def report_data(
    queries: Queries,
    engine: Engine,
    plan_code: str,
    *,
    as_at: date,
    known_at: datetime | None = None,
    since: date | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    plan = queries.resolve_plan(plan_code)
    actions = queries.actions(plan["code"], as_at=as_at, known_at=known_at)
    by_priority: dict[int | None, list[dict[str, Any]]] = {}
    for action in actions:
        by_priority.setdefault((action["priority_area"] or {}).get("number"), []).append(action)
    moved = changes(queries, engine, plan["code"], from_date=since, to_date=as_at, known_at=known_at)["actions"] if since else []
    sections = [
        {
            **p,
            "actions": by_priority.get(p["number"], []),
            "changed": [m for m in moved if (m["priority_area"] or {}).get("number") == p["number"]],
        }
        for p in queries.priorities(plan["code"])
    ]
    if None in by_priority:
        sections.append({"number": None, "name": "(no priority area)", "description": "", "actions": by_priority[None], "changed": []})
    return {
        "plan": {"code": plan["code"], "title": plan["title"], "description": plan["description"], "warning_days": plan["warning_days"]},
        "as_at": as_at.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "since": since.isoformat() if since else None,
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "summary": summary(queries, plan["code"], as_at=as_at, known_at=known_at),
        # The chain head when this report was made: `plantrail verify --seal` proves later that
        # no event up to here has changed since.
        "seal": current_seal(engine),
        "sections": sections,
    }


def render_html(data: dict[str, Any]) -> str:
    return _environment.get_template("report.html.j2").render(data=data, status_key=STATUS_KEY)


ACTION_COLUMNS = [
    "plan",
    "priority_number",
    "priority_area",
    "code",
    "title",
    "owners",
    "due_date",
    "original_due_date",
    "due_date_revisions",
    "progress",
    "status",
    "priority",
    "lifecycle",
    "latest_note_on",
    "latest_note",
    "awaiting_sign_off",
]
CSV_COLUMNS = ACTION_COLUMNS[1:]  # the report is one plan's


def flat_action(a: dict[str, Any]) -> dict[str, Any]:
    """One action as one flat row: what the CSV and spreadsheet outputs show."""
    area = a["priority_area"] or {}
    note = a.get("latest_note") or {}
    return {
        "plan": a["plan"],
        "priority_number": area.get("number"),
        "priority_area": area.get("name") or "(no priority area)",
        "code": a["code"],
        "title": a["title"],
        "owners": a["owners"],
        "due_date": a["due_date"],
        "original_due_date": a["original_due_date"],
        "due_date_revisions": a["due_date_revisions"],
        "progress": a["progress"],
        "status": a["status"],
        "priority": a["priority"] or "",
        "lifecycle": a["lifecycle"],
        "latest_note_on": note.get("effective_on", ""),
        "latest_note": note.get("text", ""),
        "awaiting_sign_off": "; ".join(awaiting_phrase(c) for c in a.get("awaiting_sign_off", [])),
    }


def report_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per action, in report order."""
    return [flat_action(a) for section in data["sections"] for a in section["actions"]]


def render_csv(data: dict[str, Any]) -> str:
    return csv_text(report_rows(data), CSV_COLUMNS)


def render_xlsx(data: dict[str, Any]) -> bytes:
    """The report as a workbook: the summary, then one sheet per strategic priority."""
    known = f", as known at {data['known_at']}" if data["known_at"] else ""
    heading = f"{data['plan']['code']} {data['plan']['title']} — as at {data['as_at']}{known}"
    sections = [
        (f"{s['number']}. {s['name']}" if s["number"] else s["name"], [flat_action(a) for a in s["actions"]]) for s in data["sections"]
    ]
    return action_workbook(heading, sections)


def render_actions_xlsx(actions: list[dict[str, Any]], *, heading: str) -> bytes:
    """Any list of actions (one plan's or several) as a workbook: one sheet per plan's priority."""
    several_plans = len({a["plan"] for a in actions}) > 1
    sections: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    labels: dict[tuple[str, Any], str] = {}
    for a in actions:
        area = a["priority_area"] or {}
        key = (a["plan"], area.get("number"))
        label = f"{area['number']}. {area['name']}" if area else "(no priority area)"
        labels[key] = f"{a['plan']} {label}" if several_plans else label
        sections.setdefault(key, []).append(flat_action(a))
    return action_workbook(heading, [(labels[key], rows) for key, rows in sections.items()])
