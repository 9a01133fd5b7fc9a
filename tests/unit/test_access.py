"""The authorization rules (domain.access) and roles as events on Person."""

from __future__ import annotations

from datetime import date

import pytest

from domain.access import (
    ActionRef,
    Principal,
    checked_grant,
    may_approve_anything,
    may_audit,
    may_manage_people,
    may_read_action,
    may_read_plan,
    may_review_sign_off,
    may_run_committee,
    may_update_action,
)
from domain.errors import ActionAlreadyInStateError, BadInputError, ReasonRequiredError
from domain.person import Person

OWNERS = ["Liam Purdie", "Pat Preece"]


def test_an_owner_updates_their_own_action_and_not_another():
    liam = Principal("Liam Purdie")
    assert may_update_action(liam, "SOS 001", "ARR3", OWNERS)
    assert not may_update_action(liam, "SOS 001", "IMP1", ["Christine Sutton"])


def test_a_manager_updates_the_actions_of_the_people_they_manage():
    val = Principal("Val DeSouza", reports=frozenset({"Liam Purdie"}))
    assert may_update_action(val, "SOS 001", "ARR3", OWNERS)
    assert not may_update_action(val, "SOS 001", "IMP1", ["Christine Sutton"])


def test_a_clerk_updates_every_action_of_their_plans_only():
    cara = Principal("Cara Clerk", grants=frozenset({("clerk", "SOS 001")}))
    assert may_update_action(cara, "SOS 001", "IMP1", ["Christine Sutton"])
    assert not may_update_action(cara, "SS SAAP", "SAAP1.07", ["Liam Purdie"])
    assert may_run_committee(cara, "SOS 001") and not may_run_committee(cara, "SS SAAP")


def test_a_viewer_reads_and_audits_but_updates_nothing():
    vic = Principal("Vic Viewer", grants=frozenset({("viewer", None)}))
    assert may_read_plan(vic, "SOS 001") and may_audit(vic, "SOS 001")
    assert not may_update_action(vic, "SOS 001", "IMP1", ["Christine Sutton"])
    assert not may_run_committee(vic, "SOS 001") and not may_manage_people(vic)


def test_the_audit_trail_is_for_clerks_of_the_plan_admins_and_viewers():
    assert not may_audit(Principal("Liam Purdie"))
    assert may_audit(Principal("Cara", grants=frozenset({("clerk", "SOS 001")})), "SOS 001")
    assert not may_audit(Principal("Cara", grants=frozenset({("clerk", "SOS 001")})), "SS SAAP")
    assert may_audit(Principal("Ada", grants=frozenset({("admin", None)})), "SS SAAP")


def test_a_reminder_link_session_is_for_its_one_action():
    scoped = Principal("Liam Purdie", grants=frozenset({("clerk", "SOS 001")}), only_action=ActionRef("SOS 001", "ARR3"))
    assert may_read_action(scoped, "SOS 001", "ARR3") and may_update_action(scoped, "SOS 001", "ARR3", OWNERS)
    assert not may_read_action(scoped, "SOS 001", "ARR4")
    assert not may_update_action(scoped, "SOS 001", "IMP1", ["Christine Sutton"])  # even as clerk
    assert not may_read_plan(scoped, "SOS 001") and not may_audit(scoped) and not may_run_committee(scoped, "SOS 001")


@pytest.mark.parametrize(
    ("role", "plan", "problem"),
    [("owner", None, "role"), ("clerk", None, "plan"), ("admin", "SOS 001", "plan"), ("", None, "role")],
)
def test_grants_name_a_grantable_role_and_a_plan_only_for_clerks(role, plan, problem):
    with pytest.raises(BadInputError) as caught:
        checked_grant(role, plan)
    assert caught.value.field == problem


def _person() -> Person:
    return Person.register(name="Cara Clerk", email="cara@example.org", actor="admin", effective_on=date(2015, 3, 1))


def test_roles_are_granted_and_revoked_as_events_with_actor_and_reason():
    cara = _person()
    cara.grant_role("clerk", "SOS 001", actor="Ada Admin", reason="runs the committee cycle", effective_on=date(2015, 3, 2))
    cara.revoke_role("clerk", "SOS 001", actor="Ada Admin", reason="moved to finance", effective_on=date(2015, 4, 1))
    events = cara.collect_events()
    granted, revoked = events[-2:]
    assert (type(granted).__name__, granted.actor, granted.reason, granted.role, granted.plan_code) == (
        "RoleGranted",
        "Ada Admin",
        "runs the committee cycle",
        "clerk",
        "SOS 001",
    )
    assert type(revoked).__name__ == "RoleRevoked" and cara.roles == set()


def test_a_grant_needs_a_reason_and_is_not_given_twice():
    cara = _person()
    with pytest.raises(ReasonRequiredError):
        cara.grant_role("viewer", None, actor="Ada", reason=" ", effective_on=date(2015, 3, 2))
    cara.grant_role("viewer", None, actor="Ada", reason="committee member", effective_on=date(2015, 3, 2))
    with pytest.raises(ActionAlreadyInStateError):
        cara.grant_role("viewer", None, actor="Ada", reason="again", effective_on=date(2015, 3, 3))


def test_a_sign_off_link_session_reads_actions_and_reviews_claims_and_does_nothing_else():
    val = Principal(
        "Val DeSouza", grants=frozenset({("clerk", "SOS 001"), ("admin", None)}), reports=frozenset({"Liam Purdie"}), sign_off_only=True
    )
    assert may_review_sign_off(val) and may_read_action(val, "SOS 001", "ARR3")
    assert not may_update_action(val, "SOS 001", "ARR3", OWNERS)  # even as manager and clerk
    assert not (may_read_plan(val, "SOS 001") or may_run_committee(val, "SOS 001") or may_audit(val) or may_manage_people(val))
    assert may_review_sign_off(Principal("Val DeSouza"))  # an ordinary session too
    assert not may_review_sign_off(Principal("Val DeSouza", only_action=ActionRef("SOS 001", "ARR3")))  # not a one-action session


def test_only_a_manager_a_clerk_or_an_admin_could_ever_approve_a_claim():
    assert may_approve_anything(Principal("Val DeSouza", reports=frozenset({"Liam Purdie"})))
    assert may_approve_anything(Principal("Cara Clerk", grants=frozenset({("clerk", "SOS 001")})))
    assert may_approve_anything(Principal("Ada Admin", grants=frozenset({("admin", None)})))
    assert not may_approve_anything(Principal("Vic Viewer", grants=frozenset({("viewer", None)})))
    assert not may_approve_anything(Principal("Liam Purdie"))  # owns actions, manages nobody


def test_who_sets_a_plans_sign_off_names_its_clerks_and_the_administrators():
    from domain.access import who_sets_sign_off

    assert who_sets_sign_off("SOS 001", ["Cara Clerk"], ["Ada Admin", "Bo Admin"]) == (
        "SOS 001's sign-off setting is changed by the clerk of SOS 001 (Cara Clerk) or an administrator (Ada Admin or Bo Admin)."
    )
    assert who_sets_sign_off("SOS 001", ["Cara Clerk", "Dan Clerk"], []) == (
        "SOS 001's sign-off setting is changed by the clerks of SOS 001 (Cara Clerk or Dan Clerk)."
    )
    assert who_sets_sign_off("SOS 001", [], ["Ada Admin"]) == "SOS 001's sign-off setting is changed by an administrator (Ada Admin)."
    assert who_sets_sign_off("SOS 001", [], []).startswith("SOS 001 has no clerk yet. Nobody has been made an administrator yet.")


def test_refusals_name_who_can_in_words():
    from domain.access import (
        audit_reason,
        may_update_reason,
        who_grants_audit,
        who_manages_people,
        who_may_update,
        who_runs_committee,
    )

    assert who_manages_people(["Ada Admin"]) == "People and roles are managed by Ada Admin (administrator)."
    assert who_manages_people(["Ada Admin", "Bo Admin"]) == "People and roles are managed by Ada Admin or Bo Admin (administrators)."
    assert who_manages_people([]) == (
        "Nobody has been made an administrator yet. Whoever runs plantrail for the council makes the first one "
        "(see “First administrator” in plantrail's README); that person can then manage people and roles here."
    )
    assert may_update_reason("TRAN2", "SOS 001") == (
        "You can't record changes on TRAN2: you are not one of its owners, an owner's manager or a clerk of SOS 001."
    )
    assert who_may_update("SOS 001", ["Liam Purdie"], ["Cara Clerk", "Dan Clerk"]) == (
        "Its owners (Liam Purdie), their managers and the clerks of SOS 001 (Cara Clerk or Dan Clerk) can record changes; ask one of them."
    )
    assert who_may_update("SOS 001", [], []) == (
        "Its owners, their managers and a clerk of SOS 001 (it has none yet) can record changes; ask one of them."
    )
    assert who_runs_committee("SOS 001", ["Cara Clerk"], ["Ada Admin"]) == "The clerk of SOS 001: Cara Clerk."
    assert who_runs_committee("SOS 001", ["Cara Clerk", "Dan Clerk"], []) == "The clerks of SOS 001: Cara Clerk or Dan Clerk."
    assert who_runs_committee("SOS 001", [], ["Ada Admin"]) == "SOS 001 has no clerk yet; an administrator (Ada Admin) can make one."
    assert who_runs_committee("SOS 001", [], []).startswith("SOS 001 has no clerk yet. Nobody has been made an administrator yet.")
    assert audit_reason("SOS 001") == "The audit trail is for the clerks of SOS 001, administrators and viewers (auditors, inspectors)."
    assert audit_reason(None) == "The audit trail is for clerks of a plan, administrators and viewers (auditors, inspectors)."
    assert who_grants_audit(["Ada Admin"]) == "An administrator (Ada Admin) can make you a viewer or a clerk of a plan."
    assert who_grants_audit([]) == who_manages_people([])


def test_a_persons_permissions_read_admin_first_then_clerkships_by_plan_then_viewer():
    from domain.access import ADMIN, CLERK, VIEWER, permissions_in_words

    grants = [(VIEWER, None), (CLERK, "SS SAAP 2014"), (ADMIN, None), (CLERK, "SOS 001")]
    assert permissions_in_words(grants) == "Admin; clerk of SOS 001; clerk of SS SAAP 2014; viewer"
    assert permissions_in_words([(CLERK, "SOS 001")]) == "Clerk of SOS 001"
    assert permissions_in_words([(VIEWER, None)]) == "Viewer"
    assert permissions_in_words([]) == ""


def test_a_refusal_carries_who_can_and_an_allowed_action_passes():
    from domain.access import AccessDeniedError, require

    require(True, "never raised")
    with pytest.raises(AccessDeniedError) as refused:
        require(False, "You can't do that.", who_can="Ada Admin can.")
    assert (str(refused.value), refused.value.who_can) == ("You can't do that.", "Ada Admin can.")
    with pytest.raises(AccessDeniedError) as unnamed:
        require(False, "No.")
    assert unnamed.value.who_can is None
