"""The line a write prints: what it did to the action and the status it now has. Apart from the
report (jinja2, openpyxl) so that a write loads neither."""

from __future__ import annotations

from typing import Any


def what_changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What one write did to an action, as short phrases: the confirmation a write prints."""
    phrases = []
    if before["progress"] != after["progress"]:
        phrases.append(f"progress {before['progress']}% → {after['progress']}%")
    if before["lifecycle"] != after["lifecycle"]:
        phrases.append(f"{before['lifecycle']} → {after['lifecycle']}")
    if before["due_date"] != after["due_date"]:
        phrases.append(f"due {before['due_date'] or '—'} → {after['due_date']}")
    if before["owners"] != after["owners"]:
        phrases.append(f"owners {'; '.join(before['owners'])} → {'; '.join(after['owners'])}")
    notes = len(after.get("notes", [])) - len(before.get("notes", []))
    sub_notes = sum(len(x["notes"]) for x in after.get("sub_actions", [])) - sum(len(x["notes"]) for x in before.get("sub_actions", []))
    if notes > 0:
        phrases.append("note added" if notes == 1 else f"{notes} notes added")
    if sub_notes > 0:
        phrases.append("sub-action note added")
    return phrases


def confirmation(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """``SOS 001/SS_ICSAP_IMP1: progress 70% → 85%, note added; status Warning as at 2015-03-25.``"""
    done = "added" if before is None else ", ".join(what_changed(before, after)) or "recorded (not visible as at today)"
    return f"{after['plan']}/{after['code']}: {done}; status {after['status']} as at {after['status_as_at']}."
