"""The people use cases of ``PlanTrail``: one rule for names, registering, editing, roles.

A mixin of the application, kept apart so each module stays readable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from domain.access import ADMIN
from domain.action_rules import required_reason
from domain.errors import BadInputError, ConflictError, DuplicateCodeError
from domain.ids import person_id
from domain.names import NameIndex, UnknownPersonError, tidy
from domain.person import Person, refuse_manager_loop
from domain.text import clipped

if TYPE_CHECKING:
    from domain.application import PlanTrail


class LastAdminError(ConflictError):
    """Revoking the only admin's role would leave nobody to manage people and roles."""


class PeopleUseCases:
    """People as the domain knows them: matched by a normalised name, registered, edited, given roles."""

    def person_name(self, name: str, *, field: str = "owner", known: NameIndex | None = None) -> str:
        """The registered spelling of ``name`` (``domain.names``): registered people first, then
        people registered in the same batch (``known``); else an error offering the closest."""
        app = cast("PlanTrail", self)
        if app.exists(person_id(name)):
            return app.get_person(name).name
        found = known.get(name) if known is not None else None
        if found is not None:
            return found
        raise UnknownPersonError(field, name, [*app.people_directory(), *(known.names() if known else [])])

    def require_people(self, names: Iterable[str], *, known: NameIndex | None = None, field: str = "owner") -> list[str]:
        """Owners must be registered people (or be registered in the same batch: ``known``);
        returns their registered spellings, each once, in the order given."""
        app = cast("PlanTrail", self)
        canonical = [app.person_name(name, field=field, known=known) for name in names]
        return list(dict.fromkeys(canonical))

    def edit_person(
        self, name: str, *, changes: dict[str, str | None], reason: str | None, actor: str, effective_on: date | None = None
    ) -> str:
        """Change a person's ``email``, ``manager`` or ``role`` (the keys given in ``changes``;
        None clears one) as an event with its reason. Returns the person's registered name."""
        app = cast("PlanTrail", self)
        unknown = set(changes) - {"email", "manager", "role"}
        if unknown:
            raise BadInputError(f"person: cannot edit {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        reason = required_reason(reason, "change a person's details")
        if changes.get("manager"):
            changes = {**changes, "manager": app.person_name(str(changes["manager"]), field="manager")}
            refuse_manager_loop(app.person_name(name, field="person"), changes["manager"], app.manager_of)
        person = app._change(
            lambda: app.get_person(app.person_name(name, field="person")),
            lambda p: p.change_contact(
                email=changes.get("email", p.email),
                manager=changes.get("manager", p.manager),
                role=changes.get("role", p.role),
                reason=reason,
                actor=actor,
                effective_on=effective_on or app.today(),
            ),
        )
        return person.name

    def register_person(self, *, name: str, actor: str, effective_on: date | None = None, **details: Any) -> UUID:
        app = cast("PlanTrail", self)
        if app.exists(person_id(name)):
            raise DuplicateCodeError(f"person: {clipped(name)} is already registered as {clipped(app.get_person(name).name)}", field="name")
        if details.get("manager"):
            details["manager"] = app.person_name(details["manager"], field="manager")
        person = Person.register(
            name=tidy(name) if isinstance(name, str) else name, actor=actor, effective_on=effective_on or app.today(), **details
        )
        app.save(person)
        return person.id

    def grant_role(
        self, name: str, role: str, plan_code: str | None, *, actor: str, reason: str | None, effective_on: date | None = None
    ) -> None:
        """Give a person a role (clerk of a plan, admin, viewer), as an event with its reason."""
        app = cast("PlanTrail", self)
        app._role_change(Person.grant_role, name, role, plan_code, actor=actor, reason=reason, effective_on=effective_on)

    def revoke_role(
        self, name: str, role: str, plan_code: str | None, *, actor: str, reason: str | None, effective_on: date | None = None
    ) -> None:
        """Take a role away, as an event with its reason (the grant stays in the history).
        The last admin keeps theirs: without one nobody could manage people or roles on the web."""
        app = cast("PlanTrail", self)
        if isinstance(role, str) and role.strip().lower() == ADMIN and not plan_code:
            app._refuse_removing_last_admin(name)
        app._role_change(Person.revoke_role, name, role, plan_code, actor=actor, reason=reason, effective_on=effective_on)

    def _refuse_removing_last_admin(self, name: str) -> None:
        app = cast("PlanTrail", self)
        person = app.get_person(name)
        if (ADMIN, None) not in person.roles:
            return  # Person.revoke_role says they are not an admin
        # Asked only when revoking admin, so loading each person is cheap enough (hundreds at most).
        for other in app.people_directory():
            if person_id(other) != person.id and app.exists(person_id(other)) and (ADMIN, None) in app.get_person(other).roles:
                return
        raise LastAdminError(
            f"role: {person.name} is the only admin; grant admin to someone else first, or nobody could manage people and roles",
            field="role",
        )

    def _role_change(
        self,
        change: Callable[..., None],
        name: str,
        role: str,
        plan_code: str | None,
        *,
        actor: str,
        reason: str | None,
        effective_on: date | None,
    ) -> None:
        app = cast("PlanTrail", self)
        plan = app.plan_as_stored(plan_code).code if plan_code else None
        on = effective_on or app.today()
        app._change(lambda: app.get_person(name), lambda p: change(p, role, plan, actor=actor, reason=reason, effective_on=on))
