"""Reminders about an action whose owner has a claim awaiting sign-off, on the seed plan through a
real SMTP server: the owners are not asked again for what they have claimed, their digest says
whom the claim awaits, and a rejection reaches them in whichever digest comes next (the
scheduled sweep's or a clerk's chase).

Liam Purdie owns SS_ICSAP_TRAN3 (due 2015-03-28) with Maureen Dryden; Val DeSouza is his
manager and the plan's sponsor. The ``plan`` and ``clock`` fixtures (conftest.py) record every
event at the scenario's time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from domain.commands import ChangeLifecycle, ReviseDueDate, UpdateProgress
from plantrail.bootstrap import sweep_context
from plantrail.rounds import chase
from scheduler.policy import ReminderPolicy
from scheduler.sweep import due_now
from tests.integration.sign_off_scenario import PLAN, ScenarioClock
from tests.integration.test_reminders import deliver, settings_for
from tests.integration.test_sign_off_mail import raised, section, sweep_on, to
from tests.mail_dates import mail_day

TRAN3 = "SS_ICSAP_TRAN3"
CLAIMED_AT = datetime(2015, 3, 25, 12, 0, tzinfo=UTC)
YOURS = "Waiting for sign-off on your actions"


def claim(services, clock: ScenarioClock, command, *, at: datetime = CLAIMED_AT) -> dict:
    clock.set(at)
    return services.record(TRAN3, command, actor="Liam Purdie")


def actions_listed(text: str) -> list[str]:
    """The codes of the numbered action entries of a digest's plain text."""
    return re.findall(r"^\d+\. (\S+) ", text.replace("\r\n", "\n"), flags=re.M)


def own_claims(text: str) -> dict[str, list[str]]:
    """Per action code, the lines of the reader's own waiting claims (the section's entries)."""
    body = text.replace("\r\n", "\n")
    if YOURS not in body:
        return {}
    body = re.split(r"\n\n(?=[A-Z0-9])(?!\* )", body.split(YOURS, 1)[1].split("\n", 1)[1], maxsplit=1)[0]
    return {block.split(" ", 1)[0]: [line.strip() for line in block.splitlines()[1:]] for block in body.split("\n* ")[1:]}


def test_a_completion_claim_stops_every_reminder_asking_for_it_and_the_digest_says_whom_it_awaits(plan, clock, smtp_server):
    made = claim(plan, clock, ChangeLifecycle("complete", None, CLAIMED_AT.date(), "Training log"))
    [waiting] = [c for c in plan.pending(PLAN) if c["action"] == TRAN3]
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 30))  # TRAN3 is 2 days past its due date
    assert [k for k in outcome.raised if f"|{TRAN3}|" in k] == raised(outcome, "sign_off_awaiting")  # no overdue, no escalation

    [liam] = to(messages, "Liam Purdie")
    assert actions_listed(liam.text()) and TRAN3 not in actions_listed(liam.text())  # his other actions still come
    expected = (
        f"Your completion (claimed {mail_day(waiting['since'], date(2015, 3, 30))}) is waiting for sign-off by {waiting['awaiting']}."
    )
    assert expected == "Your completion (claimed 25 Mar) is waiting for sign-off by Val DeSouza (manager) or a clerk of SOS 001."
    assert own_claims(liam.text()) == {TRAN3: [f"Plan: {PLAN} Children's Inspection Action Plan", expected]}
    assert made["claim"]["version"] == waiting["version"]
    # The co-owner is not asked to complete it either, and hears why; the approver is asked to
    # decide, not to chase the owners.
    [maureen] = [m for m in messages if m.rcpt_tos == ["maureen.dryden@example.org"]]
    assert TRAN3 not in actions_listed(maureen.text())
    assert (
        own_claims(maureen.text())[TRAN3][1]
        == f"Liam Purdie's completion (claimed 25 Mar) is waiting for sign-off by {waiting['awaiting']}."
    )
    [val] = to(messages, "Val DeSouza")
    assert TRAN3 not in actions_listed(val.text())
    assert [c["code"] for c in section(val.text(), "Awaiting your sign-off (1).")] == [TRAN3]


def test_the_rules_wait_from_the_day_the_claim_is_made_until_the_day_it_is_decided(plan, clock, smtp_server):
    context = sweep_context(plan, settings_for(smtp_server))

    def rules_on(day: date) -> list[str]:
        return sorted(d.rule for d in due_now(context, day, clock.moment.date()) if d.action_code == TRAN3)

    claim(plan, clock, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"))
    assert rules_on(date(2015, 3, 24)) == ["committee_round", "due_soon"]  # the day before the claim
    assert rules_on(date(2015, 3, 25)) == ["sign_off_awaiting"]  # the day it is made (the round's deadline: it answers it)
    clock.set(datetime(2015, 3, 27, 15, tzinfo=UTC))
    plan.reject(TRAN3, actor="Val DeSouza", reason="Book another trainer; March still stands")
    assert rules_on(date(2015, 3, 26)) == ["sign_off_awaiting"]  # the day before the decision
    assert rules_on(date(2015, 3, 27)) == ["due_soon", "sign_off_rejected"]  # the day it is decided
    assert rules_on(date(2015, 3, 29)) == ["overdue", "sign_off_rejected"]


def test_a_progress_claim_leaves_the_overdue_reminder_asking_only_for_completion_or_a_new_date(plan, clock, smtp_server):
    plan.configure_sign_off(PLAN, {"sign_off": "changes"}, actor="Jane Menzies")
    claim(plan, clock, UpdateProgress(80, "Two sessions left"))
    [waiting] = [c for c in plan.pending(PLAN) if c["action"] == TRAN3]
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 30))
    assert f"overdue|{PLAN}|{TRAN3}|2015-03-28|0" in outcome.raised
    [liam] = to(messages, "Liam Purdie")
    entry = liam.text().replace("\r\n", "\n").split(f". {TRAN3} ", 1)[1].split("\n\n", 1)[0]
    assert "   - Overdue: 2 days past its due date: record completion, or a revised date with a reason." in entry.splitlines()
    said = own_claims(liam.text())[TRAN3][1]
    assert said == f"Your {waiting['proposed']} (claimed 25 Mar) is waiting for sign-off by {waiting['awaiting']}."
    assert said.startswith("Your progress 80% (claimed")


def test_a_rejection_reaches_the_owner_in_a_clerks_chase_that_comes_before_the_sweep(plan, clock, smtp_server):
    claim(plan, clock, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"))
    clock.set(datetime(2015, 3, 26, 10, tzinfo=UTC))
    reason = "Book another trainer; March still stands"
    rejected = plan.reject(TRAN3, actor="Val DeSouza", reason=reason)
    assert rejected["claimant_told"] == {"when": "next digest", "problem": None}

    settings = settings_for(smtp_server)
    clock.set(datetime(2015, 3, 26, 11, tzinfo=UTC))
    chased = chase(plan, lambda code: ReminderPolicy(), sweep_context(plan, settings), PLAN, actor="Jane Menzies", now=clock.moment)
    assert chased and all(k.startswith("committee_round|") for k in chased)
    before = len(smtp_server.received)
    deliver(plan, settings, clock.moment)
    [liam] = to(smtp_server.received[before:], "Liam Purdie")
    assert liam.message["Subject"].startswith("plantrail: your claim was not accepted; ")
    [listed] = section(liam.text(), "Your claims not accepted (1).")
    assert (listed["code"], listed["Proposed"]) == (TRAN3, "due date 30 Apr, effective 25 Mar")
    assert listed["Not accepted by Val DeSouza on 26 Mar. Reason given"] == reason
    assert set(actions_listed(liam.text())) <= {c.split("|")[2] for c in chased}  # the chase's own reminders beside it

    # Told once: the next sweep does not tell him again.
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 27))
    assert raised(outcome, "sign_off_rejected") == []
    assert all("not accepted" not in m.text() for m in to(messages, "Liam Purdie"))


def test_the_round_does_not_chase_an_action_whose_completion_awaits_sign_off_but_does_one_with_a_new_date_waiting(plan, clock, smtp_server):
    from plantrail.rounds import round_status

    def policy(code: str) -> ReminderPolicy:
        return ReminderPolicy()

    completed, redated = "SS_ICSAP_TRAN2", TRAN3
    clock.set(datetime(2015, 3, 26, 9, tzinfo=UTC))
    before = [a["code"] for a in round_status(plan, policy, PLAN).waiting]
    assert {completed, redated} <= set(before)
    # Both claims dated before the round opened (2015-03-15), so neither answers the round itself.
    plan.record(completed, ChangeLifecycle("complete", None, date(2015, 3, 12), "Sessions delivered"), actor="Liam Purdie")
    plan.record(redated, ReviseDueDate(date(2015, 4, 30), "Trainer off sick", date(2015, 3, 12)), actor="Liam Purdie")
    status = round_status(plan, policy, PLAN)
    assert [a["code"] for a in status.waiting] == [code for code in before if code != completed]
    assert [(a["code"], a["pending_claims"]) for a in status.awaiting_sign_off] == [(completed, ["completion"])]
    assert completed not in [a["code"] for a in status.updated]

    chased = chase(plan, policy, sweep_context(plan, settings_for(smtp_server)), PLAN, actor="Jane Menzies", now=clock.moment)
    assert sorted(key.split("|")[2] for key in chased) == sorted(a["code"] for a in status.waiting if a["owners"])


def entry_lines(text: str, code: str) -> list[str]:
    """The lines of one numbered action entry of a digest's plain text."""
    return text.replace("\r\n", "\n").split(f". {code} ", 1)[1].split("\n\n", 1)[0].splitlines()


def test_a_rejection_told_once_is_repeated_beside_the_action_while_nobody_claims_again(plan, clock, smtp_server):
    claim(plan, clock, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"))
    clock.set(datetime(2015, 3, 27, 15, tzinfo=UTC))
    reason = "Book another trainer; March still stands"
    plan.reject(TRAN3, actor="Val DeSouza", reason=reason)
    told, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 28))
    assert len(raised(told, "sign_off_rejected")) == 1
    [liam] = to(messages, "Liam Purdie")
    assert [c["code"] for c in section(liam.text(), "Your claims not accepted (1).")] == [TRAN3]
    assert "Not accepted earlier" not in liam.text()  # told in full in its own section, not twice

    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 30))  # two days overdue
    assert f"overdue|{PLAN}|{TRAN3}|2015-03-28|0" in outcome.raised and raised(outcome, "sign_off_rejected") == []
    [liam] = to(messages, "Liam Purdie")
    assert "Your claims not accepted" not in liam.text()
    said = f"Val DeSouza did not accept your claim (due date 30 Apr) on 27 Mar. Reason given: {reason}"
    assert f"   - Not accepted earlier: {said}" in entry_lines(liam.text(), TRAN3)
    # The co-owner reads whose claim it was; the HTML part carries the same, escaped.
    [maureen] = [m for m in messages if m.rcpt_tos == ["maureen.dryden@example.org"]]
    assert f"   - Not accepted earlier: {said.replace('your claim', 'Liam Purdie' + chr(39) + 's claim')}" in entry_lines(
        maureen.text(), TRAN3
    )
    assert "did not accept your claim (due date 30 Apr)" in liam.html()

    # Claimed again: the refusal is answered, and is not repeated any more.
    clock.set(datetime(2015, 3, 30, 12, tzinfo=UTC))
    plan.record(TRAN3, ReviseDueDate(date(2015, 4, 15), "Second trainer booked for 14 April"), actor="Liam Purdie")
    clock.set(datetime(2015, 3, 31, 9, tzinfo=UTC))
    plan.reject(TRAN3, actor="Val DeSouza", reason="Keep March; run one session on the 31st")
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 4, 2))
    [liam] = to(messages, "Liam Purdie")
    [listed] = section(liam.text(), "Your claims not accepted (1).")  # the new refusal, told once
    assert listed["Proposed"].startswith("due date 15 Apr")
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 4, 6))
    lines = [line for m in to(messages, "Liam Purdie") for line in m.text().splitlines() if "Not accepted earlier" in line]
    assert lines == [
        "   - Not accepted earlier: Val DeSouza did not accept your claim (due date 15 Apr) on 31 Mar. "
        "Reason given: Keep March; run one session on the 31st"
    ]


def test_reminders_still_go_out_when_the_refusals_to_repeat_cannot_be_read(plan, clock, smtp_server, monkeypatch, caplog):
    from scheduler import sign_off

    claim(plan, clock, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"))
    clock.set(datetime(2015, 3, 27, 15, tzinfo=UTC))
    plan.reject(TRAN3, actor="Val DeSouza", reason="Book another trainer; March still stands")
    sweep_on(plan, smtp_server, clock, date(2015, 3, 28))

    def broken(*_args):
        raise RuntimeError("view_claims is being rebuilt")

    monkeypatch.setattr(sign_off, "unanswered_by_action", broken)
    _, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 30))
    [liam] = to(messages, "Liam Purdie")
    assert "   - Overdue: 2 days past its due date: record progress or completion, or a revised date with a reason." in entry_lines(
        liam.text(), TRAN3
    )
    assert "Not accepted earlier" not in liam.text()
    assert "could not list the claims not accepted" in caplog.text


def refusal_lines(messages, person: str) -> list[str]:
    return [line for m in to(messages, person) for line in m.text().splitlines() if "Not accepted earlier" in line]


def test_the_decider_reads_their_own_refusal_as_theirs(plan, clock, smtp_server):
    claim(plan, clock, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"))
    clock.set(datetime(2015, 3, 27, 15, tzinfo=UTC))
    plan.reject(TRAN3, actor="Val DeSouza", reason="Book another trainer; March still stands")
    sweep_on(plan, smtp_server, clock, date(2015, 3, 28))
    _, messages = sweep_on(plan, smtp_server, clock, date(2015, 4, 5))  # a week overdue: the manager hears
    assert refusal_lines(messages, "Val DeSouza") == [
        "   - Not accepted earlier: You did not accept Liam Purdie's claim (due date 30 Apr) on 27 Mar. "
        "Reason given: Book another trainer; March still stands"
    ]


def test_a_refusal_settled_another_way_is_not_repeated_nor_shown_as_still_to_answer(plan, clock, smtp_server):
    claim(plan, clock, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"))
    clock.set(datetime(2015, 3, 27, 15, tzinfo=UTC))
    plan.reject(TRAN3, actor="Val DeSouza", reason="Book another trainer; March still stands")
    sweep_on(plan, smtp_server, clock, date(2015, 3, 28))
    assert [c["kind"] for c in plan.rejections_to_answer(TRAN3)] == ["due_date"]
    # The plan stops asking for sign-off and the owner moves the date himself: settled.
    clock.set(datetime(2015, 3, 29, 9, tzinfo=UTC))
    plan.configure_sign_off(PLAN, {"sign_off": "none"}, actor="Jane Menzies")
    plan.record(TRAN3, ReviseDueDate(date(2015, 4, 3), "One trainer found for 2 April"), actor="Liam Purdie")
    assert plan.rejections_to_answer(TRAN3) == []
    _, messages = sweep_on(plan, smtp_server, clock, date(2015, 4, 4))  # overdue again, under its new date
    assert TRAN3 in actions_listed(to(messages, "Liam Purdie")[0].text()) and refusal_lines(messages, "Liam Purdie") == []


def test_a_refusal_told_at_once_is_not_repeated_the_same_day(plan, clock, smtp_server):
    plan.configure_sign_off(PLAN, {"notify_rejection": "immediate"}, actor="Jane Menzies")
    plan.notices = lambda: sweep_context(plan, settings_for(smtp_server))
    claim(plan, clock, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"))
    clock.set(datetime(2015, 3, 29, 6, tzinfo=UTC))
    plan.reject(TRAN3, actor="Val DeSouza", reason="Book another trainer; March still stands")
    _, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 29))  # the first overdue reminder
    assert TRAN3 in actions_listed(to(messages, "Liam Purdie")[-1].text()) and refusal_lines(messages, "Liam Purdie") == []
    _, messages = sweep_on(plan, smtp_server, clock, date(2015, 4, 5))
    assert len(refusal_lines(messages, "Liam Purdie")) == 1
