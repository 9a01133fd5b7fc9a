"""The baseline: plain eventsourcing aggregates with the same events and payloads as plantrail's,
no explicit topics, no validation, saved through a plain ``Application``."""

from __future__ import annotations

from datetime import date

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder

from domain.action import Action
from domain.transcodings import DateAsISO


class RawAction(Aggregate):
    def __init__(self, plan_code, code, title, description, owners, due_date, priority, priority_number, actor, effective_on, reason):
        self.state = {"code": code, "notes": [], "subs": 0}

    @event("ProgressUpdated")
    def progress_updated(self, progress: int, actor: str, effective_on: date, reason: str | None) -> None:
        self.state["progress"] = progress

    @event("NoteAdded")
    def note_added(self, text: str, author: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.state["notes"].append(text)

    @event("SubActionAdded")
    def sub_action_added(self, number: int, details: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.state["subs"] += 1

    @event("SubActionNoteAdded")
    def sub_action_note_added(self, number: int, text: str, author: str, actor: str, effective_on: date, reason: str | None) -> None:
        pass

    @event("DueDateRevised")
    def due_date_revised(self, due_date: date, actor: str, effective_on: date, reason: str | None) -> None:
        self.state["due"] = due_date

    @event("OwnersChanged")
    def owners_changed(self, owners: list, actor: str, effective_on: date, reason: str | None) -> None:
        self.state["owners"] = owners

    @event("PriorityChanged")
    def priority_changed(self, priority: str | None, actor: str, effective_on: date, reason: str | None) -> None:
        self.state["priority"] = priority


_METHODS = {
    "ProgressUpdated": RawAction.progress_updated,
    "NoteAdded": RawAction.note_added,
    "SubActionAdded": RawAction.sub_action_added,
    "SubActionNoteAdded": RawAction.sub_action_note_added,
    "DueDateRevised": RawAction.due_date_revised,
    "OwnersChanged": RawAction.owners_changed,
    "PriorityChanged": RawAction.priority_changed,
}
_SKIP = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def raw_copy(action: Action) -> RawAction:
    """A raw aggregate whose events carry the same values as ``action``'s pending events."""
    first, *rest = action.pending_events
    created = {k: v for k, v in first.__dict__.items() if k not in _SKIP}
    raw = RawAction(**created)
    for pending in rest:
        _METHODS[type(pending).__name__](raw, **{k: v for k, v in pending.__dict__.items() if k not in _SKIP})
    return raw


class RawApplication(Application):
    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
