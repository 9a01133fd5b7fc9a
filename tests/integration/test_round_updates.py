"""Who has updated in an update round (domain.rounds.UpdateRound): only an update recorded by one
of the action's owners, or by the manager of one of them, counts; an import of figures (even
one dated inside the round) and a clerk's note do not."""

from __future__ import annotations

from datetime import date

from domain.commands import AddNote, UpdateProgress
from plantrail.my_actions import plan_rows
from plantrail.rounds import round_status
from scheduler.policy import ReminderPolicy

PLAN = "SOS 001"


def policy_for(plan_code: str) -> ReminderPolicy:
    return ReminderPolicy()


def _split(services) -> tuple[dict[str, dict], dict[str, dict]]:
    status = round_status(services, policy_for, PLAN)
    assert status.round is not None and status.round.opens_on == date(2015, 3, 15)
    return {a["code"]: a for a in status.updated}, {a["code"]: a for a in status.waiting}


def test_an_import_or_a_clerks_note_in_the_round_leaves_the_owner_waiting_until_the_owner_or_their_manager_updates(seeded):
    services = seeded
    updated, waiting = _split(services)
    # The seed's import carries figures dated 2015-03-24, inside the round: none counts as the owners'.
    assert updated == {}
    imported_in_round = sorted(code for code, a in waiting.items() if a["updated_by_others"])
    assert imported_in_round and all(waiting[c]["last_update_on"] >= "2015-03-15" for c in imported_in_round)
    by_owner, by_manager, by_clerk = imported_in_round[:3]

    services.app.register_person(name="Cara Clerk", actor="test setup")
    services.record(f"{PLAN}/{by_clerk}", AddNote("Chased by phone; figures from the return"), actor="Cara Clerk")
    services.record(f"{PLAN}/{by_clerk}", UpdateProgress(90, source="import"), actor="Cara Clerk")

    owner = waiting[by_owner]["owners"][0]
    services.record(f"{PLAN}/{by_owner}", AddNote("On track for the committee"), actor=owner)

    managed = waiting[by_manager]["owners"][0]
    services.app.register_person(name="Morag Manager", actor="test setup")
    person = services.app.get_person(managed)
    person.change_contact(email=person.email, manager="Morag Manager", role=person.role, actor="admin", effective_on=date(2015, 3, 1))
    services.app.save(person)
    services.record(f"{PLAN}/{by_manager}", UpdateProgress(80, source="web"), actor="Morag Manager")

    updated, waiting = _split(services)
    assert sorted(updated) == sorted([by_owner, by_manager])
    assert updated[by_owner]["round_update_on"] == "2015-03-25"
    assert by_clerk in waiting and waiting[by_clerk]["updated_by_others"]
    # The owners' own pages agree: updated in the round only where they (or their manager) did.
    _, mine = plan_rows(services, policy_for, owner, PLAN, [by_owner])
    _, theirs = plan_rows(services, policy_for, waiting[by_clerk]["owners"][0], PLAN, [by_clerk])
    assert [r["updated_in_round"] for r in mine] == [True] and [r["updated_in_round"] for r in theirs] == [False]


def test_the_sweeps_escalation_after_the_deadline_follows_the_same_rule(seeded, smtp_server):
    from plantrail.bootstrap import sweep_context
    from scheduler.sweep import due_now
    from tests.integration.test_reminders import settings_for

    services, deadline = seeded, date(2015, 3, 25)
    context = sweep_context(services, settings_for(smtp_server))
    _, waiting = _split(services)
    imported_in_round = sorted(code for code, a in waiting.items() if a["updated_by_others"])

    def escalated() -> set[str]:
        return {d.action_code for d in due_now(context, deadline, deadline) if d.rule == "committee_escalation"}

    assert set(imported_in_round) <= escalated()  # the import's figures dated 2015-03-24 do not answer it
    code = imported_in_round[0]
    services.record(f"{PLAN}/{code}", AddNote("Figures checked; on track"), actor=waiting[code]["owners"][0])
    assert code not in escalated() and set(imported_in_round[1:]) <= escalated()
