"""The Plan aggregate: a plan's identity, its strategic priorities and its committee calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from domain.errors import BadInputError, RuleViolation
from domain.events import RecordedEvent
from domain.ids import plan_id
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
