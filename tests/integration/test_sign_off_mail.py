"""Sign-off's mail on the seed plan, on SQLite and PostgreSQL, through a real SMTP server: the
approver's digest lists what awaits them, a claim left waiting escalates once per period, and the
owner hears of a rejection and its reason (in the next digest, or at once).

Pat Preece (an owner of SS_ICSAP_ARR1) is managed by Liam Purdie, who is managed by Val DeSouza,
the plan's sponsor. The ``plan`` and ``clock`` fixtures (conftest.py) record every event at the
scenario's time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from domain.commands import ChangeLifecycle
from notifications import tables as nt
from plantrail.bootstrap import sweep_context
from projections.audit import history
from scheduler.sweep import sweep
from tests.integration.sign_off_scenario import ARR1, PLAN, ScenarioClock
from tests.integration.test_digest import Links, SignedLinks
from tests.integration.test_reminders import deliver, settings_for
from tests.mail_dates import mail_day

CLAIMED_AT = datetime(2015, 3, 25, 12, 0, tzinfo=UTC)
EMAIL = {"Pat Preece": "pat.preece@example.org", "Liam Purdie": "liam.purdie@example.org", "Val DeSouza": "val.desouza@example.org"}


def claim_completion(services, clock: ScenarioClock, *, by: str = "Pat Preece", code: str = ARR1, at: datetime = CLAIMED_AT) -> dict:
    clock.set(at)
    return services.record(code, ChangeLifecycle("complete", None, at.date(), "Audit of 20 plans"), actor=by)


def sweep_on(services, smtp_server, clock: ScenarioClock, day: date, **context):
    """The morning sweep of ``day`` and one delivery pass; the messages it brought."""
    clock.set(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7))
    settings = settings_for(smtp_server)
    before = len(smtp_server.received)
    outcome = sweep(sweep_context(services, settings, **context), as_of=day, today=day, now=clock.moment)
    deliver(services, settings, clock.moment)
    return outcome, smtp_server.received[before:]


def to(messages, person: str) -> list:
    return [m for m in messages if m.rcpt_tos == [EMAIL[person]]]


def section(text: str, heading: str) -> list[dict[str, str]]:
    """The claims listed under one sign-off heading of a digest's plain text, field by field."""
    text = text.replace("\r\n", "\n")  # as the mail came off the wire
    if heading not in text:
        return []
    body = text.split(heading, 1)[1]
    body = re.split(r"\n\n(?=[A-Z0-9])(?!\* )", body.split("\n", 1)[1], maxsplit=1)[0]
    claims = []
    for block in body.split("\n* ")[1:]:
        lines = block.splitlines()
        code, title = lines[0].split(" ", 1)
        fields = {"code": code, "title": title}
        for line in lines[1:]:
            label, _, value = line.strip().partition(": ")
            fields[label] = value
            if match := re.fullmatch(r"Claimed by (.+) on (.+?) \((.+)\)", line.strip()):
                fields |= {"claimant": match[1], "claimed_on": match[2], "waiting": match[3]}
        claims.append(fields)
    return claims


def raised(outcome, rule: str) -> list[str]:
    return [key for key in outcome.raised if key.startswith(rule + "|")]


def test_the_approvers_digest_lists_the_claim_what_by_whom_since_when_and_its_link(plan, clock, smtp_server):
    claim_completion(plan, clock)
    [waiting] = plan.pending(PLAN)  # what the read model says waits, to hold the message against
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 26), links=SignedLinks())
    assert raised(outcome, "sign_off_awaiting") == [f"sign_off_awaiting|{PLAN}|{ARR1}|2015-03-25|0|v{waiting['version']}"]

    [liam] = to(messages, "Liam Purdie")
    assert liam.message["Subject"].startswith("plantrail: 1 claim awaits your sign-off; ")
    [listed] = section(liam.text(), "Awaiting your sign-off (1).")
    title = plan.show(ARR1)["title"]
    assert (listed["code"], listed["title"], listed["Plan"]) == (ARR1, title, "SOS 001 Children's Inspection Action Plan")
    assert listed["Proposed"] == f"{waiting['proposed']}, effective {mail_day(waiting['effective_on'], date(2015, 3, 26))}"
    assert (listed["claimant"], listed["claimed_on"], listed["waiting"]) == (waiting["claimant"], "25 Mar", "1 day ago")
    assert listed["Evidence"] == waiting["evidence"] == "Audit of 20 plans"
    decide = SignedLinks().sign_off_link("Liam Purdie")  # his sign-off page, where he decides
    assert listed["Review and decide"] == decide
    parsed = Links()
    parsed.feed(liam.html())
    assert parsed.found[0] == (decide, "Review and decide")  # the section comes before the actions

    # Nobody is asked to decide their own claim.
    assert all("Awaiting your sign-off" not in m.text() for m in to(messages, "Pat Preece"))
    [key] = raised(outcome, "sign_off_awaiting")
    [request] = [e for e in history(plan.engine, plan_code=PLAN, action_code=ARR1) if e["changes"].get("reminder") == [None, key]]
    assert request["text"] == "sign-off request: asked to decide Liam Purdie (manager)"


def test_a_digest_lists_every_claim_awaiting_the_reader_not_only_the_new_one(plan, clock, smtp_server):
    first = claim_completion(plan, clock)
    sweep_on(plan, smtp_server, clock, date(2015, 3, 26))
    second = claim_completion(plan, clock, code="SS_ICSAP_ARR2", at=datetime(2015, 3, 26, 10, tzinfo=UTC))
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 27))
    assert len(raised(outcome, "sign_off_awaiting")) == 1  # only the new claim is asked about again
    [liam] = to(messages, "Liam Purdie")
    listed = section(liam.text(), "Awaiting your sign-off (2).")
    assert [(c["code"], c["claimed_on"]) for c in listed] == [(ARR1, "25 Mar"), ("SS_ICSAP_ARR2", "26 Mar")]
    assert {first["claim"]["version"], second["claim"]["version"]} <= {c["version"] for c in plan.pending(PLAN)}
    assert liam.message["Subject"] == "plantrail: 2 claims await your sign-off"  # his actions were in yesterday's digest


def test_a_claim_waiting_sign_off_days_escalates_to_the_approvers_manager_once(plan, clock, smtp_server):
    plan.configure_sign_off(PLAN, {"sign_off_days": 3}, actor="Jane Menzies")
    claim_completion(plan, clock)
    sweep_on(plan, smtp_server, clock, date(2015, 3, 25))
    day_before, _ = sweep_on(plan, smtp_server, clock, date(2015, 3, 27))
    assert raised(day_before, "sign_off_escalation") == []
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 28))  # 3 days after the claim
    [key] = raised(outcome, "sign_off_escalation")
    [val] = to(messages, "Val DeSouza")
    [listed] = section(val.text(), "Waiting too long for sign-off (1).")
    assert (listed["code"], listed["claimant"], listed["waiting"]) == (ARR1, "Pat Preece", "3 days ago")
    assert "It awaits Liam Purdie (manager) or a clerk of SOS 001" in val.text()
    assert "(you receive this as the approver's manager)" in val.text()
    # The approver is asked again, as the next period begins.
    assert section(to(messages, "Liam Purdie")[0].text(), "Awaiting your sign-off (1).")[0]["waiting"] == "3 days ago"

    again, repeat = sweep_on(plan, smtp_server, clock, date(2015, 3, 28))
    assert again.raised == [] and repeat == []
    next_day, later = sweep_on(plan, smtp_server, clock, date(2015, 3, 29))
    assert raised(next_day, "sign_off_escalation") == []
    assert all("Waiting too long" not in m.text() for m in to(later, "Val DeSouza"))
    [escalation] = [e for e in history(plan.engine, plan_code=PLAN, action_code=ARR1) if e["changes"].get("reminder") == [None, key]]
    assert escalation["text"] == "sign-off escalation; escalated to Val DeSouza (manager)"


def test_a_claimant_without_a_manager_waits_for_a_clerk_and_escalates_to_the_sponsor(plan, clock, smtp_server):
    # Christine Sutton, ARR1's other owner, has no manager and the plan has no clerk yet: nobody
    # can be asked, which the administrator hears; after sign_off_days the sponsor hears.
    claim_completion(plan, clock, by="Christine Sutton")
    first, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 25))
    assert len(raised(first, "sign_off_awaiting")) == 1
    [undeliverable] = [m for m in plan.outbox.listing("undeliverable") if "nobody but the claimant may decide the claim" in m["last_error"]]
    assert undeliverable["to"] == "nobody"
    [admin] = [m for m in messages if m.rcpt_tos == ["admin@example.org"]]
    assert f"{ARR1} {plan.show(ARR1)['title']} (Awaiting sign-off)" in admin.text()
    assert "nobody but the claimant may decide the claim (they have no manager, and the plan has no other clerk" in admin.text()
    [nobody] = [e for e in history(plan.engine, plan_code=PLAN, action_code=ARR1) if e["type"] == "ReminderUndeliverable"]
    assert (nobody["text"], nobody["changes"]) == ("reminder had nobody to go to", {})
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 4, 1))
    assert len(raised(outcome, "sign_off_escalation")) == 1
    [val] = to(messages, "Val DeSouza")
    [listed] = section(val.text(), "Waiting too long for sign-off (1).")
    assert (listed["claimant"], listed["waiting"]) == ("Christine Sutton", "7 days ago")
    assert "(you receive this as the plan's sponsor)" in val.text()


def test_a_rejection_reaches_the_owner_with_its_reason_in_the_next_digest(plan, clock, smtp_server):
    claim_completion(plan, clock)
    clock.set(datetime(2015, 3, 26, 15, tzinfo=UTC))
    rejected = plan.reject(ARR1, actor="Liam Purdie", reason="The audit covered 12 plans, not 20: attach the full list")
    assert rejected["claimant_told"] == {"when": "next digest", "problem": None}
    assert plan.outbox.listing() == []  # nothing is sent by the decision itself
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 27))
    assert len(raised(outcome, "sign_off_rejected")) == 1
    [pat] = to(messages, "Pat Preece")
    [listed] = section(pat.text(), "Your claims not accepted (1).")
    assert listed["code"] == ARR1 and listed["Proposed"] == "complete, effective 25 Mar"
    assert listed["Not accepted by Liam Purdie on 26 Mar. Reason given"] == ("The audit covered 12 plans, not 20: attach the full list")
    assert pat.message["Subject"].startswith("plantrail: your claim was not accepted")
    again, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 28))
    assert raised(again, "sign_off_rejected") == [] and all("not accepted" not in m.text() for m in to(messages, "Pat Preece"))


def test_with_notify_rejection_immediate_the_decision_queues_the_message_and_the_relay_delivers_it(plan, clock, smtp_server):
    plan.configure_sign_off(PLAN, {"notify_rejection": "immediate"}, actor="Jane Menzies")
    settings = settings_for(smtp_server)
    plan.notices = lambda: sweep_context(plan, settings)
    claim_completion(plan, clock)
    clock.set(datetime(2015, 3, 26, 15, tzinfo=UTC))
    rejected = plan.reject(ARR1, actor="Liam Purdie", reason="Attach the audit report")
    assert rejected["claimant_told"] == {"when": "now", "problem": None}
    [queued] = plan.outbox.listing()
    assert (queued["to"], queued["status"]) == ("Pat Preece", "pending")
    deliver(plan, settings, clock.moment)
    [pat] = to(smtp_server.received, "Pat Preece")
    [listed] = section(pat.text(), "Your claims not accepted (1).")
    assert listed["Not accepted by Liam Purdie on 26 Mar. Reason given"] == "Attach the audit report"
    assert pat.message["Subject"] == "plantrail: your claim was not accepted"
    # The next sweep finds it told: the same key, raised once.
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 27))
    assert raised(outcome, "sign_off_rejected") == [] and all("not accepted" not in m.text() for m in to(messages, "Pat Preece"))
    with plan.engine.connect() as conn:
        keys = conn.execute(select(nt.items.c.reminder_key).where(nt.items.c.reminder_key.like("sign_off_rejected|%"))).scalars().all()
    assert len(keys) == 1


def test_clerks_of_the_plan_are_asked_beside_the_manager_and_an_admin_only_when_nobody_else_may_decide(plan, clock, smtp_server):
    app = plan.app
    for name in ("Cara Clerk", "Ada Admin"):
        app.register_person(name=name, email=f"{name.split()[0].lower()}@example.org", actor="setup", effective_on=date(2015, 1, 5))
    app.grant_role("Cara Clerk", "clerk", PLAN, actor="setup", reason="runs the committee cycle")
    app.grant_role("Ada Admin", "admin", None, actor="setup", reason="looks after people and roles")
    plan.projector.catch_up()
    claim_completion(plan, clock)  # Pat Preece, managed by Liam Purdie, in SOS 001 (Cara's plan)
    claim_completion(plan, clock, by="Jane Menzies", code="SS SAAP 2014/SAAP1.06")  # no manager, and no clerk of that plan
    outcome, messages = sweep_on(plan, smtp_server, clock, date(2015, 3, 26))
    asked = {d.action_code: d.recipients for d in outcome.due if d.rule == "sign_off_awaiting"}
    assert asked == {ARR1: (("Liam Purdie", "manager"), ("Cara Clerk", "clerk")), "SAAP1.06": (("Ada Admin", "admin"),)}
    listed = {
        who: [c["code"] for c in section(m.text(), "Awaiting your sign-off (1).")]
        for m in messages
        for who in [m.message["To"].addresses[0].display_name]
        if "Awaiting your sign-off" in m.text()
    }
    assert listed == {"Liam Purdie": [ARR1], "Cara Clerk": [ARR1], "Ada Admin": ["SAAP1.06"]}
