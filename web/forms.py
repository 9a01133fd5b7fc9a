"""Form fields → the same parsed values and commands the CLI builds (``domain.commands``,
``plantrail.dates``). Each parser collects every field's problem at once, so a page can show
each message next to its field; nothing is written while any remains."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from domain.commands import ActionCommand, AddNote, AddSubActionNote, ChangeLifecycle, ReviseDueDate, UpdateProgress
from domain.errors import BadInputError, DomainError
from domain.text import clipped
from plantrail.dates import DateFormatError, parse_date

T = TypeVar("T")

# Where the CLI says "--on", a form says "effective date".
FIELD_NAMES = {
    "on": "effective_on",
    "effective date": "effective_on",
    "due date": "due_date",
    "sub-action": "sub_action",
    "sub-action note": "note",
    "reason": "reason",
    # The words FieldReader names a missing field by (``what``), so that beside the field the
    # label alone says which it is.
    "new due date": "due_date",
    "meeting date": "meets_on",
    "days before escalation": "sign_off_days",
}


@dataclass
class FormErrors(Exception):
    """Problems with a form's fields: {field name: message}."""

    messages: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.messages)


def field_of(error: DomainError, fallback: str) -> str:
    """The form field a domain error is about: its ``field``, or the name its message starts with."""
    if error.field:
        return error.field
    head = str(error).split(":", 1)[0].strip()
    return FIELD_NAMES.get(head, head.replace(" ", "_") if head and " " not in head.strip() else fallback)


def beside_field(message: str, name: str) -> str:
    """A field's message as shown beside it: without the "<field>: " the CLI starts it with (the
    field's label says which field; "effective date:" beside "Completed on" only confuses), a
    plain first word capitalised (not a date or a file name). Anything else is left as it is."""
    head, sep, rest = message.partition(": ")
    if not sep or not rest or FIELD_NAMES.get(head, head.replace(" ", "_")) != name:
        return message
    first = rest.split(" ", 1)[0]
    return rest[0].upper() + rest[1:] if first.isalpha() and first.islower() else rest


class FieldReader:
    def __init__(self, form: Mapping[str, Any]) -> None:
        self.form = form
        self.errors = FormErrors()

    def text(self, name: str) -> str | None:
        value = self.form.get(name)
        if not isinstance(value, str) or not value.strip():
            return None
        return value

    def parsed(self, name: str, parse: Callable[[str], T], required: bool = False, what: str = "") -> T | None:
        raw = self.text(name)
        if raw is None:
            if required:
                self.errors.messages[name] = f"{what or name.replace('_', ' ')}: this is needed"
            return None
        try:
            return parse(raw.strip())
        except (DomainError, ValueError) as error:
            self.errors.messages[name] = str(error)
            return None

    def done(self) -> None:
        if self.errors:
            raise self.errors


def _whole_percent(text: str) -> int:
    """A progress figure as typed: "70", or "70%" as the CLI and spreadsheets take it."""
    try:
        value = int(text.strip().removesuffix("%").strip())
    except ValueError:
        raise ValueError(f"progress: must be a whole number from 0 to 100, got {text!r}") from None
    if not 0 <= value <= 100:
        raise ValueError(f"progress: must be from 0 to 100, got {value}")
    return value


def _effective(reader: FieldReader) -> date | None:
    return reader.parsed("effective_on", parse_date)


def progress_command(form: Mapping[str, Any]) -> UpdateProgress:
    r = FieldReader(form)
    progress = r.parsed("progress", _whole_percent, required=True)
    on = _effective(r)
    r.done()
    assert progress is not None
    return build_progress_update(progress, r.text("note"), on)


def build_progress_update(progress: int, note: str | None, effective_on: date | None) -> UpdateProgress:
    """The one place the web builds a progress update: its figures are recorded as from the web."""
    return UpdateProgress(progress, note, effective_on, source="web")


def sub_note_command(form: Mapping[str, Any]) -> AddSubActionNote:
    r = FieldReader(form)
    number = r.parsed("sub_action", int, required=True, what="sub-action")
    text = r.text("note")
    if text is None:
        r.errors.messages["note"] = "note: this is needed"
    on = _effective(r)
    r.done()
    assert number is not None and text is not None
    return AddSubActionNote(number, text, on)


def due_date_command(form: Mapping[str, Any]) -> ReviseDueDate:
    r = FieldReader(form)
    due = r.parsed("due_date", parse_date, required=True, what="new due date")
    reason = r.text("reason")
    if reason is None:
        r.errors.messages["reason"] = "reason: a reason is required to revise a due date"
    on = _effective(r)
    r.done()
    assert due is not None
    return ReviseDueDate(due, reason, on)


def completion_command(form: Mapping[str, Any]) -> ChangeLifecycle:
    """Completion with its evidence, saved together."""
    r = FieldReader(form)
    on = _effective(r)
    r.done()
    return ChangeLifecycle("complete", r.text("reason"), on, r.text("evidence"))


def note_command(form: Mapping[str, Any]) -> AddNote:
    """A note alone: what a completed or cancelled action still takes."""
    r = FieldReader(form)
    text = r.text("note")
    if text is None:
        r.errors.messages["note"] = "note: this is needed"
    on = _effective(r)
    r.done()
    assert text is not None
    return AddNote(text, on)


def reopen_command(form: Mapping[str, Any]) -> ChangeLifecycle:
    """Reopening, with how far the action really is (the domain asks for it when it stands at 100 %)."""
    r = FieldReader(form)
    progress = r.parsed("progress", _whole_percent)
    on = _effective(r)
    r.done()
    return ChangeLifecycle("reopen", r.text("reason"), on, progress=progress, source="web")


def refused_field(error: DomainError, fallback: str) -> tuple[dict[str, str], int]:
    """A refused form's {field: message} and HTTP status, for showing the page again. A name
    typed in a field that matches nobody is bad input (400), not a missing page; a 403, or a 404
    about no field, is re-raised to become its error page."""
    if error.http_status in (403, 404) and not error.field:
        raise error
    return {field_of(error, fallback): str(error)}, 400 if error.http_status == 404 else error.http_status


def form_text(form: Mapping[str, Any], name: str) -> str | None:
    """A text field as sent (None when absent or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else None


def form_version(form: Mapping[str, Any]) -> int | None:
    """The action's version when the form was loaded (sent back in a hidden field)."""
    raw = form.get("version")
    try:
        return int(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def optional_date(text: str | None) -> date | None:
    """A date from a query string; empty means none. Bad input raises ``DateFormatError`` (400)."""
    return parse_date(text) if text and text.strip() else None


def picked_date(text: str | None, name: str, label: str) -> date | None:
    """A date from a date picker (empty means none), refused in the words of the field's label:
    the CLI's "write 31-Mar-2015, 31/03/2015…" means nothing to someone who picked from a calendar."""
    try:
        return optional_date(text)
    except DateFormatError:
        raise BadInputError(f"{label}: {clipped(text or '')} is not a real date; pick one from the calendar", field=name) from None


FORM_COMMANDS: dict[str, Callable[[Mapping[str, Any]], ActionCommand]] = {
    "progress": progress_command,
    "sub-note": sub_note_command,
    "due-date": due_date_command,
    "complete": completion_command,
    "note": note_command,
    "reopen": reopen_command,
}
