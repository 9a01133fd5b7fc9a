from datetime import date

from scheduler.policy import ActionFacts, Committee, PlanFacts, ReminderPolicy, due_reminders

PLAN = PlanFacts("P", "Plan", sponsor="Sam Sponsor", committees=(Committee(date(2015, 4, 2), "Housing Committee", date(2015, 3, 25)),))
MANAGERS = {"Ann Owner": "Mo Manager", "Bob Owner": None}


def action(**fields) -> ActionFacts:
    base = {
        "plan_code": "P",
        "code": "A1",
        "title": "Training",
        "owners": ("Ann Owner",),
        "due_date": date(2015, 3, 31),
        "progress": 40,
        "lifecycle": "open",
        "added_on": date(2014, 9, 5),
        "last_update_on": date(2015, 3, 1),
    }
    return ActionFacts(**(base | fields))


def due(as_of: date, *actions: ActionFacts, plan: PlanFacts = PLAN) -> dict[str, list]:
    found: dict[str, list] = {}
    for d in due_reminders(plan, actions or [action()], MANAGERS, as_of):
        found.setdefault(d.rule, []).append(d)
    return found


def test_due_soon_at_14_and_7_days_with_distinct_keys():
    at_14 = due(date(2015, 3, 17))["due_soon"][0]
    at_10 = due(date(2015, 3, 21))["due_soon"][0]
    at_7 = due(date(2015, 3, 24))["due_soon"][0]
    assert at_14.key == at_10.key == "due_soon|P|A1|2015-03-31|14"
    assert at_7.key == "due_soon|P|A1|2015-03-31|7"
    assert at_7.recipients == (("Ann Owner", "owner"),)
    assert "due_soon" not in due(date(2015, 3, 16))


def test_after_downtime_only_the_reminder_still_relevant_is_due():
    # The sweep did not run from the 14th to the 25th: the 7-day reminder is due, not a late 14-day one.
    keys = [d.key for d in due(date(2015, 3, 25))["due_soon"]]
    assert keys == ["due_soon|P|A1|2015-03-31|7"]


def test_overdue_repeats_weekly_escalates_to_the_manager_and_after_28_days_to_the_sponsor():
    first = due(date(2015, 4, 1))["overdue"][0]
    assert (first.period, first.recipients) == (0, (("Ann Owner", "owner"), ("Mo Manager", "manager")))
    assert due(date(2015, 4, 7))["overdue"][0].key == first.key
    assert due(date(2015, 4, 8))["overdue"][0].period == 1
    late = due(date(2015, 4, 28))["overdue"][0]
    assert ("Sam Sponsor", "sponsor") in late.recipients and late.details["days_overdue"] == 28


def test_no_update_for_30_days_reminds_the_owners_once_per_30_days():
    assert "stale" not in due(date(2015, 3, 30))
    first = due(date(2015, 3, 31))["stale"][0]
    assert (first.key, first.recipients) == ("stale|P|A1|2015-03-01|1", (("Ann Owner", "owner"),))
    assert due(date(2015, 4, 29))["stale"][0].key == first.key
    assert due(date(2015, 4, 30))["stale"][0].period == 2


def test_committee_round_asks_owners_then_escalates_those_who_did_not_update():
    in_round = due(date(2015, 3, 15), action(due_date=None))["committee_round"][0]
    assert in_round.key == "committee_round|P|A1|2015-04-02|0" and in_round.recipients == (("Ann Owner", "owner"),)
    silent = due(date(2015, 3, 25), action(due_date=None))["committee_escalation"][0]
    assert silent.recipients == (("Mo Manager", "manager"),)
    updated = due(date(2015, 3, 25), action(due_date=None, round_update_on=date(2015, 3, 20)))
    by_someone_else = due(date(2015, 3, 25), action(due_date=None, last_update_on=date(2015, 3, 20)))
    assert "committee_escalation" in by_someone_else  # an import or a clerk's entry does not answer the round
    assert "committee_escalation" not in updated
    no_manager = due(date(2015, 3, 25), action(due_date=None, owners=("Bob Owner",)))["committee_escalation"][0]
    assert no_manager.recipients == (("Sam Sponsor", "sponsor"),)
    assert "committee_round" not in due(date(2015, 3, 14), action(due_date=None))


def test_an_action_its_owner_updated_in_the_open_round_is_not_asked_for_the_round_again():
    # The round opens 2015-03-15 (10 days before the 2015-03-25 deadline).
    def asked(round_update_on: date | None, last_update_on: date = date(2015, 3, 1)) -> bool:
        found = due(date(2015, 3, 20), action(due_date=None, round_update_on=round_update_on, last_update_on=last_update_on))
        return "committee_round" in found

    assert not asked(date(2015, 3, 20)) and not asked(date(2015, 3, 15))  # today, and the day the round opened
    assert asked(date(2015, 3, 14))  # the day before it opened answers an earlier round, not this one
    assert asked(None, last_update_on=date(2015, 3, 20))  # an import or a clerk's entry does not answer it


def test_complete_cancelled_held_and_future_actions_get_nothing():
    for done in (action(progress=100), action(lifecycle="cancelled"), action(lifecycle="on_hold"), action(added_on=date(2015, 5, 1))):
        assert due(date(2015, 4, 10), done) == {}


def test_an_action_nobody_owns_is_reported_to_the_sponsor():
    ownerless = due(date(2015, 3, 24), action(owners=()))["due_soon"][0]
    assert ownerless.recipients == (("Sam Sponsor", "sponsor"),)


def test_the_policy_is_configurable_per_plan():
    policy = ReminderPolicy(due_soon_days=(21,), stale_after_days=60)
    found = {d.rule for d in due_reminders(PLAN, [action()], MANAGERS, date(2015, 3, 10), policy)}
    assert found == {"due_soon"}


NOBODY = PlanFacts("P", "Plan", sponsor=None, committees=PLAN.committees)


def test_a_sponsor_who_also_owns_the_action_hears_of_it_once_as_its_owner():
    # Two pairs for one person (owner and sponsor, nobody managing them): still one recipient.
    plan = PlanFacts("P", "Plan", sponsor="Bob Owner")
    late = due(date(2015, 4, 28), action(owners=("Bob Owner",)), plan=plan)["overdue"][0]
    assert late.recipients == (("Bob Owner", "owner"),)


def test_an_action_with_no_owner_and_a_plan_with_no_sponsor_has_nobody_to_tell():
    ownerless = due(date(2015, 3, 24), action(owners=()), plan=NOBODY)["due_soon"][0]
    assert ownerless.recipients == ()


def test_a_committee_escalation_with_no_manager_and_no_sponsor_has_nobody_to_tell():
    silent = due(date(2015, 3, 25), action(due_date=None, owners=("Bob Owner",)), plan=NOBODY)["committee_escalation"][0]
    assert silent.recipients == ()


def test_a_committee_escalation_names_its_committee_and_is_raised_once_per_meeting():
    silent = due(date(2015, 3, 25), action(due_date=None))["committee_escalation"][0]
    assert (silent.key, silent.period) == ("committee_escalation|P|A1|2015-04-02|0", 0)
    assert silent.details == {
        "title": "Training",
        "due_date": None,
        "progress": 40,
        "owners": ["Ann Owner"],
        "committee": "Housing Committee",
        "meets_on": "2015-04-02",
        "report_deadline": "2015-03-25",
    }
    assert due(date(2015, 4, 1), action(due_date=None))["committee_escalation"][0].key == silent.key


def test_a_plan_with_no_due_soon_thresholds_raises_no_due_soon_reminder():
    policy = ReminderPolicy(due_soon_days=())
    found = due_reminders(PLAN, [action(due_date=date(2015, 3, 25))], MANAGERS, date(2015, 3, 25), policy)
    assert "due_soon" not in {d.rule for d in found}


def rules(as_of: date, *pending: str) -> list[str]:
    return sorted(due(as_of, action(pending_claims=pending)))


def test_a_completion_awaiting_sign_off_leaves_no_rule_to_ask_the_owners_manager_or_sponsor():
    # Without the claim: the round, due soon, stale, the round's escalation, overdue to the sponsor.
    assert rules(date(2015, 3, 20)) == ["committee_round", "due_soon"]
    assert rules(date(2015, 3, 31)) == ["committee_escalation", "due_soon", "stale"]
    assert rules(date(2015, 4, 28)) == ["overdue", "stale"]
    for day in (date(2015, 3, 20), date(2015, 3, 31), date(2015, 4, 1), date(2015, 4, 28)):
        assert rules(day, "completion") == [], day  # the sign-off rules ask the approver instead


def test_a_new_due_date_awaiting_sign_off_leaves_only_the_date_rules_waiting():
    assert rules(date(2015, 3, 31), "due_date") == ["committee_escalation", "stale"]
    assert rules(date(2015, 4, 28), "due_date") == ["stale"]


def test_a_progress_figure_awaiting_sign_off_is_an_update_but_the_action_is_still_overdue():
    assert rules(date(2015, 4, 1), "progress") == ["committee_escalation", "overdue"]
    [overdue] = due(date(2015, 4, 1), action(pending_claims=("progress",)))["overdue"]
    assert overdue.recipients == (("Ann Owner", "owner"), ("Mo Manager", "manager"))
    assert overdue.details["pending_claims"] == ["progress"]  # the digest asks only for completion or a new date
    assert "pending_claims" not in due(date(2015, 4, 1))["overdue"][0].details
    assert rules(date(2015, 4, 1), "progress", "completion") == []
