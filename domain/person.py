"""The Person aggregate: someone who owns actions, writes notes or receives reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from eventsourcing.domain import Aggregate, event

from domain.access import checked_grant
from domain.email_address import canonical_addr_spec
from domain.errors import ActionAlreadyInStateError, BadInputError, InvalidTextError, ReasonRequiredError
from domain.events import RecordedEvent
from domain.ids import person_id
from domain.text import NAME_MAX, TEXT_MAX, checked_text, clipped, optional_text


def checked_email(value: str | None) -> str | None:
    """Exactly one RFC 5322 addr-spec (see ``domain.email_address``), or None for no address:
    a person without an email is legitimate (their reminders are reported, not sent)."""
    email = optional_text("email", value, max_length=NAME_MAX)
    if email is None:
        return None
    try:
        return canonical_addr_spec(email)
    except ValueError as problem:
        raise InvalidTextError(f"email: {clipped(email)} {problem}", field="email") from None


class Person(Aggregate):
    """A named person; the name is the natural key (the way Covalent lists owners)."""

    TOPIC = "plantrail:Person"

    class Event(RecordedEvent):
        TOPIC = "plantrail:Person.Event"

    class PersonRegistered(Event, Aggregate.Created):
        TOPIC = "plantrail:Person.PersonRegistered"
        name: str
        initials: str | None
        email: str | None
        role: str | None
        manager: str | None

    class PersonContactChanged(Event):
        TOPIC = "plantrail:Person.PersonContactChanged"
        email: str | None
        manager: str | None
        role: str | None

    class RoleGranted(Event):
        """A role given to the person: ``clerk`` of ``plan_code``, or ``admin`` / ``viewer`` (no plan)."""

        TOPIC = "plantrail:Person.RoleGranted"
        role: str
        plan_code: str | None

    class RoleRevoked(Event):
        """A role taken away again; the grant stays in the history."""

        TOPIC = "plantrail:Person.RoleRevoked"
        role: str
        plan_code: str | None

    @classmethod
    def register(
        cls,
        *,
        name: str,
        initials: str | None = None,
        email: str | None = None,
        role: str | None = None,
        manager: str | None = None,
        actor: str,
        effective_on: date,
    ) -> Person:
        clean_name = checked_text("name", name, max_length=NAME_MAX, multiline=False)
        return cls._create(
            cls.PersonRegistered,
            id=person_id(clean_name),
            name=clean_name,
            initials=optional_text("initials", initials, max_length=20),
            email=checked_email(email),
            role=optional_text("role", role, max_length=NAME_MAX),
            manager=optional_text("manager", manager, max_length=NAME_MAX),
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    def __init__(
        self,
        name: str,
        initials: str | None,
        email: str | None,
        role: str | None,
        manager: str | None,
        actor: str,
        effective_on: date,
        reason: str | None,
    ) -> None:
        self.name = name
        self.initials = initials
        self.email = email
        self.role = role
        self.manager = manager
        self.roles: set[tuple[str, str | None]] = set()

    def change_contact(
        self, *, email: str | None, manager: str | None, role: str | None, actor: str, effective_on: date, reason: str | None = None
    ) -> None:
        new = (
            checked_email(email),
            optional_text("manager", manager, max_length=NAME_MAX),
            optional_text("role", role, max_length=NAME_MAX),
        )
        if new[1] is not None and person_id(new[1]) == self.id:
            # Sign-off goes to an owner's manager: their own manager would sign off their own claims.
            raise BadInputError(f"manager: {self.name} cannot be their own manager", field="manager")
        if new == (self.email, self.manager, self.role):
            raise ActionAlreadyInStateError(f"{self.name}: contact details are unchanged")
        self._contact_changed(email=new[0], manager=new[1], role=new[2], actor=actor, effective_on=effective_on, reason=reason)

    @event(PersonContactChanged)
    def _contact_changed(
        self, email: str | None, manager: str | None, role: str | None, actor: str, effective_on: date, reason: str | None
    ) -> None:
        self.email = email
        self.manager = manager
        self.role = role

    def grant_role(self, role: str, plan_code: str | None, *, actor: str, reason: str | None, effective_on: date) -> None:
        grant = checked_grant(role, plan_code)
        if grant in self.roles:
            raise ActionAlreadyInStateError(f"role: {self.name} is already {_role_phrase(*grant)}")
        self._role_granted(role=grant[0], plan_code=grant[1], actor=actor, effective_on=effective_on, reason=_role_reason(reason))

    def revoke_role(self, role: str, plan_code: str | None, *, actor: str, reason: str | None, effective_on: date) -> None:
        grant = checked_grant(role, plan_code)
        if grant not in self.roles:
            raise ActionAlreadyInStateError(f"role: {self.name} is not {_role_phrase(*grant)}")
        self._role_revoked(role=grant[0], plan_code=grant[1], actor=actor, effective_on=effective_on, reason=_role_reason(reason))

    @event(RoleGranted)
    def _role_granted(self, role: str, plan_code: str | None, actor: str, effective_on: date, reason: str | None) -> None:
        self.roles.add((role, plan_code))

    @event(RoleRevoked)
    def _role_revoked(self, role: str, plan_code: str | None, actor: str, effective_on: date, reason: str | None) -> None:
        self.roles.discard((role, plan_code))


class ManagerLoopError(BadInputError):
    """A manager change that would close a loop: people in it could sign off each other's claims."""


def refuse_manager_loop(name: str, manager: str | None, manager_of: Callable[[str], str | None]) -> None:
    """Refuse ``manager`` for ``name`` when ``name`` already manages them, directly or down a
    chain; ``manager_of`` gives anyone's current manager (None for nobody or someone unknown)."""
    if manager is None:
        return
    chain, seen = [manager], {person_id(manager)}
    while (above := manager_of(chain[-1])) is not None:
        chain.append(above)
        if person_id(above) == person_id(name):
            links = " who is managed by ".join(chain[1:])
            raise ManagerLoopError(
                f"manager: {manager} is managed by {links}, so {above} cannot be managed by {manager} (they would sign off each other's claims)",
                field="manager",
            )
        if person_id(above) in seen:
            return  # a loop further up that does not pass through ``name``: not this change's doing
        seen.add(person_id(above))


def _role_phrase(role: str, plan_code: str | None) -> str:
    return f"{role} of {plan_code}" if plan_code else role


def _role_reason(reason: str | None) -> str:
    # Who may do what is what auditors ask about first: every grant and revocation says why.
    if reason is None or not reason.strip():
        raise ReasonRequiredError("reason: a reason is required to grant or revoke a role")
    return checked_text("reason", reason, max_length=TEXT_MAX)
