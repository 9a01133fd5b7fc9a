"""How each timeliness status is shown everywhere (report, spreadsheet, CLI, web): icon + word,
readable without colour and in black-and-white print."""

STATUS_KEY = [
    {"status": "Alert", "icon": "▲", "meaning": "Alert: past its due date and not complete"},
    {"status": "Warning", "icon": "◆", "meaning": "Warning: due within the plan's warning window"},
    {"status": "OK", "icon": "●", "meaning": "OK: within timescale"},
    {"status": "Complete", "icon": "✔", "meaning": "Complete"},
    {"status": "Cancelled", "icon": "✖", "meaning": "Cancelled"},
]
STATUS_ICONS = {key["status"]: key["icon"] for key in STATUS_KEY}

# The summary's count keys (alert, warning, ok, complete, cancelled) and the status each counts.
COUNT_STATUS = {key["status"].lower(): key["status"] for key in STATUS_KEY}

# How each reminder rule is named in short (tables, the owner's "latest reminder").
RULE_LABELS = {
    "due_soon": "due soon",
    "overdue": "overdue",
    "stale": "no update",
    "committee_round": "committee round",
    "committee_escalation": "committee escalation",
    "sign_off_awaiting": "awaiting sign-off",
    "sign_off_escalation": "sign-off escalation",
    "sign_off_rejected": "claim not accepted",
}


def status_mark(status: str) -> str:
    """``▲ Alert``: the icon and the word."""
    icon = STATUS_ICONS.get(status)
    return f"{icon} {status}" if icon else status
