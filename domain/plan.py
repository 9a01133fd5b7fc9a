"""The Plan aggregate: a plan's identity, its strategic priorities and its committee calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from domain.errors import BadInputError, RuleViolation
from domain.events import RecordedEvent
from domain.ids import plan_id
from domain.sign_off import (
    DEFAULT_NOTIFY_REJECTION,
    DEFAULT_SIGN_OFF,
    DEFAULT_SIGN_OFF_DAYS,
    checked_days,
    checked_mode,
    checked_notify_rejection,
)
from domain.text import NAME_MAX, TEXT_MAX, TITLE_MAX, checked_text, clipped, optional_text
from domain.timeliness import DEFAULT_WARNING_DAYS

DEFAULT_TIMEZONE = "Europe/London"


class Plan(Aggregate):
    """An improvement action plan, e.g. ``SOS 001 Children's Inspection Action Plan``."""

    TOPIC = "plantrail:Plan"

    class Event(RecordedEvent):
        TOPIC = "plantrail:Plan.Event"

    class PlanCreated(Event, Aggregate.Created):
        TOPIC = "plantrail:Plan.PlanCreated"
        code: str
        title: str
        description: str
        timezone: str
        warning_days: int
        sponsor: str | None

    class PriorityAdded(Event):
        TOPIC = "plantrail:Plan.PriorityAdded"
        number: int
        name: str
        description: str

    class CommitteeDateScheduled(Event):
        TOPIC = "plantrail:Plan.CommitteeDateScheduled"
        meets_on: date
        committee: str
        report_deadline: date | None

    class SignOffConfigured(Event):
        """The plan's sign-off setting: which claims wait (``sign_off``), after how many days a
        waiting claim escalates, and whether a rejection is mailed at once or in the digest."""

        TOPIC = "plantrail:Plan.SignOffConfigured"
        sign_off: str
        sign_off_days: int
        notify_rejection: str

    @classmethod
    def create(
        cls,
        *,
        code: str,
        title: str,
        description: str = "",
        timezone: str = DEFAULT_TIMEZONE,
        warning_days: int = DEFAULT_WARNING_DAYS,
        sponsor: str | None = None,
        actor: str,
        effective_on: date,
    ) -> Plan:
        if isinstance(warning_days, bool) or not isinstance(warning_days, int) or not 0 <= warning_days <= 365:
            raise BadInputError(f"warning_days: must be a whole number of days from 0 to 365, got {clipped(warning_days)}")
        return cls._create(
            cls.PlanCreated,
            id=plan_id(code),
            code=checked_text("code", code, max_length=NAME_MAX, multiline=False),
            title=checked_text("title", title, max_length=TITLE_MAX),
            description=optional_text("description", description, max_length=TEXT_MAX) or "",
            timezone=timezone,
            warning_days=warning_days,
            sponsor=sponsor,
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    def __init__(
        self,
        code: str,
        title: str,
        description: str,
        timezone: str,
        warning_days: int,
        sponsor: str | None,
        actor: str,
        effective_on: date,
        reason: str | None,
    ) -> None:
        self.code = code
        self.title = title
        self.description = description
        self.timezone = timezone
        self.warning_days = warning_days
        self.sponsor = sponsor
        self.priorities: dict[int, dict[str, Any]] = {}
        self.committee_dates: list[dict[str, Any]] = []
        # Plans that never configured sign-off (all of them, before it existed) use the defaults.
        self.sign_off = DEFAULT_SIGN_OFF
        self.sign_off_days = DEFAULT_SIGN_OFF_DAYS
        self.notify_rejection = DEFAULT_NOTIFY_REJECTION

    def add_priority(self, number: int, name: str, description: str = "", *, actor: str, effective_on: date) -> None:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise BadInputError(f"priority number: must be a whole number from 1, got {clipped(number)}")
        if number in self.priorities:
            raise RuleViolation(f"priority number: {self.code} already has priority {number}")
        self._priority_added(
            number=number,
            name=checked_text("priority name", name, max_length=TITLE_MAX),
            description=optional_text("priority description", description, max_length=TEXT_MAX) or "",
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    def schedule_committee(
        self, meets_on: date, committee: str, report_deadline: date | None = None, *, actor: str, effective_on: date
    ) -> None:
        if any(c["meets_on"] == meets_on and c["committee"] == committee for c in self.committee_dates):
            raise RuleViolation(f"committee date: {committee} on {meets_on.isoformat()} is already scheduled")
        if report_deadline is not None and report_deadline > meets_on:
            raise RuleViolation("report_deadline: must be on or before the meeting date")
        self._committee_scheduled(
            meets_on=meets_on,
            committee=checked_text("committee", committee, max_length=TITLE_MAX),
            report_deadline=report_deadline,
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    @event(PriorityAdded)
    def _priority_added(self, number: int, name: str, description: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.priorities[number] = {"number": number, "name": name, "description": description}

    @event(CommitteeDateScheduled)
    def _committee_scheduled(
        self, meets_on: date, committee: str, report_deadline: date | None, actor: str, effective_on: date, reason: str | None
    ) -> None:
        self.committee_dates.append({"meets_on": meets_on, "committee": committee, "report_deadline": report_deadline})

    def sign_off_settings(self) -> dict[str, Any]:
        return {"sign_off": self.sign_off, "sign_off_days": self.sign_off_days, "notify_rejection": self.notify_rejection}

    def configure_sign_off(
        self,
        *,
        sign_off: str | None = None,
        sign_off_days: int | None = None,
        notify_rejection: str | None = None,
        actor: str,
        effective_on: date,
        reason: str | None = None,
    ) -> bool:
        """Change any of the sign-off settings (None keeps one); False when nothing changes."""
        mode = self.sign_off if sign_off is None else checked_mode(sign_off)
        days = self.sign_off_days if sign_off_days is None else checked_days(sign_off_days)
        notify = self.notify_rejection if notify_rejection is None else checked_notify_rejection(notify_rejection)
        if (mode, days, notify) == (self.sign_off, self.sign_off_days, self.notify_rejection):
            return False
        self._sign_off_configured(
            sign_off=mode,
            sign_off_days=days,
            notify_rejection=notify,
            actor=actor,
            effective_on=effective_on,
            reason=optional_text("reason", reason, max_length=TEXT_MAX),
        )
        return True

    @event(SignOffConfigured)
    def _sign_off_configured(
        self, sign_off: str, sign_off_days: int, notify_rejection: str, actor: str, effective_on: date, reason: str | None
    ) -> None:
        self.sign_off = sign_off
        self.sign_off_days = sign_off_days
        self.notify_rejection = notify_rejection
