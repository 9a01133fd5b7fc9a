"""The Person and Reminder aggregates: what they record, and each refusal whole."""

from __future__ import annotations

from datetime import date
from uuid import uuid5

import pytest

from domain.errors import ActionAlreadyInStateError, BadInputError, InvalidTextError, ReasonRequiredError
from domain.ids import PLANTRAIL_NAMESPACE, person_id
from domain.person import Person, checked_email
from domain.reminder import RULES, Reminder, reminder_id
from domain.text import NAME_MAX, TEXT_MAX
from tests.unit.test_action_aggregate import last_event, refusal

ON = date(2015, 3, 1)


def new_person(**overrides: object) -> Person:
    fields: dict[str, object] = {"name": "Liam Purdie", "actor": "clerk", "effective_on": ON}
    return Person.register(**(fields | overrides))  # type: ignore[arg-type]


# ----- email addresses -----------------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_no_email_address_is_none(blank):
    assert checked_email(blank) is None


def test_an_email_address_is_kept_as_the_mail_headers_carry_it():
    assert checked_email(" liam.purdie@council.gov.uk ") == "liam.purdie@council.gov.uk"
    assert checked_email('"liam"@council.gov.uk') == "liam@council.gov.uk"


def test_a_bad_email_address_is_refused_as_the_email_field_saying_why():
    with refusal(
        InvalidTextError,
        "email: 'liam@council' has no dot in its domain, so no mail server on the internet would take it (e.g. name@council.gov.uk)",
    ) as caught:
        checked_email("liam@council")
    assert caught.value.field == "email"


def test_an_email_address_may_be_as_long_as_a_name_and_no_longer():
    longest = "liam@" + "d" * (NAME_MAX - len("liam@.org")) + ".org"
    assert len(longest) == NAME_MAX and checked_email(longest) == longest
    with refusal(InvalidTextError, f"email: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        checked_email("x" + longest)


# ----- registering and changing a person -----------------------------------------------------


def test_a_registered_person_holds_what_was_typed_tidied_and_no_roles():
    person = new_person(name="  Liam Purdie ", initials=" LP ", email="liam@council.gov.uk", role=" Team leader ", manager=" Mo Manager ")
    assert person.id == person_id("liam  purdie")
    assert (person.name, person.initials, person.email, person.role, person.manager, person.roles) == (
        "Liam Purdie",
        "LP",
        "liam@council.gov.uk",
        "Team leader",
        "Mo Manager",
        set(),
    )
    registered = last_event(person)
    assert (registered.name, registered.actor, registered.effective_on, registered.reason) == ("Liam Purdie", "clerk", ON, None)


def test_a_person_registered_with_a_name_only_has_nothing_else():
    person = new_person(initials=" ", email="", role=None, manager="  ")
    assert (person.initials, person.email, person.role, person.manager) == (None, None, None, None)


def test_a_persons_fields_are_checked_by_their_own_names_and_limits():
    with refusal(InvalidTextError, "name: contains control character U+0009"):
        new_person(name="Liam\tPurdie")
    with refusal(InvalidTextError, f"name: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        new_person(name="n" * (NAME_MAX + 1))
    assert new_person(initials="i" * 20).initials == "i" * 20
    with refusal(InvalidTextError, "initials: 21 characters, at most 20 allowed"):
        new_person(initials="i" * 21)
    assert new_person(role="r" * NAME_MAX, manager="m" * NAME_MAX).role == "r" * NAME_MAX
    with refusal(InvalidTextError, f"role: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        new_person(role="r" * (NAME_MAX + 1))
    with refusal(InvalidTextError, f"manager: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        new_person(manager="m" * (NAME_MAX + 1))
    with refusal(InvalidTextError, "email: 'not an address' is not one email address of the form name@example.org"):
        new_person(email="not an address")


def test_changed_contact_details_are_recorded_with_the_reason():
    person = new_person(email="liam@council.gov.uk", manager="Mo Manager", role="Officer")
    person.change_contact(
        email=" lp@council.gov.uk ", manager=" Ann Head ", role=None, actor="Val DeSouza", effective_on=ON, reason="moved team"
    )
    changed = last_event(person)
    assert (changed.email, changed.manager, changed.role) == ("lp@council.gov.uk", "Ann Head", None)
    assert (changed.actor, changed.effective_on, changed.reason) == ("Val DeSouza", ON, "moved team")
    assert (person.email, person.manager, person.role) == ("lp@council.gov.uk", "Ann Head", None)
    person.change_contact(email=None, manager=None, role="Lead", actor="clerk", effective_on=ON)
    assert (person.email, person.manager, person.role, last_event(person).reason) == (None, None, "Lead", None)


def test_unchanged_contact_details_are_refused():
    person = new_person(email="liam@council.gov.uk", manager="Mo Manager", role="Officer")
    with refusal(ActionAlreadyInStateError, "Liam Purdie: contact details are unchanged"):
        person.change_contact(email=" liam@council.gov.uk", manager="Mo Manager ", role="Officer", actor="clerk", effective_on=ON)
    assert person.version == 1


@pytest.mark.parametrize("manager", ["Liam Purdie", "  liam   PURDIE "])
def test_nobody_is_their_own_manager_however_the_name_is_typed(manager):
    person = new_person()
    with refusal(BadInputError, "manager: Liam Purdie cannot be their own manager") as caught:
        person.change_contact(email=None, manager=manager, role=None, actor="clerk", effective_on=ON)
    assert (caught.value.field, person.manager) == ("manager", None)


def test_contact_fields_are_checked_by_their_own_names():
    person = new_person()
    with refusal(InvalidTextError, f"manager: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        person.change_contact(email=None, manager="m" * (NAME_MAX + 1), role=None, actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"role: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        person.change_contact(email=None, manager=None, role="r" * (NAME_MAX + 1), actor="clerk", effective_on=ON)


# ----- roles ---------------------------------------------------------------------------------


def test_a_role_is_granted_once_and_revoked_once_with_a_reason_each_time():
    person = new_person()
    person.grant_role(" Clerk ", " SOS 001 ", actor="Val DeSouza", reason=" runs the committee cycle ", effective_on=ON)
    granted = last_event(person)
    assert (granted.role, granted.plan_code, granted.actor, granted.effective_on, granted.reason) == (
        "clerk",
        "SOS 001",
        "Val DeSouza",
        ON,
        "runs the committee cycle",
    )
    person.grant_role("admin", None, actor="clerk", reason="IT lead", effective_on=ON)
    assert person.roles == {("clerk", "SOS 001"), ("admin", None)}
    with refusal(ActionAlreadyInStateError, "role: Liam Purdie is already clerk of SOS 001"):
        person.grant_role("clerk", "SOS 001", actor="clerk", reason="again", effective_on=ON)
    with refusal(ActionAlreadyInStateError, "role: Liam Purdie is already admin"):
        person.grant_role("admin", "", actor="clerk", reason="again", effective_on=ON)
    person.revoke_role("CLERK", "SOS 001", actor="Val DeSouza", reason="left the team", effective_on=date(2015, 3, 2))
    revoked = last_event(person)
    assert (revoked.role, revoked.plan_code, revoked.actor, revoked.effective_on, revoked.reason) == (
        "clerk",
        "SOS 001",
        "Val DeSouza",
        date(2015, 3, 2),
        "left the team",
    )
    assert person.roles == {("admin", None)}
    with refusal(ActionAlreadyInStateError, "role: Liam Purdie is not clerk of SOS 001"):
        person.revoke_role("clerk", "SOS 001", actor="clerk", reason="again", effective_on=ON)
    with refusal(ActionAlreadyInStateError, "role: Liam Purdie is not viewer"):
        person.revoke_role("viewer", None, actor="clerk", reason="never was", effective_on=ON)


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_granting_or_revoking_without_a_reason_is_refused(reason):
    person = new_person()
    with refusal(ReasonRequiredError, "reason: a reason is required to grant or revoke a role"):
        person.grant_role("viewer", None, actor="clerk", reason=reason, effective_on=ON)
    person.grant_role("viewer", None, actor="clerk", reason="auditor", effective_on=ON)
    with refusal(ReasonRequiredError, "reason: a reason is required to grant or revoke a role"):
        person.revoke_role("viewer", None, actor="clerk", reason=reason, effective_on=ON)
    assert person.roles == {("viewer", None)}


def test_a_role_reason_is_text_up_to_its_limit():
    person = new_person()
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        person.grant_role("viewer", None, actor="clerk", reason="r" * (TEXT_MAX + 1), effective_on=ON)
    person.grant_role("viewer", None, actor="clerk", reason="r" * TEXT_MAX, effective_on=ON)
    with refusal(BadInputError, "role: must be one of clerk, admin, viewer, got 'owner'"):
        person.grant_role("owner", None, actor="clerk", reason="x", effective_on=ON)
    with refusal(BadInputError, "plan: a clerk is a clerk of a plan; name the plan"):
        person.revoke_role("clerk", None, actor="clerk", reason="x", effective_on=ON)


# ----- reminders -----------------------------------------------------------------------------

KEY = "overdue|SOS 001|SS_ICSAP_PAR1|2015-03-31|2"


def raise_reminder(**overrides: object) -> Reminder:
    fields: dict[str, object] = {
        "key": KEY,
        "rule": "overdue",
        "plan_code": "SOS 001",
        "action_code": "SS_ICSAP_PAR1",
        "about": date(2015, 3, 31),
        "period": 2,
        "recipients": [{"name": "Liam Purdie", "role": "owner"}],
        "details": {"title": "Parenting"},
        "sweep_id": "sweep-1",
        "actor": "scheduler",
        "effective_on": date(2015, 4, 10),
    }
    return Reminder.raise_for(**(fields | overrides))  # type: ignore[arg-type]


def test_a_reminders_id_comes_from_its_key_alone():
    assert reminder_id(KEY) == uuid5(PLANTRAIL_NAMESPACE, "reminder:" + KEY)
    assert reminder_id(KEY) != reminder_id(KEY.replace("|2", "|3"))
    assert raise_reminder().id == raise_reminder(sweep_id="sweep-2", period=2).id == reminder_id(KEY)


@pytest.mark.parametrize("rule", RULES)
def test_a_raised_reminder_records_everything_it_was_given(rule):
    reminder = raise_reminder(rule=rule)
    assert (reminder.key, reminder.rule, reminder.plan_code, reminder.action_code) == (KEY, rule, "SOS 001", "SS_ICSAP_PAR1")
    assert (reminder.recipients, reminder.undeliverable) == ([{"name": "Liam Purdie", "role": "owner"}], {})
    raised = last_event(reminder)
    assert (raised.about, raised.period, raised.details, raised.sweep_id) == (date(2015, 3, 31), 2, {"title": "Parenting"}, "sweep-1")
    assert (raised.actor, raised.effective_on, raised.reason) == ("scheduler", date(2015, 4, 10), None)


def test_a_reminder_of_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match=r"^rule: unknown reminder rule 'overdew'$"):
        raise_reminder(rule="overdew")


def test_an_undeliverable_recipient_is_recorded_once_with_the_reminders_action():
    reminder = raise_reminder()
    reminder.mark_undeliverable("Liam Purdie", reason="no email address", actor="relay", effective_on=date(2015, 4, 11))
    marked = last_event(reminder)
    assert (marked.recipient, marked.plan_code, marked.action_code) == ("Liam Purdie", "SOS 001", "SS_ICSAP_PAR1")
    assert (marked.actor, marked.effective_on, marked.reason) == ("relay", date(2015, 4, 11), "no email address")
    reminder.mark_undeliverable("Mo Manager", reason="", actor="relay", effective_on=date(2015, 4, 11))
    assert reminder.undeliverable == {"Liam Purdie": "no email address", "Mo Manager": ""}
    with refusal(ActionAlreadyInStateError, f"reminder {KEY}: already recorded as undeliverable to 'Liam Purdie'"):
        reminder.mark_undeliverable("Liam Purdie", reason="again", actor="relay", effective_on=date(2015, 4, 12))
    assert reminder.version == 3
