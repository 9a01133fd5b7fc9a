"""The sign-off rules: what waits under each setting, who may decide, and claims on an action."""

from datetime import date

import pytest

from domain.action import Action
from domain.application import PlanTrail
from domain.commands import AddNote, ApproveChange, ChangeLifecycle, ChangeOwners, RejectChange, ReviseDueDate, UpdateProgress
from domain.errors import ActionAlreadyInStateError, ActionCancelledError, BadInputError, ReasonRequiredError
from domain.plan import Plan
from domain.sign_off import (
    ClaimDecidedError,
    ClaimParties,
    ClaimReplacedError,
    NoPendingClaimError,
    NotAnApproverError,
    Roles,
    SelfSignOffError,
    awaiting_wording,
    check_may_decide,
    claim_kind,
    may_configure,
    may_decide,
)

CLAIMED_ON = date(2015, 3, 25)

# ----- what waits under each setting ----------------------------------------------------------

COMMANDS = {
    "complete": ChangeLifecycle("complete"),
    "redate": ReviseDueDate(date(2015, 6, 30), "consultation extended"),
    "progress 80": UpdateProgress(80),
    "progress 100": UpdateProgress(100),
    "note": AddNote("Trainers booked"),
    "cancel": ChangeLifecycle("cancel", "superseded"),
    "reopen": ChangeLifecycle("reopen"),
    "reassign": ChangeOwners(("Liam Purdie",), "restructure"),
}
WAITS = {
    "none": {},
    "completion": {"complete": "completion", "redate": "due_date", "progress 100": "progress"},
    "changes": {"complete": "completion", "redate": "due_date", "progress 80": "progress", "progress 100": "progress"},
}


@pytest.mark.parametrize("mode", sorted(WAITS))
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_what_waits_for_sign_off_under_each_setting(mode, name):
    assert claim_kind(mode, COMMANDS[name]) == WAITS[mode].get(name)


# ----- who may decide -------------------------------------------------------------------------

CLAIM = ClaimParties(plan_code="SOS 001", claimant="Pat Preece", claimant_manager="Liam Purdie")


@pytest.mark.parametrize(
    ("decider", "roles", "allowed"),
    [
        ("Liam Purdie", Roles(), True),  # the claimant's manager
        ("liam  PURDIE", Roles(), True),  # names compare as the natural keys do
        ("Jane Menzies", Roles(clerk_of=frozenset({"SOS 001"})), True),
        ("Jane Menzies", Roles(clerk_of=frozenset({"sos 001"})), True),
        ("Jane Menzies", Roles(clerk_of=frozenset({"SS SAAP"})), False),  # a clerk of another plan
        ("Val DeSouza", Roles(admin=True), True),
        ("Val DeSouza", Roles(), False),  # the manager's manager is not an approver
        ("Pat Preece", Roles(), False),
        ("Pat Preece", Roles(admin=True, clerk_of=frozenset({"SOS 001"})), False),  # never one's own claim
    ],
)
def test_who_may_decide_a_claim(decider, roles, allowed):
    assert may_decide(decider, roles, CLAIM) is allowed


def test_deciding_ones_own_claim_is_refused_even_for_a_clerk_and_says_who_may():
    with pytest.raises(SelfSignOffError, match=r"^sign-off: Pat Preece made this claim and cannot decide it$") as refused:
        check_may_decide("Pat Preece", Roles(clerk_of=frozenset({"SOS 001"})), CLAIM)
    assert refused.value.who_can == "It needs Liam Purdie (manager) or a clerk of SOS 001."


def test_a_stranger_is_told_who_may_decide():
    with pytest.raises(NotAnApproverError, match=r"not Pat Preece's manager, a clerk of SOS 001 or an admin$") as refused:
        check_may_decide("Elaine Murray", Roles(), CLAIM)
    assert refused.value.who_can == "It needs Liam Purdie (manager) or a clerk of SOS 001."


def test_a_claimant_without_a_manager_waits_for_a_clerk():
    assert awaiting_wording(ClaimParties("SOS 001", "Pat Preece", None)) == "a clerk of SOS 001"
    assert not may_decide("Liam Purdie", Roles(), ClaimParties("SOS 001", "Pat Preece", None))


def test_only_a_clerk_of_the_plan_or_an_admin_may_change_its_sign_off_setting():
    assert may_configure(Roles(clerk_of=frozenset({"SOS 001"})), "SOS 001")
    assert may_configure(Roles(admin=True), "SOS 001")
    assert not may_configure(Roles(clerk_of=frozenset({"SS SAAP"})), "SOS 001")
    assert not may_configure(Roles(), "SOS 001")


# ----- claims on an action -------------------------------------------------------------------


def new_action() -> Action:
    action = Action.add(
        plan_code="SOS 001",
        code="SS_ICSAP_ARR1",
        title="Systematic approach",
        description="",
        owners=["Pat Preece"],
        due_date=date(2015, 3, 31),
        priority="High",
        priority_number=2,
        actor="import",
        effective_on=date(2014, 9, 5),
    )
    action.update_progress(75, actor="import", effective_on=date(2015, 2, 18))
    return action


def test_a_claim_changes_nothing_the_committee_sees():
    action = new_action()
    version = action.submit_change("completion", evidence="Audit of 20 plans", actor="Pat Preece", effective_on=CLAIMED_ON)
    assert (action.lifecycle, action.progress, action.due_date) == ("open", 75, date(2015, 3, 31))
    assert action.pending_claims["completion"] | {"version": version} == {
        "kind": "completion",
        "version": version,
        "progress": None,
        "due_date": None,
        "evidence": "Audit of 20 plans",
        "reason": None,
        "actor": "Pat Preece",
        "effective_on": CLAIMED_ON,
    }
    assert version == action.version


def test_a_newer_claim_of_a_kind_replaces_the_pending_one_as_an_event():
    action = new_action()
    first = action.submit_change(
        "due_date", due_date=date(2015, 5, 31), reason="review slipped", actor="Pat Preece", effective_on=CLAIMED_ON
    )
    second = action.submit_change("due_date", due_date=date(2015, 6, 30), reason="and again", actor="Pat Preece", effective_on=CLAIMED_ON)
    action.submit_change("progress", progress=90, actor="Pat Preece", effective_on=CLAIMED_ON)
    submitted = [e for e in action.collect_events() if isinstance(e, Action.ChangeSubmitted)]
    assert [(e.kind, e.replaces) for e in submitted] == [("due_date", None), ("due_date", first), ("progress", None)]
    assert action.pending_claims["due_date"]["version"] == second
    assert action.pending_claims["due_date"]["due_date"] == date(2015, 6, 30)
    assert sorted(action.pending_claims) == ["due_date", "progress"]  # kinds wait side by side


def test_approving_records_the_claimed_change_on_the_claimants_date_with_the_claimant_as_its_actor():
    action = new_action()
    action.submit_change("completion", evidence="Audit of 20 plans", actor="Pat Preece", effective_on=CLAIMED_ON)
    action.collect_events()
    action.approve_change(action.pending_claim(), comment="Seen the audit", actor="Liam Purdie")
    events = action.collect_events()
    assert [(type(e).__name__, e.actor, e.effective_on, e.reason) for e in events] == [
        ("ChangeApproved", "Liam Purdie", CLAIMED_ON, "Seen the audit"),
        ("ActionCompleted", "Pat Preece", CLAIMED_ON, None),
        ("EvidenceAdded", "Pat Preece", CLAIMED_ON, None),
    ]
    assert (action.lifecycle, action.progress, action.evidence, action.pending_claims) == ("completed", 100, ["Audit of 20 plans"], {})


def test_rejecting_needs_a_reason_and_leaves_the_action_as_approved():
    action = new_action()
    action.submit_change("progress", progress=100, actor="Pat Preece", effective_on=CLAIMED_ON)
    claim = action.pending_claim("progress")
    for blank in (None, "  "):
        with pytest.raises(ReasonRequiredError, match="reason"):
            action.reject_change(claim, reason=blank, actor="Liam Purdie", effective_on=CLAIMED_ON)
    action.reject_change(claim, reason="No evidence of the audit", actor="Liam Purdie", effective_on=CLAIMED_ON)
    assert (action.progress, action.pending_claims) == (75, {})
    with pytest.raises(NoPendingClaimError, match="no pending progress claim"):
        action.pending_claim("progress")


def test_nothing_to_decide_when_no_claim_waits():
    with pytest.raises(NoPendingClaimError, match="SOS 001/SS_ICSAP_ARR1 has no pending claim"):
        new_action().pending_claim()


def test_a_decision_on_a_claim_replaced_since_it_was_seen_is_refused():
    action = new_action()
    seen = action.submit_change("progress", progress=80, actor="Pat Preece", effective_on=CLAIMED_ON)
    action.submit_change("progress", progress=95, actor="Pat Preece", effective_on=CLAIMED_ON)
    replaced = "was replaced by a newer one \\(Pat Preece: progress 95%\\); look again before deciding; nothing was recorded$"
    with pytest.raises(ClaimReplacedError, match=replaced):
        action.pending_claim("progress", version=seen)


def test_a_replaced_due_date_claim_is_named_by_its_new_date():
    action = new_action()
    seen = action.submit_change("due_date", due_date=date(2015, 6, 30), reason="audit moved", actor="Pat Preece", effective_on=CLAIMED_ON)
    action.submit_change("due_date", due_date=date(2015, 7, 31), reason="moved again", actor="Pat Preece", effective_on=CLAIMED_ON)
    with pytest.raises(ClaimReplacedError, match=r"replaced by a newer one \(Pat Preece: due date 2015-07-31\);"):
        action.pending_claim("due_date", version=seen)


def test_a_decision_on_a_claim_decided_since_it_was_seen_is_a_conflict_not_a_missing_claim():
    action = new_action()
    seen = action.submit_change("completion", actor="Pat Preece", effective_on=CLAIMED_ON)
    action.reject_change(
        action.pending_claim("completion", version=seen), reason="No evidence", actor="Liam Purdie", effective_on=CLAIMED_ON
    )
    with pytest.raises(ClaimDecidedError, match=r"^sign-off: the claim you saw on SOS 001/SS_ICSAP_ARR1 is no longer pending") as refused:
        action.pending_claim("completion", version=seen)
    assert refused.value.http_status == 409 and refused.value.exit_code == 1
    with pytest.raises(NoPendingClaimError):  # without a version seen, nothing waits: a rule, not a conflict
        action.pending_claim("completion")


def test_with_several_claims_waiting_the_decider_must_say_which():
    action = new_action()
    action.submit_change("progress", progress=80, actor="Pat Preece", effective_on=CLAIMED_ON)
    action.submit_change("completion", actor="Pat Preece", effective_on=CLAIMED_ON)
    with pytest.raises(BadInputError, match=r"several pending claims \(completion, progress\)"):
        action.pending_claim()
    assert action.pending_claim("completion")["kind"] == "completion"


def test_a_claim_obeys_the_rules_of_the_change_it_proposes():
    action = new_action()
    with pytest.raises(ReasonRequiredError):
        action.submit_change("due_date", due_date=date(2015, 6, 30), actor="Pat Preece", effective_on=CLAIMED_ON)
    with pytest.raises(ActionAlreadyInStateError):
        action.submit_change("due_date", due_date=date(2015, 3, 31), reason="same", actor="Pat Preece", effective_on=CLAIMED_ON)
    with pytest.raises(BadInputError, match="progress"):
        action.submit_change("progress", progress=150, actor="Pat Preece", effective_on=CLAIMED_ON)
    action.cancel(reason="superseded", actor="clerk", effective_on=CLAIMED_ON)
    with pytest.raises(ActionCancelledError):
        action.submit_change("completion", actor="Pat Preece", effective_on=CLAIMED_ON)
    assert action.pending_claims == {}


def test_an_approval_is_checked_again_against_the_action_as_it_now_stands():
    action = new_action()
    action.submit_change("completion", actor="Pat Preece", effective_on=CLAIMED_ON)
    action.cancel(reason="superseded by the new ICSP", actor="clerk", effective_on=date(2015, 3, 26))
    version = action.version
    with pytest.raises(ActionCancelledError):
        action.approve_change(action.pending_claim(), comment=None, actor="Liam Purdie")
    assert (action.version, action.lifecycle) == (version, "cancelled")  # nothing recorded


# ----- through the application's single door -------------------------------------------------


@pytest.fixture
def app() -> PlanTrail:
    """The application on the library's in-memory store: events really saved and replayed."""
    app = PlanTrail()
    app.create_plan(code="SOS 001", title="Children's Inspection Action Plan", actor="clerk", effective_on=date(2014, 9, 5))
    app.register_person(name="Liam Purdie", actor="clerk", effective_on=date(2014, 9, 5))
    app.register_person(name="Pat Preece", manager="Liam Purdie", actor="clerk", effective_on=date(2014, 9, 5))
    app.add_action(
        plan_code="SOS 001",
        code="SS_ICSAP_ARR1",
        title="Systematic approach",
        owners=["Pat Preece"],
        due_date=date(2015, 3, 31),
        actor="clerk",
        effective_on=date(2014, 9, 5),
    )
    return app


def test_the_single_door_submits_what_the_plan_says_waits_and_names_who_it_awaits(app):
    result = app.handle("SOS 001", "SS_ICSAP_ARR1", ChangeLifecycle("complete", None, CLAIMED_ON, "Audit"), actor="Pat Preece")
    assert (result["outcome"], result["claim"]["kind"], result["claim"]["awaiting"]) == (
        "submitted",
        "completion",
        "Liam Purdie (manager) or a clerk of SOS 001",
    )
    reloaded = app.get_action("SOS 001", "SS_ICSAP_ARR1")  # replayed from the store
    assert (reloaded.lifecycle, reloaded.pending_claims["completion"]["version"]) == ("open", result["claim"]["version"])
    decided = app.handle("SOS 001", "SS_ICSAP_ARR1", ApproveChange(comment="ok"), actor="Liam Purdie")
    assert decided["outcome"] == "approved"
    assert app.get_action("SOS 001", "SS_ICSAP_ARR1").lifecycle == "completed"


def test_the_single_door_refuses_a_decision_by_the_claimant_and_records_nothing(app):
    app.handle("SOS 001", "SS_ICSAP_ARR1", UpdateProgress(100, None, CLAIMED_ON), actor="Pat Preece")
    before = app.get_action("SOS 001", "SS_ICSAP_ARR1").version
    with pytest.raises(SelfSignOffError):
        app.handle("SOS 001", "SS_ICSAP_ARR1", ApproveChange(), actor="pat preece")
    with pytest.raises(NotAnApproverError):
        app.handle("SOS 001", "SS_ICSAP_ARR1", RejectChange("no"), actor="Someone Else")
    assert app.get_action("SOS 001", "SS_ICSAP_ARR1").version == before


def test_under_none_the_single_door_records_at_once_and_a_completion_keeps_its_evidence(app):
    assert app.configure_sign_off("SOS 001", sign_off="none", actor="clerk")["changed"] is True
    result = app.handle("SOS 001", "SS_ICSAP_ARR1", ChangeLifecycle("complete", None, CLAIMED_ON, "Audit"), actor="Pat Preece")
    assert "outcome" not in result
    action = app.get_action("SOS 001", "SS_ICSAP_ARR1")
    assert (action.lifecycle, action.evidence, action.pending_claims) == ("completed", ["Audit"], {})


def test_a_plans_sign_off_setting_defaults_and_changes_as_an_event():
    plan = Plan.create(code="SOS 001", title="Plan", actor="clerk", effective_on=date(2014, 9, 5))
    assert plan.sign_off_settings() == {"sign_off": "completion", "sign_off_days": 7, "notify_rejection": "digest"}
    assert plan.configure_sign_off(sign_off="changes", sign_off_days=5, actor="clerk", effective_on=CLAIMED_ON, reason="inspection")
    assert plan.sign_off_settings() == {"sign_off": "changes", "sign_off_days": 5, "notify_rejection": "digest"}
    assert not plan.configure_sign_off(sign_off="changes", actor="clerk", effective_on=CLAIMED_ON)  # nothing new, no event
    events = [e for e in plan.collect_events() if isinstance(e, Plan.SignOffConfigured)]
    assert [(e.sign_off, e.sign_off_days, e.notify_rejection, e.reason) for e in events] == [("changes", 5, "digest", "inspection")]
    for bad in ({"sign_off": "sometimes"}, {"sign_off_days": 0}, {"sign_off_days": True}, {"notify_rejection": "never"}):
        with pytest.raises(BadInputError):
            plan.configure_sign_off(**bad, actor="clerk", effective_on=CLAIMED_ON)


def test_a_claim_nobody_else_may_decide_says_so_and_who_can_change_that():
    from domain.sign_off import deciders_wording

    own = ClaimParties("SOS 001", "Val DeSouza", None)
    assert deciders_wording(own, [], any_admin=True) == (
        "No one else can sign this off yet: nobody decides their own claim, Val DeSouza has no manager here, "
        "SOS 001 has no other clerk, and there is no other administrator. An administrator can make another person a clerk of SOS 001."
    )
    asked = [("Liam Head", "manager"), ("Cara Clerk", "clerk"), ("Ada Admin", "admin")]
    assert deciders_wording(ClaimParties("P", "Pat", "Liam Head"), asked, any_admin=True) == (
        "Awaiting sign-off by Liam Head (Pat's manager), Cara Clerk (clerk of P) or Ada Admin (administrator)."
    )


def test_a_claim_nobody_else_may_decide_on_a_store_without_an_administrator_says_who_runs_plantrail():
    from domain.sign_off import deciders_wording

    assert deciders_wording(ClaimParties("SOS 001", "Val DeSouza", None), [], any_admin=False) == (
        "No one else can sign this off yet: nobody decides their own claim, Val DeSouza has no manager here, "
        "SOS 001 has no other clerk, and there is no administrator. "
        "Whoever runs plantrail for the council can make another person a clerk of SOS 001."
    )
    # One decider alone, and a role the wording does not know, said as it is.
    assert (
        deciders_wording(ClaimParties("P", "Pat", None), [("Sam Lead", "lead")], any_admin=True) == "Awaiting sign-off by Sam Lead (lead)."
    )
