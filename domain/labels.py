"""Status marks and rule labels: one set of words and icons for the CLI, the report and the web.

Status is never shown by colour alone: each has an icon and a word (and the report a pattern),
so it reads in black-and-white print and for people who do not see colour.
"""

from __future__ import annotations

STATUS_KEY = [
    {"status": "Alert", "icon": "▲", "meaning": "Alert: past its due date and not complete"},
    {"status": "Warning", "icon": "◆", "meaning": "Warning: due within the plan's warning window"},
    {"status": "OK", "icon": "●", "meaning": "OK: within timescale"},
    {"status": "Complete", "icon": "✔", "meaning": "Complete"},
    {"status": "Cancelled", "icon": "✖", "meaning": "Cancelled"},
]
STATUS_ICONS = {key["status"]: key["icon"] for key in STATUS_KEY}

# The summary's count keys (alert, warning, ok, complete, cancelled) and the status they count.
COUNT_STATUS = {key["status"].lower(): key["status"] for key in STATUS_KEY}

RULE_LABELS = {
    "due_soon": "due soon",
    "overdue": "overdue",
    "stale": "no update",
    "committee_round": "committee round",
    "committee_escalation": "committee escalation",
}


def status_mark(status: str) -> str:
    """``▲ Alert``: the icon and the word."""
    icon = STATUS_ICONS.get(status)
    return f"{icon} {status}" if icon else status
