"""Data as older plantrail versions (or other writers) could leave it in a store: built from the
aggregates directly, past checks that today's use cases make."""

from __future__ import annotations

from datetime import date

from domain.ids import person_id
from domain.person import Person
from domain.plan import Plan

LONG_AGO = date(2015, 1, 1)


def legacy_person(name: str, email: str | None, manager: str | None = None) -> Person:
    """An older email check let ``a@b.org;c@d.org`` through, and a manager need not be registered."""
    return Person._create(
        Person.PersonRegistered,
        id=person_id(name),
        name=name,
        initials=None,
        email=email,
        role=None,
        manager=manager,
        actor="old import",
        effective_on=LONG_AGO,
        reason=None,
    )


def legacy_plan(code: str, title: str, sponsor: str | None) -> Plan:
    """A sponsor need not be a registered person."""
    return Plan.create(code=code, title=title, sponsor=sponsor, actor="old import", effective_on=LONG_AGO)
