"""A whole plan as plain values, the shape every importer produces and ``import_plans`` consumes.

``source`` on each part is a human-readable location ("plan.json: actions[3]", "plan.csv: row 7")
so that a rule broken deep in the domain can still be reported against the input that broke it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class DatedText:
    text: str
    author: str
    effective_on: date
    source: str = ""


@dataclass(frozen=True)
class Evidence:
    text: str
    effective_on: date | None = None  # None: as of the day the action was added


@dataclass(frozen=True)
class ProgressFigure:
    progress: int
    effective_on: date
    source: str = ""


@dataclass(frozen=True)
class SubActionSpec:
    details: str
    notes: list[DatedText] = field(default_factory=list)
    source: str = ""


@dataclass(frozen=True)
class ActionSpec:
    code: str
    title: str
    description: str
    owners: list[str]
    due_date: date | None
    priority: str | None
    priority_number: int | None
    added_on: date | None = None
    original_due_date: date | None = None
    lifecycle: str = "open"
    progress: list[ProgressFigure] = field(default_factory=list)
    notes: list[DatedText] = field(default_factory=list)
    sub_actions: list[SubActionSpec] = field(default_factory=list)
    success_measures: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    source: str = ""


@dataclass(frozen=True)
class PersonSpec:
    name: str
    initials: str | None = None
    email: str | None = None
    role: str | None = None
    manager: str | None = None
    source: str = ""


@dataclass(frozen=True)
class PrioritySpec:
    number: int
    name: str
    description: str = ""
    source: str = ""


@dataclass(frozen=True)
class CommitteeSpec:
    meets_on: date
    committee: str
    report_deadline: date | None = None
    source: str = ""


@dataclass(frozen=True)
class PlanDocument:
    code: str
    title: str
    description: str = ""
    timezone: str = "Europe/London"
    warning_days: int = 14
    sponsor: str | None = None
    created_on: date | None = None
    # Sign-off settings; None leaves the plan's current (or default) value alone.
    sign_off: str | None = None
    sign_off_days: int | None = None
    notify_rejection: str | None = None
    priorities: list[PrioritySpec] = field(default_factory=list)
    committees: list[CommitteeSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    actions: list[ActionSpec] = field(default_factory=list)
    source: str = ""
