"""What an owner or clerk reads for an event on an action's timeline and in the audit trail's
"What changed" column: plain words, never the event's class name, an internal key or a Python
list. The web pages and the audit CSV (``projections.audit.history_csv``) both say it with these
functions; the CSV's ``type`` column keeps the machine name, which filters and exports use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

# Where the class name, split into words, would not say what happened.
EVENT_WORDS = {
    "ActionCompleted": "Completed",
    "ActionCancelled": "Cancelled",
    "ActionReopened": "Reopened",
    "ActionPutOnHold": "Put on hold",
    "SubActionAdded": "Sub-action added",
    "SubActionNoteAdded": "Sub-action note added",
    "ChangeSubmitted": "Change submitted for sign-off",
    "ChangeApproved": "Change approved at sign-off",
    "ChangeRejected": "Change rejected at sign-off",
    "ReminderRaised": "Reminder raised",  # "sent" only once the relay has sent it (event_heading)
    "ReminderUndeliverable": "Reminder could not be delivered",
    "SignOffConfigured": "Sign-off configured",
}
# Keys of an event's changes that identify things for the machine (a reminder's de-duplication
# key: "stale|SOS 001|SS_ICSAP_TRAN3|2015-03-05|142"); the event's text already says it in words.
INTERNAL_CHANGES = frozenset({"reminder"})


def event_words(event_type: str) -> str:
    """ "ProgressUpdated" → "Progress updated"; the table above where that reads badly."""
    if event_type in EVENT_WORDS:
        return EVENT_WORDS[event_type]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", event_type).lower()
    return words[:1].upper() + words[1:]


def event_heading(entry: Mapping[str, Any]) -> str:
    """What happened, for an entry of the trail (``projections.audit.entry``): ``event_words``,
    except that a figure restating the one before it reads "Progress confirmed at 70%", and a
    reminder reads "Reminder sent" once the relay has sent it (``sent``, from
    ``Services.trail``), "Reminder raised" until then."""
    if entry["type"] == "ReminderRaised" and entry.get("sent"):
        return "Reminder sent"
    if entry["type"] == "ProgressUpdated":
        figure = entry["changes"].get("progress")
        if figure and figure[0] == figure[1]:
            return f"Progress confirmed at {figure[1]}%"
    return event_words(entry["type"])


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def shown_value(value: Any, *, dates_in_words: bool = False) -> str:
    """A value before or after a change in plain text: "—" for nothing, a list as "A, B";
    ``dates_in_words`` (the web pages): a date, stored as ISO text in the changes, as
    "28 Mar 2015". The CLI and the CSV keep ISO, as their other dates are."""
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(shown_value(v, dates_in_words=dates_in_words) for v in value) or "—"
    if dates_in_words and isinstance(value, str) and ISO_DATE.fullmatch(value):
        return day(date.fromisoformat(value))
    return str(value)


def shown_changes(changes: dict[str, Any], *, dates_in_words: bool = False) -> list[tuple[str, str, str]]:
    """An event's changes as (words, before, after) in plain text, leaving out the internal keys
    and what stayed the same (a confirmed figure: the heading says it)."""
    return [
        (
            key.replace("_", " "),
            shown_value(change[0], dates_in_words=dates_in_words),
            shown_value(change[1], dates_in_words=dates_in_words),
        )
        for key, change in changes.items()
        if key not in INTERNAL_CHANGES and change[0] != change[1]
    ]


def day(value: date) -> str:
    """ "1 Oct 2026": a date as a person writes it."""
    return f"{value.day} {value:%b %Y}"


def short_day(value: date, as_of: date | None) -> str:
    """ "25 Mar", with the year only when it is not the year of ``as_of``: "25 Mar 2014" (how a
    reminder digest, sent on ``as_of``, writes a date)."""
    return f"{value.day} {value:%b}" if as_of is not None and value.year == as_of.year else day(value)


def shown_day(value: date | str | None) -> str:
    """A date as a page shows it ("2 Apr 2015"), from a date, a datetime or ISO text; "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    elif isinstance(value, datetime):
        value = value.date()
    return day(value)


def shown_time(value: datetime | str | None) -> str:
    """A recorded time as a page shows it, in UTC to the minute ("2 Apr 2015, 14:05 UTC"), from a
    datetime or ISO text (one without a zone is UTC, as SQLite gives it back); "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return f"{day(value.date())}, {value:%H:%M} UTC"


def backdated_progress_message(standing: Mapping[str, Any], effective_on: date) -> str | None:
    """What to say after a progress figure recorded for ``effective_on``, from
    ``Services.figure_as_recorded``; None when the figure recorded is simply the current one."""
    if standing["current_on"] is None:
        return None
    return (
        f"Recorded {standing['recorded']}% as at {day(effective_on)}. The current figure stays {standing['current']}%, "
        f"recorded for a later date ({day(standing['current_on'])})."
    )


def changes_text(changes: dict[str, Any]) -> str:
    """``shown_changes`` on one line: "owners: — → Christine Sutton; due date: … → …"."""
    return "; ".join(f"{words}: {before} → {after}" for words, before, after in shown_changes(changes))


def proposal_in_words(claim: Mapping[str, Any]) -> str:
    """What a claim proposes as a page says it: its ``proposed`` wording
    (``domain.sign_off.proposed_wording``, which the CLI uses with ISO dates), with a
    proposed due date in words ("due date 30 Jun 2015")."""
    from domain.sign_off import proposed_wording  # only pages with a claim need the sign-off rules

    due = claim.get("due_date")
    return proposed_wording(claim["kind"], claim.get("progress"), date.fromisoformat(due) if due else None, show_date=day)
