"""The sweep's committee-round reminder after a clerk's chase and an owner's update, on the seed
plan through a real SMTP server. The round of the Housing, Health and Care Committee (meets
2015-04-02, report deadline 2015-03-25) opened on 2015-03-15; no sweep has raised its reminder
yet. Liam Purdie owns the open SS_ICSAP_TRAN2 and SS_ICSAP_ARR3, with others."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from domain.commands import UpdateProgress
from plantrail.bootstrap import sweep_context
from plantrail.rounds import chase
from scheduler.policy import ReminderPolicy
from scheduler.sweep import CHASE_QUIET, sweep
from tests.integration.sign_off_scenario import PLAN
from tests.integration.test_reminders import deliver, settings_for
from tests.integration.test_sign_off_mail import raised, to

UPDATED, CHASED = "SS_ICSAP_TRAN2", "SS_ICSAP_ARR3"
MEETS_ON = date(2015, 4, 2)
ROUND_HEADING = "Update needed for the committee report"


def chase_round(services, smtp_server, clock, at: datetime) -> tuple[list[str], datetime]:
    """The clerk's "Chase now" at ``at``, delivered; the keys raised and when it was recorded."""
    clock.set(at)
    settings = settings_for(smtp_server)
    keys = chase(services, lambda code: ReminderPolicy(), sweep_context(services, settings), PLAN, actor="Jane Menzies", now=clock.moment)
    deliver(services, settings, clock.moment)
    chased = services.queries.last_chase(PLAN, MEETS_ON)
    assert chased is not None
    return keys, chased[0]


def sweep_at(services, smtp_server, clock, now: datetime):
    clock.set(now)
    settings = settings_for(smtp_server)
    before = len(smtp_server.received)
    outcome = sweep(sweep_context(services, settings), as_of=now.date(), today=now.date(), now=now)
    deliver(services, settings, now)
    return outcome, smtp_server.received[before:]


def round_actions(outcome) -> set[str]:
    """The actions of the seed plan (not the other example plans) the sweep raised the round's reminder for."""
    return {key.split("|")[2] for key in raised(outcome, "committee_round") if key.split("|")[1] == PLAN}


def entries(text: str) -> dict[str, str]:
    """A digest's numbered action entries by action code."""
    blocks = re.split(r"\n\n(?=\d+\. )", text.replace("\r\n", "\n"))
    return {m.group(1): block for block in blocks if (m := re.match(r"\d+\. (\S+) ", block))}


def asked_for_round(text: str) -> set[str]:
    """The seed plan's actions a digest asks to update for the committee report."""
    return {code for code, block in entries(text).items() if f"Plan: {PLAN} " in block and f"- {ROUND_HEADING}:" in block}


def test_the_sweep_after_a_chase_neither_asks_the_chased_owners_again_nor_an_owner_who_has_updated(plan, clock, smtp_server):
    clock.set(datetime(2015, 3, 24, 9, 0, tzinfo=UTC))
    plan.record(f"{PLAN}/{UPDATED}", UpdateProgress(80, source="web"), actor="Liam Purdie")
    keys, chased_at = chase_round(plan, smtp_server, clock, datetime(2015, 3, 24, 10, 0, tzinfo=UTC))
    chased = {key.split("|")[2] for key in keys}
    assert CHASED in chased and UPDATED not in chased  # the chase already leaves out who updated

    outcome, messages = sweep_at(plan, smtp_server, clock, chased_at + timedelta(seconds=37))
    assert round_actions(outcome) == set()
    [liam] = to(messages, "Liam Purdie")  # about his due-soon actions and the other plan's round
    assert {UPDATED, CHASED} <= set(entries(liam.text())) and asked_for_round(liam.text()) == set()


def test_a_chased_action_is_reminded_by_the_sweep_again_from_a_day_after_the_chase_unless_updated(plan, clock, smtp_server):
    keys, chased_at = chase_round(plan, smtp_server, clock, datetime(2015, 3, 23, 10, 0, tzinfo=UTC))
    chased = {key.split("|")[2] for key in keys}
    assert {UPDATED, CHASED} <= chased
    clock.set(datetime(2015, 3, 23, 12, 0, tzinfo=UTC))
    plan.record(f"{PLAN}/{UPDATED}", UpdateProgress(80, source="web"), actor="Liam Purdie")

    held, _ = sweep_at(plan, smtp_server, clock, chased_at + CHASE_QUIET - timedelta(seconds=1))
    assert round_actions(held) == set()
    due_again, messages = sweep_at(plan, smtp_server, clock, chased_at + CHASE_QUIET)
    # Some chased on the 23rd count as complete by the 24th (the seed's figures dated then): not asked.
    assert CHASED in round_actions(due_again) <= chased - {UPDATED}
    [liam] = to(messages, "Liam Purdie")
    assert asked_for_round(liam.text()) == {CHASED, "SS_ICSAP_TRAN3"}  # his open actions but the updated one
