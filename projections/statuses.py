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
