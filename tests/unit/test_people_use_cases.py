"""People's use cases (domain.people_use_cases) through the application on the in-memory store:
names matched in any spelling and stored in the registered one, details edited with a reason,
roles granted and revoked. Clock and plan as in tests.unit.test_application (1 July in London).
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import ActionAlreadyInStateError, BadInputError, DuplicateCodeError, PlanNotFoundError, ReasonRequiredError
from domain.ids import person_id
from domain.names import NameIndex, UnknownPersonError
from domain.people_use_cases import LastAdminError
from domain.person import ManagerLoopError
from tests.unit.test_application import LONDON_TODAY, new_app


def person_events(app, name: str) -> list:
    return list(app.events.get(person_id(name)))


def test_a_name_is_answered_in_its_registered_spelling_or_from_the_batch_or_refused_naming_the_field():
    app = new_app()
    app.people_directory = lambda: ["Liam Purdie", "Pat Preece"]
    assert app.person_name(" pat  PREECE") == "Pat Preece"
    batch = NameIndex(["Val DeSouza"])
    assert app.person_name("val desouza", known=batch) == "Val DeSouza"
    with pytest.raises(UnknownPersonError) as refused:
        app.person_name("Val De Souza")
    assert str(refused.value) == "owner: 'Val De Souza' is not a registered person"
    with pytest.raises(UnknownPersonError) as near_batch:
        app.person_name("Val De Souza", known=batch, field="manager")
    assert str(near_batch.value) == "manager: 'Val De Souza' is not a registered person; did you mean 'Val DeSouza'?"
    assert near_batch.value.field == "manager"


def test_required_people_are_each_named_once_in_the_order_given_and_refused_by_field():
    app = new_app()
    assert app.require_people(["liam purdie", "Pat Preece", "LIAM PURDIE"]) == ["Liam Purdie", "Pat Preece"]
    with pytest.raises(UnknownPersonError) as refused:
        app.require_people(["Pat Preece", "Zed"], field="approver")
    assert (str(refused.value), refused.value.field) == ("approver: 'Zed' is not a registered person", "approver")


def test_a_person_is_registered_tidied_today_with_a_registered_manager():
    app = new_app()
    app.register_person(name="  Val   DeSouza ", manager="liam purdie", role="Clerk", actor="admin")
    val = app.get_person("val desouza")
    assert (val.name, val.manager, val.role) == ("Val DeSouza", "Liam Purdie", "Clerk")
    assert [e.effective_on for e in person_events(app, "Val DeSouza")] == [LONDON_TODAY]
    with pytest.raises(UnknownPersonError) as refused:
        app.register_person(name="Sam Smith", manager="Nobody Known", actor="admin")
    assert (str(refused.value), refused.value.field) == ("manager: 'Nobody Known' is not a registered person", "manager")
    assert not app.exists(person_id("Sam Smith"))


def test_a_person_registered_twice_in_any_spelling_is_refused_naming_the_first_spelling():
    app = new_app()
    with pytest.raises(DuplicateCodeError) as refused:
        app.register_person(name="PAT preece", actor="admin")
    assert str(refused.value) == "person: 'PAT preece' is already registered as 'Pat Preece'"
    assert refused.value.field == "name"
    assert len(person_events(app, "Pat Preece")) == 1


def test_editing_a_person_changes_only_the_details_given_with_a_reason_on_the_date():
    app = new_app()
    app.register_person(name="Val DeSouza", email="val@example.org", role="Clerk", actor="admin", effective_on=date(2014, 9, 5))
    assert app.edit_person("val  desouza", changes={"manager": "liam purdie"}, reason="new team", actor="admin") == "Val DeSouza"
    val = app.get_person("Val DeSouza")
    assert (val.email, val.manager, val.role) == ("val@example.org", "Liam Purdie", "Clerk")
    app.edit_person(
        "Val DeSouza", changes={"email": None, "role": "Lead"}, reason="left the list", actor="hr", effective_on=date(2015, 6, 1)
    )
    val = app.get_person("Val DeSouza")
    assert (val.email, val.manager, val.role) == (None, "Liam Purdie", "Lead")
    changed = person_events(app, "Val DeSouza")[1:]
    assert [(e.reason, e.actor, e.effective_on) for e in changed] == [
        ("new team", "admin", LONDON_TODAY),
        ("left the list", "hr", date(2015, 6, 1)),
    ]


def test_editing_a_person_is_refused_for_other_fields_without_a_reason_or_for_someone_unknown():
    app = new_app()
    with pytest.raises(BadInputError) as refused:
        app.edit_person("Pat Preece", changes={"name": "P", "initials": "PP", "role": "x"}, reason="r", actor="admin")
    assert (str(refused.value), refused.value.field) == ("person: cannot edit initials, name", "initials")
    with pytest.raises(ReasonRequiredError) as no_reason:
        app.edit_person("Pat Preece", changes={"role": "Lead"}, reason=" ", actor="admin")
    assert str(no_reason.value) == "reason: a reason is required to change a person's details"
    with pytest.raises(UnknownPersonError) as unknown:
        app.edit_person("Pat Preese", changes={"role": "Lead"}, reason="r", actor="admin")
    assert unknown.value.field == "person"
    with pytest.raises(UnknownPersonError) as bad_manager:
        app.edit_person("Pat Preece", changes={"manager": "Liam Purdy"}, reason="r", actor="admin")
    assert bad_manager.value.field == "manager"
    assert len(person_events(app, "Pat Preece")) == 1


def test_a_role_is_granted_and_revoked_for_the_plans_own_code_with_a_reason_on_the_date():
    app = new_app()
    app.grant_role("Pat Preece", "clerk", "sos 001", actor="admin", reason="covers Val")
    assert app.get_person("Pat Preece").roles == {("clerk", "SOS 001")}
    app.grant_role("Pat Preece", "admin", None, actor="admin", reason="IT", effective_on=date(2015, 6, 2))
    app.revoke_role("pat preece", "clerk", "SOS 001", actor="admin", reason="Val back", effective_on=date(2015, 6, 3))
    app.people_directory = lambda: ["Liam Purdie", "Pat Preece"]
    app.grant_role("Liam Purdie", "admin", None, actor="admin", reason="IT")  # the last admin's role cannot go
    app.revoke_role("Pat Preece", "admin", None, actor="it", reason="done")
    assert app.get_person("Pat Preece").roles == set()
    events = person_events(app, "Pat Preece")[1:]
    assert [(type(e).__name__, e.role, e.plan_code, e.reason, e.actor, e.effective_on) for e in events] == [
        ("RoleGranted", "clerk", "SOS 001", "covers Val", "admin", LONDON_TODAY),
        ("RoleGranted", "admin", None, "IT", "admin", date(2015, 6, 2)),
        ("RoleRevoked", "clerk", "SOS 001", "Val back", "admin", date(2015, 6, 3)),
        ("RoleRevoked", "admin", None, "done", "it", LONDON_TODAY),
    ]


def test_a_role_for_a_plan_that_does_not_exist_is_refused():
    app = new_app()
    with pytest.raises(PlanNotFoundError):
        app.grant_role("Pat Preece", "clerk", "NOPE", actor="admin", reason="r")
    app.grant_role("Pat Preece", "viewer", "", actor="admin", reason="read only")
    assert app.get_person("Pat Preece").roles == {("viewer", None)}


def test_a_manager_that_would_close_a_loop_is_refused_for_the_person_in_any_spelling_and_an_unknown_person_named_as_such():
    app = new_app()
    app.edit_person("Liam Purdie", changes={"manager": "Pat Preece"}, reason="new team", actor="admin")
    with pytest.raises(ManagerLoopError) as refused:
        app.edit_person("pat  preece", changes={"manager": "liam purdie"}, reason="restructure", actor="admin")
    assert (str(refused.value), refused.value.field) == (
        "manager: Liam Purdie is managed by Pat Preece, so Pat Preece cannot be managed by Liam Purdie"
        " (they would sign off each other's claims)",
        "manager",
    )
    assert app.get_person("Pat Preece").manager is None
    with pytest.raises(UnknownPersonError) as unknown:
        app.edit_person("Pat Preese", changes={"manager": "Liam Purdie"}, reason="r", actor="admin")
    assert (str(unknown.value), unknown.value.field) == ("person: 'Pat Preese' is not a registered person", "person")


def test_the_only_admin_keeps_the_role_until_another_registered_person_holds_it():
    app = new_app()
    app.people_directory = lambda: ["Liam Purdie", "Nobody Registered", "Pat Preece"]
    app.grant_role("Pat Preece", "admin", None, actor="admin", reason="IT")
    app.grant_role("Pat Preece", "viewer", None, actor="admin", reason="reads")
    app.grant_role("Liam Purdie", "clerk", "SOS 001", actor="admin", reason="clerk")
    with pytest.raises(LastAdminError) as refused:
        app.revoke_role("pat preece", " Admin ", None, actor="it", reason="tidying up")
    assert (str(refused.value), refused.value.field, refused.value.http_status) == (
        "role: Pat Preece is the only admin; grant admin to someone else first, or nobody could manage people and roles",
        "role",
        409,
    )
    app.revoke_role("Pat Preece", "viewer", None, actor="it", reason="no longer reads")  # the last admin loses other roles
    with pytest.raises(ActionAlreadyInStateError) as not_admin:  # not an admin: not a question of the last one
        app.revoke_role("Liam Purdie", "admin", None, actor="it", reason="r")
    assert str(not_admin.value) == "role: Liam Purdie is not admin"
    assert app.get_person("Pat Preece").roles == {("admin", None)}
    app.grant_role("Liam Purdie", "admin", None, actor="admin", reason="second admin")
    app.revoke_role("Pat Preece", "admin", None, actor="it", reason="handing over")
    assert (app.get_person("Pat Preece").roles, app.get_person("Liam Purdie").roles) == (set(), {("admin", None), ("clerk", "SOS 001")})
