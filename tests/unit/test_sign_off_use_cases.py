"""Sign-off's use cases (domain.sign_off_use_cases) through the application on the in-memory
store: who holds which roles, a plan's setting changed as an event, claims submitted with every
value they carry and summarised, decisions recorded. Clock and plan as in
tests.unit.test_application (30 June in the plan's zone); Pat Preece's manager is Liam Purdie.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.access import Roles
from domain.application import PlanTrail
from domain.commands import ApproveChange, ChangeLifecycle, RejectChange, ReviseDueDate, UpdateProgress
from domain.errors import BadInputError, ForbiddenError
from domain.ids import plan_id
from domain.sign_off import ClaimReplacedError
from tests.unit.test_application import EARLIER, PLAN_TODAY, last, new_app, stored


def claims_app() -> PlanTrail:
    app = new_app()
    app.edit_person("Pat Preece", changes={"manager": "Liam Purdie"}, reason="org chart", actor="admin", effective_on=EARLIER)
    app.configure_sign_off("SOS 001", sign_off="changes", actor="clerk", effective_on=EARLIER)
    return app


def test_roles_are_read_from_the_persons_grants_and_nobody_unregistered_holds_any():
    app = new_app()
    assert app.roles_of("Zed") == Roles() and app.manager_of("Zed") is None
    app.grant_role("Pat Preece", "clerk", "SOS 001", actor="admin", reason="r")
    assert app.roles_of("pat preece") == Roles(admin=False, clerk_of=frozenset({"SOS 001"}))
    app.grant_role("Pat Preece", "admin", None, actor="admin", reason="r")
    app.grant_role("Liam Purdie", "viewer", None, actor="admin", reason="r")
    assert app.roles_of("Pat Preece") == Roles(admin=True, clerk_of=frozenset({"SOS 001"}))
    assert app.roles_of("Liam Purdie") == Roles(admin=False, clerk_of=frozenset())
    assert app.manager_of("Pat Preece") is None
    assert claims_app().manager_of("Pat Preece") == "Liam Purdie"


def test_a_sign_off_setting_changed_answers_the_whole_setting_and_is_dated_in_the_plans_zone():
    app = new_app()
    result = app.configure_sign_off("SOS 001", sign_off_days=5, notify_rejection="immediate", actor="Val", reason="inspection")
    assert result == {"plan": "SOS 001", "changed": True, "sign_off": "none", "sign_off_days": 5, "notify_rejection": "immediate"}
    event = list(app.events.get(plan_id("SOS 001")))[-1]
    assert (event.sign_off_days, event.notify_rejection, event.actor, event.reason, event.effective_on) == (
        5,
        "immediate",
        "Val",
        "inspection",
        PLAN_TODAY,
    )
    again = app.configure_sign_off("SOS 001", sign_off_days=5, actor="Val", effective_on=date(2015, 6, 1))
    assert again["changed"] is False
    app.configure_sign_off("SOS 001", sign_off="completion", actor="Val", effective_on=date(2015, 6, 1))
    assert list(app.events.get(plan_id("SOS 001")))[-1].effective_on == date(2015, 6, 1)


def test_only_a_clerk_of_the_plan_or_an_admin_may_change_its_sign_off_when_roles_are_checked():
    app = new_app()
    with pytest.raises(ForbiddenError) as refused:
        app.configure_sign_off("SOS 001", sign_off="changes", actor="Pat Preece", roles=Roles(clerk_of=frozenset({"OTHER"})))
    assert str(refused.value) == "sign-off: only a clerk of SOS 001 or an admin may change its sign-off setting"
    assert app.get_plan("SOS 001").sign_off == "none"
    assert app.configure_sign_off("SOS 001", sign_off="changes", actor="Cara", roles=Roles(clerk_of=frozenset({"SOS 001"})))["changed"]


def test_a_progress_claim_waits_while_its_note_is_recorded_at_once_and_its_summary_says_it_all():
    app = claims_app()
    result = app.handle("SOS 001", "A1", UpdateProgress(60, "Halfway", date(2015, 6, 5)), actor="Pat Preece")
    claim = app.get_action("SOS 001", "A1").pending_claims["progress"]
    assert result == {
        "plan": "SOS 001",
        "code": "A1",
        "version": 3,
        "outcome": "submitted",
        "claim": {
            "kind": "progress",
            "version": claim["version"],
            "proposed": "progress 60%",
            "claimant": "Pat Preece",
            "effective_on": "2015-06-05",
            "evidence": None,
            "reason": None,
            "awaiting": "Liam Purdie (manager) or a clerk of SOS 001",
        },
    }
    assert (claim["progress"], claim["due_date"], claim["actor"], claim["effective_on"]) == (60, None, "Pat Preece", date(2015, 6, 5))
    assert app.get_action("SOS 001", "A1").progress == 0
    note = last(app)
    assert (note.text, note.author, note.actor, note.effective_on) == ("Halfway", "Pat Preece", "Pat Preece", date(2015, 6, 5))


def test_a_due_date_claim_and_a_completion_claim_carry_their_date_reason_and_evidence():
    app = claims_app()
    due = app.handle("SOS 001", "A1", ReviseDueDate(date(2015, 12, 1), "late supplier", date(2015, 6, 6)), actor="Liam Purdie")
    assert due["claim"] | {"version": 0} == {
        "kind": "due_date",
        "version": 0,
        "proposed": "due date 2015-12-01",
        "claimant": "Liam Purdie",
        "effective_on": "2015-06-06",
        "evidence": None,
        "reason": "late supplier",
        "awaiting": "a clerk of SOS 001",
    }
    done = app.handle("SOS 001", "A1", ChangeLifecycle("complete", "all audited", date(2015, 6, 7), "Audit report"), actor="Pat Preece")
    assert (done["claim"]["proposed"], done["claim"]["evidence"], done["claim"]["reason"]) == ("complete", "Audit report", "all audited")
    pending = app.get_action("SOS 001", "A1").pending_claims
    assert (pending["due_date"]["due_date"], pending["completion"]["evidence"]) == (date(2015, 12, 1), "Audit report")
    assert len(stored(app)) == 3  # added, two claims: nothing else recorded


def test_an_approval_records_the_claimed_change_and_a_rejection_is_dated_today():
    app = claims_app()
    app.handle("SOS 001", "A1", UpdateProgress(60, None, date(2015, 6, 5)), actor="Pat Preece")
    app.handle("SOS 001", "A1", ReviseDueDate(date(2015, 12, 1), "late", date(2015, 6, 6)), actor="Pat Preece")
    approved = app.handle("SOS 001", "A1", ApproveChange(kind="progress", comment="seen it"), actor="liam purdie")
    assert (approved["outcome"], approved["claim"]["kind"], approved["claim"]["proposed"]) == ("approved", "progress", "progress 60%")
    assert app.get_action("SOS 001", "A1").progress == 60
    rejected = app.handle("SOS 001", "A1", RejectChange("no reason to move it", kind="due_date"), actor="Liam Purdie")
    assert (rejected["outcome"], rejected["claim"]["kind"], rejected["claim"]["reason"]) == ("rejected", "due_date", "late")
    action = app.get_action("SOS 001", "A1")
    assert (action.due_date, action.pending_claims) == (date(2015, 9, 30), {})
    assert (last(app).actor, last(app).effective_on) == ("Liam Purdie", PLAN_TODAY)


def test_a_completion_recorded_at_once_keeps_its_evidence_and_date_and_only_a_completion_has_evidence():
    app = new_app()
    with pytest.raises(BadInputError) as refused:
        app.handle("SOS 001", "A1", ChangeLifecycle("cancel", "merged", date(2015, 6, 8), "Minutes"), actor="clerk")
    assert (str(refused.value), refused.value.field) == ("evidence: only a completion carries evidence", "evidence")
    assert len(stored(app)) == 1
    app.handle("SOS 001", "A1", ChangeLifecycle("complete", "done", date(2015, 6, 8), "Audit report"), actor="Pat Preece")
    completed, evidence = stored(app)[-2:]
    assert (type(completed).__name__, completed.reason, completed.actor, completed.effective_on) == (
        "ActionCompleted",
        "done",
        "Pat Preece",
        date(2015, 6, 8),
    )
    assert app.get_action("SOS 001", "A1").evidence == ["Audit report"]
    assert (evidence.actor, evidence.effective_on) == ("Pat Preece", date(2015, 6, 8))


def test_an_approval_of_the_claim_the_decider_saw_records_their_comment_and_a_replaced_one_is_refused():
    app = claims_app()
    app.handle("SOS 001", "A1", UpdateProgress(40, None, date(2015, 6, 4)), actor="Pat Preece")
    seen = app.get_action("SOS 001", "A1").pending_claims["progress"]["version"]
    app.handle("SOS 001", "A1", UpdateProgress(70, None, date(2015, 6, 5)), actor="Pat Preece")
    newer = app.get_action("SOS 001", "A1").pending_claims["progress"]["version"]
    assert newer != seen
    before = len(stored(app))
    with pytest.raises(ClaimReplacedError):
        app.handle("SOS 001", "A1", ApproveChange(kind="progress", comment="fine", claim=seen), actor="Liam Purdie")
    assert len(stored(app)) == before and app.get_action("SOS 001", "A1").progress == 0
    approved = app.handle("SOS 001", "A1", ApproveChange(kind="progress", comment="checked on site", claim=newer), actor="Liam Purdie")
    assert approved["claim"] | {"version": 0} == {
        "kind": "progress",
        "version": 0,
        "proposed": "progress 70%",
        "claimant": "Pat Preece",
        "effective_on": "2015-06-05",
        "evidence": None,
        "reason": None,
        "awaiting": "Liam Purdie (manager) or a clerk of SOS 001",
    }
    assert approved["claim"]["version"] == newer
    decision = stored(app)[before]
    assert (type(decision).__name__, decision.reason, decision.actor, decision.effective_on) == (
        "ChangeApproved",
        "checked on site",
        "Liam Purdie",
        date(2015, 6, 5),
    )
    assert app.get_action("SOS 001", "A1").progress == 70
